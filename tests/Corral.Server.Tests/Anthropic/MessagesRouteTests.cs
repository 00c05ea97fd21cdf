using System.Text.Json.Nodes;
using Corral.Server.Tests.Api;
using Corral.Server.Tests.Infrastructure;
using Corral.Server.Tests.OpenAI;

namespace Corral.Server.Tests.Anthropic;

/// <summary><c>POST /v1/messages</c> on the wire (api.md §6), against the native chat for the same request.</summary>
public class MessagesRouteTests
{
    private static JsonObject Messages(bool stream, int maxTokens = 12) => new()
    {
        ["model"] = "stories",
        ["max_tokens"] = maxTokens,
        ["temperature"] = 0,
        ["stream"] = stream,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "Once upon a time" }) }),
    };

    private static async Task<string> NativeTextAsync(TestServer server, int numPredict) => (string)(await server.PostOkAsync("/api/chat", new JsonObject
    {
        ["model"] = "stories",
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Once upon a time" }),
        ["stream"] = false,
        ["options"] = new JsonObject { ["temperature"] = 0, ["num_predict"] = numPredict },
    }))!["message"]!["content"]!;

    [Fact]
    public async Task MessageMatchesTheNativeChat()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        string expected = await NativeTextAsync(server, 12);
        var (status, text, resp) = await server.SendAsync(HttpMethod.Post, "/v1/messages", Messages(false).ToJsonString(),
            r => { r.Headers.Add("x-api-key", "any"); r.Headers.Add("anthropic-version", "2023-06-01"); });
        Assert.Equal(200, status);
        Assert.Equal("application/json", ApiTestKit.ContentType(resp));
        var body = (JsonObject)JsonNode.Parse(text)!;
        Assert.Equal(["id", "type", "role", "model", "content", "stop_reason", "usage"], body.Select(kv => kv.Key));
        Assert.Matches("^msg_[0-9a-f]{24}$", (string)body["id"]!);
        Assert.Equal("message", (string?)body["type"]);
        Assert.Equal("assistant", (string?)body["role"]);
        Assert.Equal("stories", (string?)body["model"]);
        Assert.Equal(new JsonArray(new JsonObject { ["type"] = "text", ["text"] = expected }).ToJsonString(), body["content"]!.ToJsonString());
        Assert.Equal("max_tokens", (string?)body["stop_reason"]);
        Assert.Equal(12, (int)body["usage"]!["output_tokens"]!);
        Assert.True((int)body["usage"]!["input_tokens"]! > 0);
    }

    [Fact]
    public async Task StreamSendsUpstreamsEventSequence()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        string expected = await NativeTextAsync(server, 10);
        var (status, contentType, resp, events, _) = await Sse.PostAsync(server, "/v1/messages", Messages(true, 10));
        Assert.Equal(200, status);
        Assert.Equal("text/event-stream", contentType);
        Assert.Equal("no-cache", resp.Headers.CacheControl?.ToString());
        Assert.All(events, e => Assert.Equal(e.Name, (string?)e.Json["type"]));

        var names = events.Select(e => e.Name).ToList();
        Assert.Equal("message_start", names[0]);
        Assert.Equal("content_block_start", names[1]);
        Assert.All(names.Skip(2).SkipLast(3), n => Assert.Equal("content_block_delta", n));
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], names.TakeLast(3));

        var start = events[0].Json["message"]!.AsObject();
        Assert.Equal(["id", "type", "role", "model", "content", "usage"], start.Select(kv => kv.Key));
        Assert.Equal("[]", start["content"]!.ToJsonString());
        Assert.Equal(0, (int)start["usage"]!["output_tokens"]!);
        Assert.Equal("""{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""", events[1].Data);
        Assert.Equal(expected, string.Concat(events.Where(e => e.Name == "content_block_delta").Select(e =>
        {
            Assert.Equal("text_delta", (string?)e.Json["delta"]!["type"]);
            Assert.Equal(0, (int)e.Json["index"]!);
            return (string)e.Json["delta"]!["text"]!;
        })));
        Assert.Equal("""{"type":"content_block_stop","index":0}""", events[^3].Data);
        var delta = events[^2].Json;
        Assert.Equal("""{"stop_reason":"max_tokens"}""", delta["delta"]!.ToJsonString());
        Assert.Equal(10, (int)delta["usage"]!["output_tokens"]!);
        Assert.Equal("""{"type":"message_stop"}""", events[^1].Data);
    }

    [Fact]
    public async Task ErrorsUseAnthropicsEnvelope()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        async Task Check(JsonObject? body, int status, string type, string message)
        {
            var (got, text, resp) = await server.SendAsync(HttpMethod.Post, "/v1/messages", body?.ToJsonString() ?? "");
            Assert.True(got == status, text);
            var error = (JsonObject)JsonNode.Parse(text)!;
            Assert.Equal(["type", "error", "request_id"], error.Select(kv => kv.Key));
            Assert.Equal("error", (string?)error["type"]);
            Assert.Equal(type, (string?)error["error"]!["type"]);
            Assert.Equal(message, (string?)error["error"]!["message"]);
            Assert.Matches("^req_[0-9a-f]{24}$", (string)error["request_id"]!);
        }
        await Check(null, 400, "invalid_request_error", "EOF");
        var noModel = Messages(false); noModel.Remove("model");
        await Check(noModel, 400, "invalid_request_error", "model is required");
        var noMax = Messages(false); noMax.Remove("max_tokens");
        await Check(noMax, 400, "invalid_request_error", "max_tokens is required and must be positive");
        var noMessages = Messages(false); noMessages["messages"] = new JsonArray();
        await Check(noMessages, 400, "invalid_request_error", "messages is required");
        var unknown = Messages(false); unknown["model"] = "claude-3-5-sonnet";
        await Check(unknown, 404, "not_found_error", "model 'claude-3-5-sonnet' not found");
        var url = Messages(false);
        url["messages"] = new JsonArray(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "image", ["source"] = new JsonObject { ["type"] = "url", ["url"] = "https://x/y.png" } }),
        });
        await Check(url, 400, "invalid_request_error", "invalid image source type: url. Only base64 images are supported.");
    }
}
