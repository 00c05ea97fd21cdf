using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Corral.Server.Tests.Api;
using Corral.Server.Tests.Infrastructure;

namespace Corral.Server.Tests.OpenAI;

/// <summary>The OpenAI-compatible routes on the wire (api.md §5), against the native routes' output for the same request.</summary>
public class OpenAIRoutesTests
{
    private static JsonObject Chat(bool stream, int maxTokens = 16, JsonObject? more = null)
    {
        var o = new JsonObject
        {
            ["model"] = "stories",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Once upon a time" }),
            ["max_tokens"] = maxTokens,
            ["temperature"] = 0,
            ["stream"] = stream,
        };
        if (more != null) foreach (var (k, v) in more) o[k] = v?.DeepClone();
        return o;
    }

    private static async Task<JsonObject> NativeChatAsync(TestServer server, int numPredict) => (await server.PostOkAsync("/api/chat", new JsonObject
    {
        ["model"] = "stories",
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Once upon a time" }),
        ["stream"] = false,
        ["options"] = new JsonObject { ["temperature"] = 0, ["top_p"] = 1.0, ["num_predict"] = numPredict },
    }))!;

    [Fact]
    public async Task ChatCompletionMatchesTheNativeChat()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var native = await NativeChatAsync(server, 16);
        var (status, text, resp) = await server.SendAsync(HttpMethod.Post, "/v1/chat/completions", Chat(false).ToJsonString(),
            r => r.Headers.Authorization = new("Bearer", "anything"));
        Assert.Equal(200, status);
        Assert.Equal("application/json", ApiTestKit.ContentType(resp));
        Assert.EndsWith("}\n", text);
        var body = (JsonObject)JsonNode.Parse(text)!;
        Assert.Equal(["id", "object", "created", "model", "system_fingerprint", "choices", "usage"], body.Select(kv => kv.Key));
        Assert.Matches(@"^chatcmpl-\d{1,3}$", (string)body["id"]!);
        Assert.Equal("chat.completion", (string?)body["object"]);
        Assert.InRange((long)body["created"]!, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.Equal("stories", (string?)body["model"]);
        Assert.Equal("fp_ollama", (string?)body["system_fingerprint"]);
        var choice = body["choices"]![0]!;
        Assert.Equal("""{"role":"assistant","content":""}""".Replace("\"\"", System.Text.Json.JsonSerializer.Serialize((string)native["message"]!["content"]!)),
            choice["message"]!.ToJsonString());
        Assert.Equal(0, (int)choice["index"]!);
        Assert.Equal("length", (string?)choice["finish_reason"]);
        Assert.Equal((int)native["prompt_eval_count"]!, (int)body["usage"]!["prompt_tokens"]!);
        Assert.Equal(16, (int)body["usage"]!["completion_tokens"]!);
        Assert.Equal((int)native["prompt_eval_count"]! + 16, (int)body["usage"]!["total_tokens"]!);
    }

    [Fact]
    public async Task ChatCompletionStreamsRoleFirstThenFinishThenUsageThenDone()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var native = await NativeChatAsync(server, 12);
        var (status, contentType, _, events, _) = await Sse.PostAsync(server, "/v1/chat/completions",
            Chat(true, 12, new JsonObject { ["stream_options"] = new JsonObject { ["include_usage"] = true } }));
        Assert.Equal(200, status);
        Assert.Equal("text/event-stream", contentType);
        Assert.All(events, e => Assert.Null(e.Name));
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events.SkipLast(1).Select(e => e.Json).ToList();
        string id = (string)chunks[0]["id"]!;
        long created = (long)chunks[0]["created"]!;
        Assert.All(chunks, c =>
        {
            Assert.Equal(id, (string?)c["id"]);
            Assert.Equal(created, (long)c["created"]!);
            Assert.Equal("chat.completion.chunk", (string?)c["object"]);
            Assert.Equal("fp_ollama", (string?)c["system_fingerprint"]);
        });
        var content = chunks.SkipLast(2).ToList();
        Assert.Equal(["id", "object", "created", "model", "system_fingerprint", "choices"], content[0].Select(kv => kv.Key));
        Assert.Equal("assistant", (string?)content[0]["choices"]![0]!["delta"]!["role"]);
        Assert.All(content.Skip(1), c => Assert.Null(c["choices"]![0]!["delta"]!["role"]));
        Assert.All(content, c => Assert.Null((string?)c["choices"]![0]!["finish_reason"]));
        Assert.Equal((string)native["message"]!["content"]!, string.Concat(content.Select(c => (string)c["choices"]![0]!["delta"]!["content"]!)));

        var finish = chunks[^2]["choices"]![0]!;
        Assert.Equal("{}", finish["delta"]!.ToJsonString());
        Assert.Equal("length", (string?)finish["finish_reason"]);
        var usage = chunks[^1];
        Assert.Equal("[]", usage["choices"]!.ToJsonString());
        Assert.Equal(12, (int)usage["usage"]!["completion_tokens"]!);
        Assert.Equal((int)native["prompt_eval_count"]!, (int)usage["usage"]!["prompt_tokens"]!);

        // Without include_usage the finish chunk is last before [DONE].
        (_, _, _, events, _) = await Sse.PostAsync(server, "/v1/chat/completions", Chat(true, 4));
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.Equal("length", (string?)events[^2].Json["choices"]![0]!["finish_reason"]);
        Assert.Null(events[^2].Json["usage"]);
    }

    [Fact]
    public async Task CompletionsMatchTheNativeGenerate()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var native = await server.PostOkAsync("/api/generate", new JsonObject
        {
            ["model"] = "stories", ["prompt"] = "Lily and Tom", ["stream"] = false,
            ["options"] = new JsonObject { ["temperature"] = 0, ["top_p"] = 1.0, ["num_predict"] = 10 },
        });
        var request = new JsonObject { ["model"] = "stories", ["prompt"] = "Lily and Tom", ["max_tokens"] = 10, ["temperature"] = 0 };
        var (status, text, resp) = await server.SendAsync(HttpMethod.Post, "/v1/completions", request.ToJsonString());
        Assert.Equal(200, status);
        var body = (JsonObject)JsonNode.Parse(text)!;
        Assert.Matches(@"^cmpl-\d{1,3}$", (string)body["id"]!);
        Assert.Equal("text_completion", (string?)body["object"]);
        Assert.Equal($$"""[{"text":{{System.Text.Json.JsonSerializer.Serialize((string)native!["response"]!)}},"index":0,"finish_reason":"length"}]""", body["choices"]!.ToJsonString());
        Assert.Equal((int)native["prompt_eval_count"]!, (int)body["usage"]!["prompt_tokens"]!);

        request["stream"] = true;
        request["stream_options"] = new JsonObject { ["include_usage"] = true };
        var (_, contentType, _, events, _) = await Sse.PostAsync(server, "/v1/completions", request);
        Assert.Equal("text/event-stream", contentType);
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events.SkipLast(1).Select(e => e.Json).ToList();
        Assert.Equal(["id", "object", "created", "choices", "model", "system_fingerprint", "usage"], chunks[0].Select(kv => kv.Key));
        Assert.All(chunks.SkipLast(1), c => Assert.Equal("""{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}""", c["usage"]!.ToJsonString()));
        Assert.Equal((string)native["response"]!, string.Concat(chunks.SkipLast(1).Select(c => (string)c["choices"]![0]!["text"]!)));
        Assert.Equal("length", (string?)chunks[^2]["choices"]![0]!["finish_reason"]);
        Assert.Equal("[]", chunks[^1]["choices"]!.ToJsonString());
        Assert.Equal(10, (int)chunks[^1]["usage"]!["completion_tokens"]!);

        var load = await server.PostOkAsync("/v1/completions", new JsonObject { ["model"] = "stories", ["prompt"] = "" });
        Assert.Equal("load", (string?)load!["choices"]![0]!["finish_reason"]);
    }

    [Fact]
    public async Task ModelsListAndRetrieve()
    {
        await using var server = await TestServer.StartAsync();
        var (status, text, resp) = await server.SendAsync(HttpMethod.Get, "/v1/models");
        Assert.Equal(200, status);
        Assert.Equal("application/json", ApiTestKit.ContentType(resp));
        Assert.Equal("{\"object\":\"list\",\"data\":null}\n", text);

        await server.CreateModelAsync("stories", ApiTestKit.Stories);
        await server.SendAsync(HttpMethod.Post, "/api/copy", """{"source":"stories","destination":"alice/tales:v1"}""");
        var tags = await server.GetJsonAsync("/api/tags");
        var list = await server.GetJsonAsync("/v1/models");
        var data = list["data"]!.AsArray();
        Assert.Equal(tags["models"]!.AsArray().Select(m => (string)m!["name"]!), data.Select(m => (string)m!["id"]!));
        foreach (var m in data)
        {
            var tag = tags["models"]!.AsArray().First(t => (string)t!["name"]! == (string)m!["id"]!)!;
            Assert.Equal(ApiTestKit.Time(tag["modified_at"]).ToUnixTimeSeconds(), (long)m!["created"]!);
            Assert.Equal("model", (string?)m["object"]);
            Assert.Equal(((string)m["id"]!).StartsWith("alice/") ? "alice" : "library", (string?)m["owned_by"]);
        }

        var one = await server.GetJsonAsync("/v1/models/stories");
        Assert.Equal(["id", "object", "created", "owned_by"], one.Select(kv => kv.Key));
        Assert.Equal("stories", (string?)one["id"]);
        Assert.Equal("library", (string?)one["owned_by"]);
        (status, text, _) = await server.SendAsync(HttpMethod.Get, "/v1/models/nope");
        Assert.Equal(404, status);
        Assert.Equal("{\"error\":{\"message\":\"model 'nope:latest' not found\",\"type\":\"not_found_error\",\"param\":null,\"code\":null}}\n", text);
        (status, text, _) = await server.SendAsync(HttpMethod.Get, "/v1/models/alice/tales:v1");
        Assert.Equal(404, status);
        Assert.Equal("404 page not found", text);
    }

    [Fact]
    public async Task EmbeddingsWrapTheNativeVectors()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var native = await server.PostOkAsync("/api/embed", new JsonObject { ["model"] = "stories", ["input"] = new JsonArray("red", "blue") });
        var body = await server.PostOkAsync("/v1/embeddings", new JsonObject { ["model"] = "stories", ["input"] = new JsonArray("red", "blue") });
        Assert.Equal(["object", "data", "model", "usage"], body!.Select(kv => kv.Key));
        Assert.Equal("list", (string?)body!["object"]);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal("embedding", (string?)body["data"]![i]!["object"]);
            Assert.Equal(i, (int)body["data"]![i]!["index"]!);
            Assert.Equal(native!["embeddings"]![i]!.ToJsonString(), body["data"]![i]!["embedding"]!.ToJsonString());
        }
        Assert.Equal($$"""{"prompt_tokens":{{(int)native!["prompt_eval_count"]!}},"total_tokens":{{(int)native["prompt_eval_count"]!}}}""", body["usage"]!.ToJsonString());

        var b64 = await server.PostOkAsync("/v1/embeddings", new JsonObject { ["model"] = "stories", ["input"] = "red", ["encoding_format"] = "BASE64" });
        var bytes = Convert.FromBase64String((string)b64!["data"]![0]!["embedding"]!);
        var floats = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
        Assert.Equal(native["embeddings"]![0]!.AsArray().Select(n => (float)n!), floats);

        var cut = await server.PostOkAsync("/v1/embeddings", new JsonObject { ["model"] = "stories", ["input"] = "red", ["dimensions"] = 4 });
        Assert.Equal(4, cut!["data"]![0]!["embedding"]!.AsArray().Count);
        var empty = await server.PostOkAsync("/v1/embeddings", new JsonObject { ["model"] = "stories", ["input"] = "" });
        Assert.Single(empty!["data"]!.AsArray());

        await AssertOpenAIErrorAsync(server, "/v1/embeddings", new JsonObject { ["model"] = "stories" }, 400, "invalid_request_error", "invalid input");
        await AssertOpenAIErrorAsync(server, "/v1/embeddings", new JsonObject { ["model"] = "stories", ["input"] = new JsonArray() }, 400, "invalid_request_error", "invalid input");
        await AssertOpenAIErrorAsync(server, "/v1/embeddings", new JsonObject { ["model"] = "stories", ["input"] = new JsonArray(1, 2) }, 400, "invalid_request_error", "invalid input type");
        await AssertOpenAIErrorAsync(server, "/v1/embeddings", new JsonObject { ["model"] = "stories", ["input"] = "x", ["encoding_format"] = "int8" }, 400, "invalid_request_error",
            "Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].");
        await AssertOpenAIErrorAsync(server, "/v1/embeddings", new JsonObject { ["model"] = "nope", ["input"] = "x" }, 404, "not_found_error", "model \"nope\" not found, try pulling it first");
    }

    [Fact]
    public async Task ErrorsUseOpenAIsEnvelope()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var (status, text, resp) = await server.SendAsync(HttpMethod.Post, "/v1/chat/completions", "");
        Assert.Equal(400, status);
        Assert.Equal("application/json", ApiTestKit.ContentType(resp));
        Assert.Equal("{\"error\":{\"message\":\"EOF\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}\n", text);
        (status, text, _) = await server.SendAsync(HttpMethod.Post, "/v1/chat/completions", "{nope");
        Assert.Equal(400, status);
        Assert.Equal("invalid_request_error", (string?)JsonNode.Parse(text)!["error"]!["type"]);

        await AssertOpenAIErrorAsync(server, "/v1/chat/completions", new JsonObject { ["model"] = "stories", ["messages"] = new JsonArray() }, 400, "invalid_request_error", "[] is too short - 'messages'");
        await AssertOpenAIErrorAsync(server, "/v1/chat/completions", Chat(false, more: new JsonObject { ["model"] = "gpt-4o" }), 404, "not_found_error", "model 'gpt-4o' not found");
        await AssertOpenAIErrorAsync(server, "/v1/chat/completions", Chat(false, more: new JsonObject { ["reasoning_effort"] = "huge" }), 400, "invalid_request_error",
            "invalid reasoning value: \"huge\" (must be \"minimal\", \"low\", \"medium\", \"high\", \"xhigh\", \"ultra\", \"max\", or \"none\")");
        await AssertOpenAIErrorAsync(server, "/v1/chat/completions", new JsonObject
        {
            ["model"] = "stories",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = "https://x/y.png" } }) }),
        }, 400, "invalid_request_error", "image URLs are not currently supported, please use base64 encoded data instead");
        await AssertOpenAIErrorAsync(server, "/v1/chat/completions", new JsonObject
        {
            ["model"] = "stories",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = null }),
        }, 400, "invalid_request_error", "invalid message content type: <nil>");
        await AssertOpenAIErrorAsync(server, "/v1/completions", new JsonObject { ["model"] = "stories", ["prompt"] = "x", ["stop"] = new JsonArray("a", 1.5) }, 400, "invalid_request_error",
            "invalid type for 'stop' field: float64");
        await AssertOpenAIErrorAsync(server, "/v1/completions", new JsonObject { ["model"] = "stories", ["prompt"] = new JsonArray("a") }, 400, "invalid_request_error", null);
    }

    internal static async Task AssertOpenAIErrorAsync(TestServer server, string path, JsonNode body, int status, string type, string? message)
    {
        var (got, node, text) = await server.PostJsonAsync(path, body);
        Assert.True(got == status, $"{path}: expected {status}, got {got}: {text}");
        Assert.EndsWith("\n", text);
        var error = node!["error"]!.AsObject();
        Assert.Equal(["message", "type", "param", "code"], error.Select(kv => kv.Key));
        Assert.Equal(type, (string?)error["type"]);
        if (message != null) Assert.Equal(message, (string?)error["message"]);
        Assert.Null(error["param"]);
        Assert.Null(error["code"]);
    }

    [Fact]
    public void IdsAreUpstreamShaped() => Assert.Matches(new Regex("^call_[a-z0-9]{8}$"), Corral.Server.OpenAI.OpenAIRoutes.NewToolCallId());
}
