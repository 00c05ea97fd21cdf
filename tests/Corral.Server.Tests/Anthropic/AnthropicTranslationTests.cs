using System.Text;
using System.Text.Json;
using Corral.Server.Anthropic;
using Corral.Server.Api;
using Corral.Server.Generation;
using Corral.Server.Http;
using Corral.Server.Tests.OpenAI;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.Tests.Anthropic;

/// <summary>Anthropic request conversion and content-block streaming for thinking and tool use (api.md §6).</summary>
public class AnthropicTranslationTests
{
    private static MessagesRequest Parse(string json) => JsonSerializer.Deserialize<MessagesRequest>(json, ApiJson.Options)!;

    [Fact]
    public void ConvertsSystemBlocksToolTurnsAndOptions()
    {
        var r = AnthropicRequestMapping.ToChatRequest(Parse("""
            {"model":"m","max_tokens":50,"system":[{"type":"text","text":"You are "},{"type":"text","text":"helpful."}],
             "temperature":0.3,"top_k":5,"stop_sequences":["END"],
             "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},{"type":"web_search_20250305","name":"web_search"}],
             "messages":[
               {"role":"user","content":"Weather in Paris?"},
               {"role":"Assistant","content":[{"type":"thinking","thinking":"need tool"},{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
               {"role":"user","content":[{"type":"text","text":"thanks"},{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"18"},{"type":"text","text":"C"}]}]}]}
            """), modelCanThink: false);
        var m = r.Messages!;
        Assert.Equal(["system", "user", "assistant", "tool", "user"], m.Select(x => x.Role));
        Assert.Equal("You are helpful.", m[0].Content);
        Assert.Equal(("Checking.", "need tool"), (m[2].Content, m[2].Thinking));
        Assert.Equal("toolu_1", m[2].ToolCalls![0].Id);
        Assert.Equal("""{"city":"Paris"}""", m[2].ToolCalls![0].Function.Arguments.GetRawText());
        Assert.Equal(("18C", "toolu_1"), (m[3].Content, m[3].ToolCallId)); // tool results before the user's own text
        Assert.Equal("thanks", m[4].Content);
        Assert.Equal("""{"num_predict":50,"temperature":0.3,"top_k":5,"stop":["END"]}""", r.Options!.Value.GetRawText());
        Assert.Equal("""[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]""",
            r.Tools!.Value.GetRawText());
        Assert.Null(r.Think);
    }

    [Theory]
    [InlineData("""{"thinking":{"type":"enabled","budget_tokens":1024}}""", "true")]
    [InlineData("""{"thinking":{"type":"disabled"},"output_config":{"effort":"high"}}""", "false")]
    [InlineData("""{"thinking":{"type":"adaptive"},"output_config":{"effort":"xhigh"}}""", "\"high\"")]
    [InlineData("""{"output_config":{"effort":"low"}}""", "\"low\"")]
    [InlineData("""{}""", null)]
    public void ThinkingMapping(string extra, string? think)
    {
        var body = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(extra)!;
        body["model"] = "m";
        body["max_tokens"] = 5;
        body["messages"] = System.Text.Json.Nodes.JsonNode.Parse("""[{"role":"user","content":"hi"}]""");
        string json = body.ToJsonString();
        var r = AnthropicRequestMapping.ToChatRequest(Parse(json), modelCanThink: true);
        Assert.Equal(think, r.Think?.GetRawText());
        Assert.Null(AnthropicRequestMapping.ToChatRequest(Parse(json), modelCanThink: false).Think); // dropped silently
    }

    [Fact]
    public void ToolUseNeedsIdAndName()
    {
        var e = Assert.Throws<ApiException>(() => AnthropicRequestMapping.ToChatRequest(Parse(
            """{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","name":"f","input":{}}]}]}"""), false));
        Assert.Equal("tool_use block missing required 'id' field", e.Message);
        e = Assert.Throws<ApiException>(() => AnthropicRequestMapping.ToChatRequest(Parse(
            """{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t"}]}]}"""), false));
        Assert.Equal("tool_use block missing required 'name' field", e.Message);
    }

    private static ToolCall Call(string id, string name, string args) => new()
    {
        Id = id,
        Function = new ToolCallFunction { Name = name, Arguments = JsonDocument.Parse(args).RootElement.Clone() },
    };

    [Fact]
    public async Task StreamOpensAndClosesBlocksInOrder()
    {
        var ctx = new DefaultHttpContext();
        var body = new MemoryStream();
        ctx.Response.Body = body;
        var sink = new MessagesSink(ctx.Response, "m", stream: true, estimatedInputTokens: 7);
        await sink.ChunkAsync(new ResponseChunk { Thinking = "Hmm" }, default);
        await sink.ChunkAsync(new ResponseChunk { Thinking = ", ok", Content = "Hi" }, default);
        await sink.ChunkAsync(new ResponseChunk { Thinking = "late" }, default); // after the thinking block closed: dropped
        await sink.ChunkAsync(new ResponseChunk { ToolCalls = [Call("call_1", "f", """{"x":1}""")] }, default);
        await sink.ChunkAsync(new ResponseChunk { ToolCalls = [Call("call_1", "f", """{"x":1}""")] }, default); // duplicate id
        await sink.DoneAsync(new ResponseFinal { DoneReason = "stop", PromptEvalCount = 9, EvalCount = 4 }, default);
        Assert.Equal("text/event-stream", ctx.Response.ContentType);
        var events = Sse.Parse(Encoding.UTF8.GetString(body.ToArray()));
        string[] expected =
        [
            """{"type":"message_start","message":{"id":"ID","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":7,"output_tokens":0}}}""",
            """{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm"}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":", ok"}}""",
            """{"type":"content_block_stop","index":0}""",
            """{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}""",
            """{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hi"}}""",
            """{"type":"content_block_stop","index":1}""",
            """{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"call_1","name":"f","input":{}}}""",
            """{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"x\":1}"}}""",
            """{"type":"content_block_stop","index":2}""",
            """{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"input_tokens":9,"output_tokens":4}}""",
            """{"type":"message_stop"}""",
        ];
        string id = (string)events[0].Json["message"]!["id"]!;
        Assert.Equal(expected, events.Select(e => e.Data.Replace(id, "ID")));
    }

    [Fact]
    public async Task NonStreamedMessageOrdersThinkingTextToolUse()
    {
        var ctx = new DefaultHttpContext();
        var body = new MemoryStream();
        ctx.Response.Body = body;
        var sink = new MessagesSink(ctx.Response, "m", stream: false, estimatedInputTokens: 0);
        await sink.ChunkAsync(new ResponseChunk { ToolCalls = [Call("call_9", "f", "{}")] }, default);
        await sink.ChunkAsync(new ResponseChunk { Thinking = "a", Content = "b" }, default);
        await sink.DoneAsync(new ResponseFinal { DoneReason = "stop", PromptEvalCount = 1, EvalCount = 2 }, default);
        var json = JsonDocument.Parse(body.ToArray()).RootElement;
        Assert.Equal("""[{"type":"thinking","thinking":"a"},{"type":"text","text":"b"},{"type":"tool_use","id":"call_9","name":"f","input":{}}]""", json.GetProperty("content").GetRawText());
        Assert.Equal("tool_use", json.GetProperty("stop_reason").GetString());

        ctx = new DefaultHttpContext();
        body = new MemoryStream();
        ctx.Response.Body = body;
        sink = new MessagesSink(ctx.Response, "m", stream: false, estimatedInputTokens: 0);
        await sink.DoneAsync(new ResponseFinal { DoneReason = "", PromptEvalCount = 1 }, default);
        Assert.Equal("""{"id":"ID","type":"message","role":"assistant","model":"m","content":null,"usage":{"input_tokens":1,"output_tokens":0}}""",
            Encoding.UTF8.GetString(body.ToArray()).Trim().Replace(JsonDocument.Parse(body.ToArray()).RootElement.GetProperty("id").GetString()!, "ID"));
    }
}
