using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Server.Api;
using Corral.Server.Generation;
using Corral.Server.Http;
using Corral.Server.OpenAI;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.Tests.OpenAI;

/// <summary>
/// Request mapping and sink output for what stories260K cannot produce (tool calls, thinking): the
/// translators are fed native chunks directly and their bytes compared with upstream's shapes (api.md §5.1).
/// </summary>
public class OpenAITranslationTests
{
    private static ChatCompletionRequest Parse(string json) => JsonSerializer.Deserialize<ChatCompletionRequest>(json, ApiJson.Options)!;

    private static readonly JsonSerializerOptions s_relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Compact JSON with only the escapes JSON requires (as the server writes it).</summary>
    private static string Json(JsonNode? n) => n!.ToJsonString(s_relaxed);

    private static JsonObject Options(ChatRequest r) => (JsonObject)JsonNode.Parse(r.Options!.Value.GetRawText())!;

    [Fact]
    public void ChatDefaultsAndFieldMapping()
    {
        var r = OpenAIRequestMapping.ToChatRequest(Parse("""{"model":"m","messages":[{"role":"developer","content":"be nice"}]}"""));
        Assert.Equal("""{"temperature":1,"top_p":1}""", Options(r).ToJsonString());
        Assert.False(r.Stream);
        Assert.Null(r.Format);
        Assert.Null(r.Think);
        Assert.Equal("developer", r.Messages![0].Role); // not mapped to system

        r = OpenAIRequestMapping.ToChatRequest(Parse("""
            {"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":7,"max_completion_tokens":99,"temperature":0.2,"top_p":0.5,
             "seed":42,"frequency_penalty":0.1,"presence_penalty":0.3,"stop":["a",3,"b"],"stream":true,
             "response_format":{"type":" JSON_Object "},"reasoning_effort":"minimal","logprobs":true,"top_logprobs":3}
            """));
        Assert.Equal("""{"num_predict":7,"temperature":0.2,"top_p":0.5,"seed":42,"frequency_penalty":0.1,"presence_penalty":0.3,"stop":["a","b"]}""", Options(r).ToJsonString());
        Assert.True(r.Stream);
        Assert.Equal("\"json\"", r.Format!.Value.GetRawText());
        Assert.Equal("\"low\"", r.Think!.Value.GetRawText());
        Assert.True(r.Logprobs);
        Assert.Equal(3, r.TopLogprobs);

        r = OpenAIRequestMapping.ToChatRequest(Parse("""
            {"model":"m","messages":[{"role":"user","content":"hi"}],"stop":"x","reasoning":{"effort":"xhigh"},"reasoning_effort":"none",
             "response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"type":"object","properties":{"a":{"type":"string"}}}}}}
            """));
        Assert.Equal("""["x"]""", Options(r)["stop"]!.ToJsonString());
        Assert.Equal("\"max\"", r.Think!.Value.GetRawText()); // the reasoning object wins
        Assert.Equal("""{"type":"object","properties":{"a":{"type":"string"}}}""", r.Format!.Value.GetRawText());
        Assert.Equal("false", OpenAIRequestMapping.Think("none")!.Value.GetRawText());

        // max_completion_tokens counts only when max_tokens is absent (a deliberate difference: upstream ignores it).
        r = OpenAIRequestMapping.ToChatRequest(Parse("""{"model":"m","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":5}"""));
        Assert.Equal(5, (int)Options(r)["num_predict"]!);
    }

    [Fact]
    public void MessagesSplitPerPartAndToolHistoryIsRebuilt()
    {
        string png = Convert.ToBase64String([137, 80, 78, 71]);
        var r = OpenAIRequestMapping.ToChatRequest(Parse($$$"""
            {"model":"m","messages":[
              {"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"data:image/png;base64,{{{png}}}"}},{"type":"image_url","image_url":"data:;base64,{{{png}}}"}]},
              {"role":"assistant","content":null,"reasoning":"hmm","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"unit\":\"c\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"18C"},
              {"role":"tool","tool_call_id":"call_2","name":"other","content":"x"}]}
            """));
        var m = r.Messages!;
        Assert.Equal(6, m.Count);
        Assert.Equal(("user", "look"), (m[0].Role, m[0].Content));
        Assert.Equal([png], m[1].Images!);
        Assert.Equal([png], m[2].Images!);
        Assert.Equal("", m[1].Content);
        Assert.Equal("hmm", m[3].Thinking);
        Assert.Equal("""{"city":"Paris","unit":"c"}""", m[3].ToolCalls![0].Function.Arguments.GetRawText()); // key order kept
        Assert.Equal(("get_weather", "call_1"), (m[4].ToolName, m[4].ToolCallId));
        Assert.Equal("other", m[5].ToolName);

        var bad = Assert.Throws<ApiException>(() => OpenAIRequestMapping.ToChatRequest(Parse(
            """{"model":"m","messages":[{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":"{oops"}}]}]}""")));
        Assert.Equal("invalid tool call arguments", bad.Message);
        bad = Assert.Throws<ApiException>(() => OpenAIRequestMapping.ToChatRequest(Parse("""{"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{}}]}]}""")));
        Assert.Equal("invalid message format", bad.Message);
        bad = Assert.Throws<ApiException>(() => OpenAIRequestMapping.ImageData("ftp://x"));
        Assert.Equal("invalid image input", bad.Message);
    }

    [Fact]
    public void CompletionDefaults()
    {
        var r = OpenAIRequestMapping.ToGenerateRequest(JsonSerializer.Deserialize<CompletionRequest>("""{"model":"m","prompt":"p","top_p":0,"logprobs":2,"stop":"s"}""", ApiJson.Options)!);
        Assert.Equal("""{"temperature":1,"top_p":1,"frequency_penalty":0,"presence_penalty":0,"stop":["s"]}""", ((JsonObject)JsonNode.Parse(r.Options!.Value.GetRawText())!).ToJsonString());
        Assert.True(r.Logprobs);
        Assert.Equal(2, r.TopLogprobs);
        Assert.Null(r.Raw); // templated, not raw
    }

    private static (DefaultHttpContext Context, MemoryStream Body) NewContext()
    {
        var ctx = new DefaultHttpContext();
        var body = new MemoryStream();
        ctx.Response.Body = body;
        return (ctx, body);
    }

    private static ToolCall Call(string id, int index, string name, string args) => new()
    {
        Id = id,
        Function = new ToolCallFunction { Index = index, Name = name, Arguments = JsonDocument.Parse(args).RootElement.Clone() },
    };

    [Fact]
    public async Task StreamedChunksSplitReasoningAndCarryWholeToolCalls()
    {
        var (ctx, body) = NewContext();
        var sink = new ChatCompletionSink(ctx.Response, "m", stream: true, includeUsage: false);
        await sink.ChunkAsync(new ResponseChunk { Thinking = "Let me", Content = "" }, default);
        await sink.ChunkAsync(new ResponseChunk { Thinking = " check.", Content = "Sure", Logprobs = [new Logprob { Token = "x", Value = -0.5 }] }, default);
        await sink.ChunkAsync(new ResponseChunk { ToolCalls = [Call("call_abc", 0, "get_weather", """{"city":"Paris"}""")] }, default);
        await sink.DoneAsync(new ResponseFinal { DoneReason = "stop", PromptEvalCount = 5, EvalCount = 9 }, default);
        var events = Sse.Parse(Encoding.UTF8.GetString(body.ToArray()));
        var deltas = events.SkipLast(1).Select(e => e.Json["choices"]![0]!).ToList();
        Assert.Equal("""{"role":"assistant","content":"","reasoning":"Let me"}""", deltas[0]["delta"]!.ToJsonString());
        Assert.Equal("""{"content":"","reasoning":" check."}""", deltas[1]["delta"]!.ToJsonString());
        Assert.Equal("""{"content":[{"token":"x","logprob":-0.5}]}""", deltas[1]["logprobs"]!.ToJsonString());
        Assert.Equal("""{"content":"Sure"}""", deltas[2]["delta"]!.ToJsonString());
        Assert.Null(deltas[2]["logprobs"]); // logprobs only on the first half of a split
        Assert.Equal("""{"content":"","tool_calls":[{"id":"call_abc","index":0,"type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}""",
            Json(deltas[3]["delta"]));
        Assert.Equal("{}", deltas[4]["delta"]!.ToJsonString());
        Assert.Equal("tool_calls", (string?)deltas[4]["finish_reason"]);
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.Equal(5, events.Count - 1);
    }

    [Fact]
    public async Task NonStreamedCompletionCollectsReasoningAndToolCalls()
    {
        var (ctx, body) = NewContext();
        var sink = new ChatCompletionSink(ctx.Response, "m", stream: false, includeUsage: false);
        await sink.ChunkAsync(new ResponseChunk { Thinking = "think" }, default);
        await sink.ChunkAsync(new ResponseChunk { ToolCalls = [Call("", 0, "f", "{}"), Call("call_2", 1, "g", """{"b":1,"a":2}""")] }, default);
        await sink.DoneAsync(new ResponseFinal { DoneReason = "stop", PromptEvalCount = 3, EvalCount = 4 }, default);
        Assert.Equal("application/json", ctx.Response.ContentType);
        var json = JsonNode.Parse(Encoding.UTF8.GetString(body.ToArray()))!;
        var message = json["choices"]![0]!["message"]!;
        Assert.Equal(["role", "content", "reasoning", "tool_calls"], message.AsObject().Select(kv => kv.Key));
        Assert.Equal("think", (string?)message["reasoning"]);
        Assert.Matches("^call_[a-z0-9]{8}$", (string)message["tool_calls"]![0]!["id"]!); // generated when missing
        Assert.Equal("""{"name":"g","arguments":"{\"b\":1,\"a\":2}"}""", Json(message["tool_calls"]![1]!["function"]));
        Assert.Equal(1, (int)message["tool_calls"]![1]!["index"]!);
        Assert.Equal("tool_calls", (string?)json["choices"]![0]!["finish_reason"]);
        Assert.Equal("""{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}""", json["usage"]!.ToJsonString());
    }

    [Fact]
    public async Task AnEmptyStreamStillSendsTheRoleChunk()
    {
        var (ctx, body) = NewContext();
        var sink = new ChatCompletionSink(ctx.Response, "m", stream: true, includeUsage: true);
        await sink.DoneAsync(new ResponseFinal { DoneReason = "stop", PromptEvalCount = 2, EvalCount = 0 }, default);
        var events = Sse.Parse(Encoding.UTF8.GetString(body.ToArray()));
        Assert.Equal(4, events.Count);
        Assert.Equal("""{"role":"assistant","content":""}""", events[0].Json["choices"]![0]!["delta"]!.ToJsonString());
        Assert.Equal("stop", (string?)events[1].Json["choices"]![0]!["finish_reason"]);
        Assert.Equal("""{"prompt_tokens":2,"completion_tokens":0,"total_tokens":2}""", events[2].Json["usage"]!.ToJsonString());
    }

    [Fact]
    public async Task AFailureMidStreamIsAnErrorEventWithoutDone()
    {
        var (ctx, body) = NewContext();
        var sink = new ChatCompletionSink(ctx.Response, "m", stream: true, includeUsage: false);
        await sink.ChunkAsync(new ResponseChunk { Content = "a" }, default);
        await sink.FailAsync(500, "runner crashed");
        var events = Sse.Parse(Encoding.UTF8.GetString(body.ToArray()));
        Assert.Equal("""{"error":{"message":"runner crashed","type":"api_error","param":null,"code":null}}""", events[^1].Data);
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
    }
}
