using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Corral.Server.Tests.Infrastructure;
using Corral.Testing;

namespace Corral.Server.Tests.Api;

/// <summary>Small helpers shared by the API tests: the stories model, raw requests with any method, JSON checks.</summary>
internal static class ApiTestKit
{
    public static string Stories => RepoPaths.SharedFile("models", "stories260K.gguf");

    /// <summary>A server with <c>stories</c> (stories260K) imported.</summary>
    public static async Task<TestServer> StartWithStoriesAsync(IReadOnlyDictionary<string, string>? env = null, string name = "stories", JsonObject? extra = null)
    {
        var server = await TestServer.StartAsync(env);
        try
        {
            await server.CreateModelAsync(name, Stories, extra);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public static async Task<(int Status, string Text, HttpResponseMessage Response)> SendAsync(this TestServer server, HttpMethod method, string path, string? body = null, Action<HttpRequestMessage>? configure = null)
    {
        using var req = new HttpRequestMessage(method, path);
        if (body != null) req.Content = new StringContent(body, Encoding.UTF8, "application/json");
        configure?.Invoke(req);
        var resp = await server.Http.SendAsync(req);
        string text = await resp.Content.ReadAsStringAsync();
        return ((int)resp.StatusCode, text, resp);
    }

    public static async Task<JsonObject> GetJsonAsync(this TestServer server, string path)
    {
        using var resp = await server.Http.GetAsync(path);
        string text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, $"GET {path}: {(int)resp.StatusCode} {text}");
        return (JsonObject)JsonNode.Parse(text)!;
    }

    /// <summary>POSTs JSON; the body parsed as one JSON object when it is one (compat routes end it with a newline).</summary>
    public static async Task<(int Status, JsonObject? Body, string Text)> PostJsonAsync(this TestServer server, string path, JsonNode body)
    {
        using var resp = await server.Http.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await resp.Content.ReadAsStringAsync();
        JsonObject? node = null;
        try { node = text.TrimStart().StartsWith('{') ? JsonNode.Parse(text) as JsonObject : null; }
        catch (System.Text.Json.JsonException) { }
        return ((int)resp.StatusCode, node, text);
    }

    /// <summary>POSTs and asserts the status; returns the parsed body (or null for an empty body).</summary>
    public static async Task<JsonObject?> PostOkAsync(this TestServer server, string path, JsonNode body, int expected = 200)
    {
        var (status, node, text) = await server.PostJsonAsync(path, body);
        Assert.True(status == expected, $"POST {path}: expected {expected}, got {status}: {text}");
        return node;
    }

    /// <summary>Asserts a native error: status and exact <c>{"error": message}</c> body.</summary>
    public static async Task AssertErrorAsync(this TestServer server, string path, JsonNode body, int status, string message)
    {
        var (got, node, text) = await server.PostJsonAsync(path, body);
        Assert.True(got == status, $"POST {path}: expected {status}, got {got}: {text}");
        Assert.Equal(message, (string?)node?["error"]);
    }

    public static string? ContentType(HttpResponseMessage r) => r.Content.Headers.ContentType?.ToString();

    public static MediaTypeHeaderValue Json => new("application/json");

    public static JsonObject Greedy(int numPredict, JsonObject? more = null)
    {
        var o = new JsonObject { ["temperature"] = 0, ["num_predict"] = numPredict };
        if (more != null) foreach (var (k, v) in more) o[k] = v?.DeepClone();
        return o;
    }

    public static double Norm(JsonArray v)
    {
        double s = 0;
        foreach (var x in v) s += (double)x! * (double)x!;
        return Math.Sqrt(s);
    }

    /// <summary>Parses a timestamp as Go writes it (RFC 3339 with offset or Z).</summary>
    public static DateTimeOffset Time(JsonNode? n) => DateTimeOffset.Parse((string)n!, System.Globalization.CultureInfo.InvariantCulture);
}
