using System.Text;
using Corral.Server.Api;
using Corral.Server.Http;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.Generation;

/// <summary>
/// The native /api sinks: NDJSON lines while streaming, or the concatenation of every chunk in one object
/// with <c>stream: false</c>. Subclasses only say how a chunk and the final object look.
/// </summary>
public abstract class NativeSink<TResponse>(HttpResponse response, bool stream) : IResponseSink where TResponse : MetricsResponse
{
    private readonly NdjsonStream _ndjson = new(response);
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _thinking = new();
    private List<ToolCall>? _toolCalls;
    private List<Logprob>? _logprobs;

    public bool Started => _ndjson.Started;

    public Task FailAsync(int status, string message) => _ndjson.FailAsync(status, message);

    public Task DebugAsync(string renderedPrompt, int imageCount, CancellationToken cancellation) =>
        ResponseWriting.WriteJsonAsync(response, Debug(new DebugInfo { RenderedTemplate = renderedPrompt, ImageCount = imageCount }));

    public async Task ChunkAsync(ResponseChunk chunk, CancellationToken cancellation)
    {
        if (chunk.IsEmpty) return;
        if (stream)
        {
            await _ndjson.WriteAsync(Chunk(chunk), cancellation);
            return;
        }
        _text.Append(chunk.Content);
        _thinking.Append(chunk.Thinking);
        if (chunk.ToolCalls != null) (_toolCalls ??= []).AddRange(chunk.ToolCalls);
        if (chunk.Logprobs != null) (_logprobs ??= []).AddRange(chunk.Logprobs);
    }

    public async Task DoneAsync(ResponseFinal final, CancellationToken cancellation)
    {
        // While streaming, the final object carries no text; otherwise it carries everything.
        var aggregate = stream ? new ResponseChunk() : new ResponseChunk
        {
            Content = _text.ToString(),
            Thinking = _thinking.ToString(),
            ToolCalls = _toolCalls,
            Logprobs = _logprobs,
        };
        var r = Final(aggregate, final);
        Metrics.Fill(r, final);
        // Load/unload replies are one object even when streaming was asked for (api.md §4.3).
        if (stream && final.DoneReason is not ("load" or "unload")) await _ndjson.WriteAsync(r, cancellation);
        else await ResponseWriting.WriteJsonAsync(response, r);
    }

    protected static string Now() => ApiJson.Timestamp(DateTimeOffset.UtcNow);

    protected static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    protected abstract TResponse Chunk(ResponseChunk chunk);

    protected abstract TResponse Final(ResponseChunk aggregate, ResponseFinal final);

    protected abstract TResponse Debug(DebugInfo info);
}

/// <summary>/api/generate output.</summary>
public sealed class GenerateSink(HttpResponse response, string model, bool stream) : NativeSink<GenerateResponse>(response, stream)
{
    protected override GenerateResponse Chunk(ResponseChunk c) => new()
    {
        Model = model,
        CreatedAt = Now(),
        Response = c.Content,
        Thinking = NullIfEmpty(c.Thinking),
        ToolCalls = c.ToolCalls,
        Logprobs = c.Logprobs,
    };

    protected override GenerateResponse Final(ResponseChunk a, ResponseFinal final) => new()
    {
        Model = model,
        CreatedAt = Now(),
        Response = a.Content,
        Thinking = NullIfEmpty(a.Thinking),
        ToolCalls = a.ToolCalls,
        Logprobs = a.Logprobs,
        Done = true,
        DoneReason = final.DoneReason,
        Context = final.Context,
    };

    protected override GenerateResponse Debug(DebugInfo info) => new() { Model = model, CreatedAt = Now(), DebugInfo = info };
}

/// <summary>/api/chat output.</summary>
public sealed class ChatSink(HttpResponse response, string model, bool stream) : NativeSink<ChatResponse>(response, stream)
{
    protected override ChatResponse Chunk(ResponseChunk c) => new()
    {
        Model = model,
        CreatedAt = Now(),
        Message = Assistant(c),
        Logprobs = c.Logprobs,
    };

    protected override ChatResponse Final(ResponseChunk a, ResponseFinal final) => new()
    {
        Model = model,
        CreatedAt = Now(),
        Message = Assistant(a),
        Logprobs = a.Logprobs,
        Done = true,
        DoneReason = final.DoneReason,
    };

    protected override ChatResponse Debug(DebugInfo info) => new() { Model = model, CreatedAt = Now(), DebugInfo = info };

    private static Message Assistant(ResponseChunk c) => new()
    {
        Role = "assistant",
        Content = c.Content,
        Thinking = NullIfEmpty(c.Thinking),
        ToolCalls = c.ToolCalls,
    };
}

internal static class Metrics
{
    public static void Fill(MetricsResponse r, ResponseFinal f)
    {
        r.TotalDuration = Nanoseconds.Of(f.TotalDuration);
        r.LoadDuration = Nanoseconds.Of(f.LoadDuration);
        r.PromptEvalCount = f.PromptEvalCount;
        r.PromptEvalDuration = Nanoseconds.Of(f.PromptEvalDuration);
        r.EvalCount = f.EvalCount;
        r.EvalDuration = Nanoseconds.Of(f.EvalDuration);
        r.Truncated = f.Truncated;
        r.TruncatedMessages = f.TruncatedMessages;
    }
}
