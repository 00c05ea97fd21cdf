using System.Text.Json;
using Corral.Server.Api;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.Http;

/// <summary>Decodes request bodies the way upstream does: JSON whatever the content type, empty body and malformed JSON are 400s.</summary>
public static class RequestReading
{
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request) where T : class
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        if (buffer.Length == 0) throw ApiException.BadRequest("missing request body");
        try
        {
            return JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), ApiJson.Options)
                ?? throw ApiException.BadRequest("missing request body");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest(DescribeJsonError(e));
        }
    }

    /// <summary>A short decoder message without .NET type names (clients show it to users).</summary>
    public static string DescribeJsonError(JsonException e)
    {
        string where = e.Path is { Length: > 1 } p ? $" at {p}" : "";
        if (e.InnerException is InvalidOperationException or FormatException || e.Message.Contains("could not be converted", StringComparison.Ordinal))
            return $"invalid value type{where}" + (e.LineNumber is { } l ? $" (line {l + 1}, column {e.BytePositionInLine + 1})" : "");
        return $"invalid JSON{where}" + (e.LineNumber is { } ln ? $" (line {ln + 1}, column {e.BytePositionInLine + 1})" : "") + ": " + FirstSentence(e.Message);
    }

    private static string FirstSentence(string m)
    {
        int i = m.IndexOf(" Path:", StringComparison.Ordinal);
        if (i > 0) m = m[..i];
        return m.TrimEnd('.', ' ');
    }
}
