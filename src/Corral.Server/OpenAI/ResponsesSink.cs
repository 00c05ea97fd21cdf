using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Server.Api;
using Corral.Server.Generation;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.OpenAI;

/// <summary>
/// <c>/v1/responses</c> output (api.md §5.6): one <c>response</c> object, or the event stream
/// <c>response.created</c> → <c>response.in_progress</c> → reasoning / message / function-call items →
/// <c>response.completed</c>, every event numbered by <c>sequence_number</c>.
/// </summary>
public sealed class ResponsesSink(HttpResponse response, ResponsesRequest request) : IResponseSink
{
    private readonly SseStream _sse = new(response, noCacheHeaders: true);
    private readonly string _id = "resp_" + Random.Shared.Next(999999);
    private readonly string _messageId = "msg_" + Random.Shared.Next(999999);
    private readonly long _createdAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly StringBuilder _reasoning = new(), _text = new();
    private readonly List<ToolCall> _calls = [];
    private readonly JsonArray _output = [];
    private int _sequence;
    private int _nextOutputIndex;
    private int _reasoningIndex = -1, _messageIndex = -1;
    private bool _reasoningClosed, _started;

    public bool Started => _sse.Started;

    private string ReasoningId => "rs_" + _id;

    private string CallItemId(int i) => $"fc_{_id}_{i}";

    public async Task ChunkAsync(ResponseChunk chunk, CancellationToken cancellation)
    {
        if (!request.Stream)
        {
            _reasoning.Append(chunk.Thinking);
            if (_calls.Count == 0) _text.Append(chunk.Content);
            if (chunk.ToolCalls != null) _calls.AddRange(chunk.ToolCalls);
            return;
        }
        await StartAsync(cancellation);
        if (chunk.Thinking.Length > 0 && !_reasoningClosed)
        {
            if (_reasoningIndex < 0)
            {
                _reasoningIndex = _nextOutputIndex++;
                await EventAsync("response.output_item.added", new JsonObject
                {
                    ["output_index"] = _reasoningIndex,
                    ["item"] = new JsonObject { ["id"] = ReasoningId, ["type"] = "reasoning", ["summary"] = new JsonArray() },
                }, cancellation);
            }
            _reasoning.Append(chunk.Thinking);
            await EventAsync("response.reasoning_summary_text.delta", new JsonObject
            {
                ["item_id"] = ReasoningId, ["output_index"] = _reasoningIndex, ["summary_index"] = 0, ["delta"] = chunk.Thinking,
            }, cancellation);
        }
        if (chunk.Content.Length > 0 && _calls.Count == 0)
        {
            await CloseReasoningAsync(cancellation);
            if (_messageIndex < 0)
            {
                _messageIndex = _nextOutputIndex++;
                await EventAsync("response.output_item.added", new JsonObject
                {
                    ["output_index"] = _messageIndex,
                    ["item"] = new JsonObject { ["id"] = _messageId, ["type"] = "message", ["status"] = "in_progress", ["role"] = "assistant", ["content"] = new JsonArray() },
                }, cancellation);
                await EventAsync("response.content_part.added", new JsonObject
                {
                    ["item_id"] = _messageId, ["output_index"] = _messageIndex, ["content_index"] = 0, ["part"] = OutputText(""),
                }, cancellation);
            }
            _text.Append(chunk.Content);
            await EventAsync("response.output_text.delta", new JsonObject
            {
                ["item_id"] = _messageId, ["output_index"] = _messageIndex, ["content_index"] = 0, ["delta"] = chunk.Content, ["logprobs"] = new JsonArray(),
            }, cancellation);
        }
        foreach (var call in chunk.ToolCalls ?? [])
        {
            await CloseReasoningAsync(cancellation);
            int i = _calls.Count;
            _calls.Add(call);
            int index = _nextOutputIndex++;
            string args = call.Function.Arguments.CompactJson();
            var item = FunctionCallItem(call, i, "in_progress", "");
            await EventAsync("response.output_item.added", new JsonObject { ["output_index"] = index, ["item"] = item }, cancellation);
            await EventAsync("response.function_call_arguments.delta", new JsonObject
            {
                ["item_id"] = CallItemId(i), ["output_index"] = index, ["delta"] = args,
            }, cancellation);
            await EventAsync("response.function_call_arguments.done", new JsonObject
            {
                ["item_id"] = CallItemId(i), ["output_index"] = index, ["arguments"] = args,
            }, cancellation);
            var done = FunctionCallItem(call, i, "completed", args);
            await EventAsync("response.output_item.done", new JsonObject { ["output_index"] = index, ["item"] = done }, cancellation);
            _output.Add(done.DeepClone());
        }
    }

    private async Task StartAsync(CancellationToken cancellation)
    {
        if (_started) return;
        _started = true;
        await EventAsync("response.created", new JsonObject { ["response"] = ResponseObject("in_progress", [], null, null) }, cancellation);
        await EventAsync("response.in_progress", new JsonObject { ["response"] = ResponseObject("in_progress", [], null, null) }, cancellation);
    }

    private async Task CloseReasoningAsync(CancellationToken cancellation)
    {
        if (_reasoningIndex < 0 || _reasoningClosed) return;
        _reasoningClosed = true;
        string text = _reasoning.ToString();
        await EventAsync("response.reasoning_summary_text.done", new JsonObject
        {
            ["item_id"] = ReasoningId, ["output_index"] = _reasoningIndex, ["summary_index"] = 0, ["text"] = text,
        }, cancellation);
        var item = ReasoningItem(text);
        await EventAsync("response.output_item.done", new JsonObject { ["output_index"] = _reasoningIndex, ["item"] = item }, cancellation);
        _output.Insert(0, item.DeepClone());
    }

    public async Task DoneAsync(ResponseFinal final, CancellationToken cancellation)
    {
        var usage = Usage(final);
        if (!request.Stream)
        {
            var output = new JsonArray();
            if (_reasoning.Length > 0) output.Add(ReasoningItem(_reasoning.ToString()));
            if (_calls.Count > 0)
                for (int i = 0; i < _calls.Count; i++) output.Add(FunctionCallItem(_calls[i], i, "completed", _calls[i].Function.Arguments.CompactJson()));
            else
                output.Add(MessageItem(_text.ToString()));
            await OpenAIRoutes.WriteJsonAsync(response, ResponseObject("completed", output, usage, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            return;
        }
        await StartAsync(cancellation);
        await CloseReasoningAsync(cancellation);
        if (_messageIndex >= 0)
        {
            string text = _text.ToString();
            await EventAsync("response.output_text.done", new JsonObject
            {
                ["item_id"] = _messageId, ["output_index"] = _messageIndex, ["content_index"] = 0, ["text"] = text, ["logprobs"] = new JsonArray(),
            }, cancellation);
            await EventAsync("response.content_part.done", new JsonObject
            {
                ["item_id"] = _messageId, ["output_index"] = _messageIndex, ["content_index"] = 0, ["part"] = OutputText(text),
            }, cancellation);
            var item = MessageItem(text);
            await EventAsync("response.output_item.done", new JsonObject { ["output_index"] = _messageIndex, ["item"] = item }, cancellation);
            _output.Insert(Math.Min(_messageIndex, _output.Count), item.DeepClone());
        }
        await EventAsync("response.completed", new JsonObject
        {
            ["response"] = ResponseObject("completed", (JsonArray)_output.DeepClone(), usage, DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
        }, cancellation);
    }

    private Task EventAsync(string type, JsonObject data, CancellationToken cancellation)
    {
        data.Insert(0, "type", type);
        data["sequence_number"] = _sequence++;
        return _sse.EventAsync(type, data, cancellation);
    }

    private static JsonObject OutputText(string text) => new()
    {
        ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray(),
    };

    private JsonObject MessageItem(string text) => new()
    {
        ["id"] = _messageId, ["type"] = "message", ["status"] = "completed", ["role"] = "assistant", ["content"] = new JsonArray(OutputText(text)),
    };

    private JsonObject ReasoningItem(string text) => new()
    {
        ["id"] = ReasoningId,
        ["type"] = "reasoning",
        ["summary"] = new JsonArray(new JsonObject { ["type"] = "summary_text", ["text"] = text }),
        ["encrypted_content"] = text,
    };

    private JsonObject FunctionCallItem(ToolCall call, int i, string status, string arguments) => new()
    {
        ["id"] = CallItemId(i),
        ["type"] = "function_call",
        ["status"] = status,
        ["call_id"] = string.IsNullOrEmpty(call.Id) ? (call.Id = OpenAIRoutes.NewToolCallId()) : call.Id,
        ["name"] = call.Function.Name,
        ["arguments"] = arguments,
    };

    private static JsonObject Usage(ResponseFinal f) => new()
    {
        ["input_tokens"] = f.PromptEvalCount,
        ["output_tokens"] = f.EvalCount,
        ["total_tokens"] = f.PromptEvalCount + f.EvalCount,
        ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
        ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
    };

    /// <summary>The full response object; stream snapshots show unset reasoning keys as null and their own build time.</summary>
    private JsonObject ResponseObject(string status, JsonArray output, JsonObject? usage, long? completedAt)
    {
        JsonObject? reasoning = null;
        if (request.Reasoning != null)
        {
            reasoning = (JsonObject)request.Reasoning.DeepClone();
            if (request.Stream)
            {
                reasoning.TryAdd("effort", null);
                reasoning.TryAdd("summary", null);
            }
        }
        return new JsonObject
        {
            ["id"] = _id,
            ["object"] = "response",
            ["created_at"] = request.Stream ? DateTimeOffset.UtcNow.ToUnixTimeSeconds() : _createdAt,
            ["completed_at"] = completedAt,
            ["status"] = status,
            ["incomplete_details"] = null,
            ["model"] = request.Model,
            ["previous_response_id"] = null,
            ["instructions"] = request.Instructions,
            ["output"] = output,
            ["error"] = null,
            ["tools"] = request.Tools.DeepClone(),
            ["tool_choice"] = "auto",
            ["truncation"] = request.Truncation,
            ["parallel_tool_calls"] = true,
            ["text"] = new JsonObject { ["format"] = request.TextFormat.DeepClone() },
            ["top_p"] = request.TopP,
            ["presence_penalty"] = 0,
            ["frequency_penalty"] = 0,
            ["top_logprobs"] = 0,
            ["temperature"] = request.Temperature,
            ["reasoning"] = reasoning,
            ["usage"] = usage,
            ["max_output_tokens"] = request.MaxOutputTokens,
            ["max_tool_calls"] = null,
            ["store"] = false,
            ["background"] = request.Background,
            ["service_tier"] = "default",
            ["metadata"] = new JsonObject(),
            ["safety_identifier"] = null,
            ["prompt_cache_key"] = null,
        };
    }

    public Task DebugAsync(string renderedPrompt, int imageCount, CancellationToken cancellation) =>
        OpenAIRoutes.WriteDebugAsync(response, renderedPrompt, imageCount);

    /// <summary>A failure mid-stream: <c>response.failed</c> with the error, then the stream ends.</summary>
    public Task FailAsync(int status, string message)
    {
        var failed = ResponseObject("failed", (JsonArray)_output.DeepClone(), null, null);
        failed["error"] = new JsonObject { ["code"] = OpenAIRoutes.ErrorType(status), ["message"] = message };
        return EventAsync("response.failed", new JsonObject { ["response"] = failed }, CancellationToken.None);
    }
}
