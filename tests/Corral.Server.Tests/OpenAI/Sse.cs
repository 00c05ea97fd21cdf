using System.Text;
using System.Text.Json.Nodes;
using Corral.Server.Tests.Infrastructure;

namespace Corral.Server.Tests.OpenAI;

/// <summary>One server-sent event: its <c>event:</c> name (null when absent) and raw <c>data:</c> text.</summary>
internal sealed record SseEvent(string? Name, string Data)
{
    public JsonObject Json => (JsonObject)JsonNode.Parse(Data)!;
}

internal static class Sse
{
    /// <summary>Splits a complete SSE body into events, checking the framing (blank line after each event).</summary>
    public static List<SseEvent> Parse(string body)
    {
        var events = new List<SseEvent>();
        Assert.True(body.EndsWith("\n\n", StringComparison.Ordinal), "an SSE body ends with a blank line");
        foreach (var frame in body[..^2].Split("\n\n"))
        {
            string? name = null;
            string? data = null;
            foreach (var line in frame.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
                else Assert.Fail($"unexpected SSE line '{line}'");
            }
            events.Add(new SseEvent(name, data ?? throw new Xunit.Sdk.XunitException($"SSE frame without data: '{frame}'")));
        }
        return events;
    }

    public static async Task<(int Status, string? ContentType, HttpResponseMessage Response, List<SseEvent> Events, string Body)> PostAsync(TestServer server, string path, JsonNode body)
    {
        var resp = await server.Http.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await resp.Content.ReadAsStringAsync();
        var events = resp.IsSuccessStatusCode && resp.Content.Headers.ContentType?.MediaType == "text/event-stream" ? Parse(text) : [];
        return ((int)resp.StatusCode, resp.Content.Headers.ContentType?.ToString(), resp, events, text);
    }
}
