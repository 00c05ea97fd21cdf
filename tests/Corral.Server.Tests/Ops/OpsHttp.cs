using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Corral.Server.Tests.Ops;

/// <summary>One HTTP exchange as the ops tests look at it: status, headers and the body parsed when it is JSON.</summary>
internal sealed record OpsReply(int Status, HttpResponseHeaders Headers, string ContentType, string Text)
{
    public JsonNode? Json => Text.Length > 0 && Text.TrimStart().StartsWith('{') ? JsonNode.Parse(Text) : null;
}

internal static class OpsHttp
{
    /// <summary>Sends <paramref name="method"/> <paramref name="path"/> with an optional JSON body and extra headers.</summary>
    public static async Task<OpsReply> SendAsync(HttpClient http, string method, string path, JsonNode? body = null, params (string Name, string Value)[] headers)
    {
        using var req = new HttpRequestMessage(new HttpMethod(method), path);
        if (body != null) req.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        foreach (var (name, value) in headers) req.Headers.TryAddWithoutValidation(name, value);
        using var resp = await http.SendAsync(req);
        string text = await resp.Content.ReadAsStringAsync();
        return new OpsReply((int)resp.StatusCode, resp.Headers, resp.Content.Headers.ContentType?.ToString() ?? "", text);
    }

    public static (string, string) Bearer(string key) => ("Authorization", "Bearer " + key);

    public static (string, string) XApiKey(string key) => ("x-api-key", key);
}
