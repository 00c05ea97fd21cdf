using System.Text;
using System.Text.Json;
using Corral.Server.Api;
using Corral.Server.Generation;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.OpenAI;

/// <summary>
/// <c>/v1/chat/completions</c> output over the chat pipeline (api.md §5.1). Streaming: the first chunk's
/// delta carries the role; a native chunk with thinking and content is split (reasoning first); tool calls
/// arrive whole; then a finish chunk with an empty delta, an optional usage chunk and <c>[DONE]</c>.
/// Without streaming: one <c>chat.completion</c> object.
/// </summary>
public sealed class ChatCompletionSink(HttpResponse response, string model, bool stream, bool includeUsage) : IResponseSink
{
    private readonly SseStream _sse = new(response);
    private readonly string _id = "chatcmpl-" + Random.Shared.Next(999);
    private long _created;
    private bool _sentAny, _sawToolCalls;
    private readonly StringBuilder _content = new(), _reasoning = new();
    private List<OpenAIToolCall>? _toolCalls;
    private List<Logprob>? _logprobs;

    public bool Started => _sse.Started;

    public async Task ChunkAsync(ResponseChunk chunk, CancellationToken cancellation)
    {
        var calls = OpenAIRoutes.ToOpenAIToolCalls(chunk.ToolCalls);
        if (calls != null) _sawToolCalls = true;
        if (!stream)
        {
            _content.Append(chunk.Content);
            _reasoning.Append(chunk.Thinking);
            if (calls != null) (_toolCalls ??= []).AddRange(calls);
            if (chunk.Logprobs != null) (_logprobs ??= []).AddRange(chunk.Logprobs);
            return;
        }
        if (chunk.IsEmpty) return;
        bool split = chunk.Thinking.Length > 0 && (chunk.Content.Length > 0 || calls != null);
        if (split)
        {
            await WriteDeltaAsync(new ChunkDelta { Content = "", Reasoning = chunk.Thinking }, chunk.Logprobs, cancellation);
            await WriteDeltaAsync(new ChunkDelta { Content = chunk.Content, ToolCalls = calls }, null, cancellation);
            return;
        }
        await WriteDeltaAsync(new ChunkDelta
        {
            Content = chunk.Content,
            Reasoning = chunk.Thinking.Length > 0 ? chunk.Thinking : null,
            ToolCalls = calls,
        }, chunk.Logprobs, cancellation);
    }

    private Task WriteDeltaAsync(ChunkDelta delta, List<Logprob>? logprobs, CancellationToken cancellation, string? finishReason = null)
    {
        if (_created == 0) _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (!_sentAny && finishReason == null) delta.Role = "assistant";
        if (finishReason == null) _sentAny = true;
        return _sse.DataAsync(new ChatCompletionChunk
        {
            Id = _id,
            Created = _created,
            Model = model,
            Choices = [new ChunkChoice { Delta = delta, FinishReason = finishReason, Logprobs = logprobs is { Count: > 0 } ? new ChoiceLogprobs { Content = logprobs } : null }],
        }, cancellation);
    }

    public async Task DoneAsync(ResponseFinal final, CancellationToken cancellation)
    {
        string? reason = final.DoneReason is { Length: > 0 } r ? r : null;
        if (_sawToolCalls && reason == "stop") reason = "tool_calls";
        var usage = Usage.Of(final.PromptEvalCount, final.EvalCount);
        if (!stream)
        {
            await OpenAIRoutes.WriteJsonAsync(response, new ChatCompletion
            {
                Id = _id,
                Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                Model = model,
                Choices =
                [
                    new ChatChoice
                    {
                        Message = new AssistantMessage
                        {
                            Content = _content.ToString(),
                            Reasoning = _reasoning.Length > 0 ? _reasoning.ToString() : null,
                            ToolCalls = _toolCalls,
                        },
                        FinishReason = reason,
                        Logprobs = _logprobs is { Count: > 0 } ? new ChoiceLogprobs { Content = _logprobs } : null,
                    },
                ],
                Usage = usage,
            });
            return;
        }
        if (!_sentAny) await WriteDeltaAsync(new ChunkDelta { Content = "" }, null, cancellation);
        await WriteDeltaAsync(new ChunkDelta(), null, cancellation, reason ?? "stop");
        if (includeUsage)
            await _sse.DataAsync(new ChatCompletionChunk { Id = _id, Created = _created, Model = model, Choices = [], Usage = usage }, cancellation);
        await _sse.DoneAsync(cancellation);
    }

    public Task DebugAsync(string renderedPrompt, int imageCount, CancellationToken cancellation) =>
        OpenAIRoutes.WriteDebugAsync(response, renderedPrompt, imageCount);

    public Task FailAsync(int status, string message) => OpenAIRoutes.WriteStreamErrorAsync(_sse, status, message);
}

/// <summary>
/// <c>/v1/completions</c> output over the generate pipeline (api.md §5.2): streamed <c>text_completion</c>
/// chunks (the last one carries <c>finish_reason</c>; with <c>include_usage</c> every chunk has zeroed usage
/// and a final chunk the real one), or one object.
/// </summary>
public sealed class CompletionSink(HttpResponse response, string model, bool stream, bool includeUsage) : IResponseSink
{
    private readonly SseStream _sse = new(response);
    private readonly string _id = "cmpl-" + Random.Shared.Next(999);
    private readonly StringBuilder _text = new();

    public bool Started => _sse.Started;

    private CompletionChunk Chunk(string text, string? finishReason) => new()
    {
        Id = _id,
        Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        Choices = [new CompletionChoice { Text = text, FinishReason = finishReason }],
        Model = model,
        Usage = includeUsage ? new Usage() : null,
    };

    public async Task ChunkAsync(ResponseChunk chunk, CancellationToken cancellation)
    {
        if (!stream)
        {
            _text.Append(chunk.Content);
            return;
        }
        if (chunk.Content.Length == 0) return; // logprobs are accepted but never returned on this route
        await _sse.DataAsync(Chunk(chunk.Content, null), cancellation);
    }

    public async Task DoneAsync(ResponseFinal final, CancellationToken cancellation)
    {
        var usage = Usage.Of(final.PromptEvalCount, final.EvalCount);
        if (!stream)
        {
            await OpenAIRoutes.WriteJsonAsync(response, new Completion
            {
                Id = _id,
                Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                Model = model,
                Choices = [new CompletionChoice { Text = _text.ToString(), FinishReason = final.DoneReason }],
                Usage = usage,
            });
            return;
        }
        await _sse.DataAsync(Chunk("", final.DoneReason), cancellation);
        if (includeUsage)
        {
            await _sse.DataAsync(new CompletionChunk
            {
                Id = _id,
                Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                Choices = [],
                Model = model,
                Usage = usage,
            }, cancellation);
        }
        await _sse.DoneAsync(cancellation);
    }

    public Task DebugAsync(string renderedPrompt, int imageCount, CancellationToken cancellation) =>
        OpenAIRoutes.WriteDebugAsync(response, renderedPrompt, imageCount);

    public Task FailAsync(int status, string message) => OpenAIRoutes.WriteStreamErrorAsync(_sse, status, message);
}

internal static class JsonElementExtensions
{
    public static string CompactJson(this JsonElement e) => e.ValueKind == JsonValueKind.Undefined ? "{}" : JsonSerializer.Serialize(e, ApiJson.Options);
}
