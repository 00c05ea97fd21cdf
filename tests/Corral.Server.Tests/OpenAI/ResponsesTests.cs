using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Server.Generation;
using Corral.Server.Http;
using Corral.Server.OpenAI;
using Corral.Server.Tests.Api;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.Tests.OpenAI;

/// <summary><c>POST /v1/responses</c> (api.md §5.6): input items, the response object and the event stream.</summary>
public class ResponsesTests
{
    private static ResponsesRequest Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return ResponsesMapping.Parse(doc.RootElement.Clone());
    }

    [Fact]
    public void InputItemsBecomeNativeMessages()
    {
        var r = Parse("""
            {"model":"m","instructions":"Be brief.","max_output_tokens":9,"top_p":0.5,
             "reasoning":{"effort":"minimal"},"text":{"format":{"type":"json_schema","name":"x","schema":{"type":"object"},"strict":true}},
             "tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}},
                      {"type":"namespace","name":"fs","tools":[{"type":"function","name":"read"}]},{"type":"web_search"}],
             "input":[
               {"role":"user","content":"Weather?"},
               {"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"thinking it over"},
               {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Let me check."}]},
               {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
               {"type":"function_call","call_id":"call_2","name":"fs.read","arguments":"{}"},
               {"type":"function_call_output","call_id":"call_1","output":"18C"},
               {"type":"web_search_call"},
               {"type":"message","role":"user","content":[{"type":"input_text","text":"and "},{"type":"input_text","text":"tomorrow?"}]}]}
            """);
        var m = r.Native.Messages!;
        Assert.Equal(["system", "user", "assistant", "tool", "user"], m.Select(x => x.Role));
        Assert.Equal("Be brief.", m[0].Content);
        Assert.Equal(("Let me check.", "thinking it over"), (m[2].Content, m[2].Thinking));
        Assert.Equal(["call_1", "call_2"], m[2].ToolCalls!.Select(c => c.Id!));
        Assert.Equal([0, 1], m[2].ToolCalls!.Select(c => c.Function.Index));
        Assert.Equal(("18C", "call_1"), (m[3].Content, m[3].ToolCallId));
        Assert.Equal("and tomorrow?", m[4].Content);
        Assert.Equal("""{"num_predict":9,"temperature":1,"top_p":0.5}""", r.Native.Options!.Value.GetRawText());
        Assert.Equal("\"low\"", r.Native.Think!.Value.GetRawText());
        Assert.Equal("""{"type":"object"}""", r.Native.Format!.Value.GetRawText());
        Assert.Equal(["get_weather", "fs.read"], JsonNode.Parse(r.Native.Tools!.Value.GetRawText())!.AsArray().Select(t => (string)t!["function"]!["name"]!));
        Assert.Equal("""{"effort":"minimal"}""", r.Reasoning!.ToJsonString());
        Assert.Equal(1.0, r.Temperature);
    }

    [Theory]
    [InlineData("""[{"content":"x"}]""", "input[0]: input item missing required 'type' field")]
    [InlineData("""[{"type":"audio"}]""", "input[0]: unknown input item type: \"audio\"")]
    [InlineData("""[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]""", "file inputs are not currently supported")]
    [InlineData("""[{"role":"user","content":[{"type":"video"}]}]""", "input[0]: unknown content type: video")]
    public void BadItemsAreRefused(string input, string message)
    {
        var e = Assert.Throws<ApiException>(() => Parse($$"""{"model":"m","input":{{input}}}"""));
        Assert.Equal(400, e.Status);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public async Task ResponseObjectAndStreamAgreeWithTheNativeChat()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        string expected = (string)(await server.PostOkAsync("/api/chat", new JsonObject
        {
            ["model"] = "stories", ["stream"] = false,
            ["options"] = new JsonObject { ["temperature"] = 0, ["num_predict"] = 10 },
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Once upon a time" }),
        }))!["message"]!["content"]!;
        var request = new JsonObject { ["model"] = "stories", ["input"] = "Once upon a time", ["temperature"] = 0, ["max_output_tokens"] = 10 };

        var body = await server.PostOkAsync("/v1/responses", request);
        Assert.Matches("^resp_\\d+$", (string)body!["id"]!);
        Assert.Equal(["id", "object", "created_at", "completed_at", "status", "incomplete_details", "model", "previous_response_id", "instructions", "output", "error",
            "tools", "tool_choice", "truncation", "parallel_tool_calls", "text", "top_p", "presence_penalty", "frequency_penalty", "top_logprobs", "temperature",
            "reasoning", "usage", "max_output_tokens", "max_tool_calls", "store", "background", "service_tier", "metadata", "safety_identifier", "prompt_cache_key"],
            body.Select(kv => kv.Key));
        Assert.Equal("completed", (string?)body["status"]);
        var output = Assert.Single(body["output"]!.AsArray())!;
        Assert.Equal("message", (string?)output["type"]);
        Assert.Equal(expected, (string?)output["content"]![0]!["text"]);
        Assert.Equal(10, (int)body["usage"]!["output_tokens"]!);
        Assert.Equal(10, (int)body["max_output_tokens"]!);
        Assert.Equal(0.0, (double)body["temperature"]!);

        request["stream"] = true;
        var (status, contentType, resp, events, _) = await Sse.PostAsync(server, "/v1/responses", request);
        Assert.Equal(200, status);
        Assert.Equal("text/event-stream", contentType);
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => (int)e.Json["sequence_number"]!));
        Assert.All(events, e => Assert.Equal(e.Name, (string?)e.Json["type"]));
        var names = events.Select(e => e.Name!).ToList();
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"], names.Take(4));
        Assert.Equal(["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"], names.TakeLast(4));
        Assert.Equal(expected, string.Concat(events.Where(e => e.Name == "response.output_text.delta").Select(e => (string)e.Json["delta"]!)));
        Assert.Equal("in_progress", (string?)events[0].Json["response"]!["status"]);
        var completed = events[^1].Json["response"]!;
        Assert.Equal("completed", (string?)completed["status"]);
        Assert.Equal(expected, (string?)completed["output"]![0]!["content"]![0]!["text"]);
    }

    [Fact]
    public async Task StreamedReasoningAndFunctionCallItems()
    {
        var ctx = new DefaultHttpContext();
        var body = new MemoryStream();
        ctx.Response.Body = body;
        var request = Parse("""{"model":"m","input":"x","stream":true,"reasoning":{"effort":"high"}}""");
        var sink = new ResponsesSink(ctx.Response, request);
        await sink.ChunkAsync(new ResponseChunk { Thinking = "hm" }, default);
        await sink.ChunkAsync(new ResponseChunk
        {
            ToolCalls = [new Corral.Server.Api.ToolCall { Id = "call_1", Function = new() { Name = "f", Arguments = JsonDocument.Parse("""{"a":1}""").RootElement.Clone() } }],
        }, default);
        await sink.ChunkAsync(new ResponseChunk { Content = "dropped after tool calls" }, default);
        await sink.DoneAsync(new ResponseFinal { DoneReason = "stop", PromptEvalCount = 3, EvalCount = 5 }, default);
        var events = Sse.Parse(Encoding.UTF8.GetString(body.ToArray()));
        Assert.Equal([
            "response.created", "response.in_progress",
            "response.output_item.added", "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done", "response.output_item.done",
            "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.done", "response.output_item.done",
            "response.completed"], events.Select(e => e.Name!));
        Assert.Equal("""{"effort":"high","summary":null}""", events[0].Json["response"]!["reasoning"]!.ToJsonString());
        Assert.Equal("{\"a\":1}", (string?)events[7].Json["delta"]);
        var output = events[^1].Json["response"]!["output"]!.AsArray();
        Assert.Equal(["reasoning", "function_call"], output.Select(o => (string)o!["type"]!));
        Assert.Equal("hm", (string?)output[0]!["encrypted_content"]);
        Assert.Equal(("call_1", "completed"), ((string)output[1]!["call_id"]!, (string)output[1]!["status"]!));
    }
}
