using System.Text.Json;
using Corral.Server.Api;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.Http;

/// <summary>Writes native API responses: compact JSON with upstream's content types, and NDJSON streams flushed per line.</summary>
public static class ResponseWriting
{
    public const string JsonContentType = "application/json; charset=utf-8";
    public const string NdjsonContentType = "application/x-ndjson";

    public static async Task WriteJsonAsync<T>(HttpResponse response, T value, int status = 200, string contentType = JsonContentType)
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, ApiJson.Options);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes);
    }

    public static Task WriteErrorAsync(HttpResponse response, int status, string message) =>
        WriteJsonAsync(response, new ErrorResponse { Error = message }, status);
}

/// <summary>
/// One NDJSON stream: the first line sets 200 and the content type; every object is followed by a
/// newline and flushed. An error before the first line becomes a normal JSON error response; after it,
/// one more <c>{"error": ...}</c> line (api.md §1.4).
/// </summary>
public sealed class NdjsonStream(HttpResponse response)
{
    private static readonly byte[] s_newline = "\n"u8.ToArray();

    public bool Started { get; private set; }

    public async Task WriteAsync<T>(T value, CancellationToken cancellation = default)
    {
        if (!Started)
        {
            response.StatusCode = 200;
            response.ContentType = ResponseWriting.NdjsonContentType;
            Started = true;
        }
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, ApiJson.Options);
        await response.Body.WriteAsync(bytes, cancellation);
        await response.Body.WriteAsync(s_newline, cancellation);
        await response.Body.FlushAsync(cancellation);
    }

    public async Task FailAsync(int status, string message)
    {
        if (!Started)
        {
            await ResponseWriting.WriteErrorAsync(response, status, message);
            return;
        }
        await WriteAsync(new ErrorResponse { Error = message });
    }
}
