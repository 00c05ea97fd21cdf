using System.Text;
using Corral.Server.Api;
using Corral.Server.Http;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.Generation;

/// <summary>/api/generate output: NDJSON lines, or one aggregated object with <c>stream: false</c>.</summary>
public sealed class GenerateSink(HttpResponse response, string model, bool stream) : IResponseSink
{
    private readonly NdjsonStream _ndjson = new(response);
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _thinking = new();
    private List<ToolCall>? _toolCalls;
    private List<Logprob>? _logprobs;

    public bool Started => _ndjson.Started;

    public Task FailAsync(int status, string message) => _ndjson.FailAsync(status, message);

    public Task DebugAsync(string renderedPrompt, int imageCount, CancellationToken cancellation) =>
        ResponseWriting.WriteJsonAsync(response, new GenerateResponse
        {
            Model = model,
            CreatedAt = ApiJson.Timestamp(DateTimeOffset.UtcNow),
            DebugInfo = new DebugInfo { RenderedTemplate = renderedPrompt, ImageCount = imageCount },
        });

    public async Task ChunkAsync(ResponseChunk chunk, CancellationToken cancellation)
    {
        if (chunk.IsEmpty) return;
        if (stream)
        {
            await _ndjson.WriteAsync(new GenerateResponse
            {
                Model = model,
                CreatedAt = ApiJson.Timestamp(DateTimeOffset.UtcNow),
                Response = chunk.Content,
                Thinking = NullIfEmpty(chunk.Thinking),
                ToolCalls = chunk.ToolCalls,
                Logprobs = chunk.Logprobs,
            }, cancellation);
            return;
        }
        _text.Append(chunk.Content);
        _thinking.Append(chunk.Thinking);
        if (chunk.ToolCalls != null) (_toolCalls ??= []).AddRange(chunk.ToolCalls);
        if (chunk.Logprobs != null) (_logprobs ??= []).AddRange(chunk.Logprobs);
    }

    public async Task DoneAsync(ResponseFinal final, CancellationToken cancellation)
    {
        var r = new GenerateResponse
        {
            Model = model,
            CreatedAt = ApiJson.Timestamp(DateTimeOffset.UtcNow),
            Response = stream ? "" : _text.ToString(),
            Thinking = stream ? null : NullIfEmpty(_thinking.ToString()),
            ToolCalls = stream ? null : _toolCalls,
            Logprobs = stream ? null : _logprobs,
            Done = true,
            DoneReason = final.DoneReason,
            Context = final.Context,
        };
        Metrics.Fill(r, final);
        // Load/unload replies are one object even when streaming was asked for (api.md §4.3).
        if (stream && final.DoneReason is not ("load" or "unload")) await _ndjson.WriteAsync(r, cancellation);
        else await ResponseWriting.WriteJsonAsync(response, r);
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}

/// <summary>/api/chat output.</summary>
public sealed class ChatSink(HttpResponse response, string model, bool stream) : IResponseSink
{
    private readonly NdjsonStream _ndjson = new(response);
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _thinking = new();
    private List<ToolCall>? _toolCalls;
    private List<Logprob>? _logprobs;

    public bool Started => _ndjson.Started;

    public Task FailAsync(int status, string message) => _ndjson.FailAsync(status, message);

    public Task DebugAsync(string renderedPrompt, int imageCount, CancellationToken cancellation) =>
        ResponseWriting.WriteJsonAsync(response, new ChatResponse
        {
            Model = model,
            CreatedAt = ApiJson.Timestamp(DateTimeOffset.UtcNow),
            DebugInfo = new DebugInfo { RenderedTemplate = renderedPrompt, ImageCount = imageCount },
        });

    public async Task ChunkAsync(ResponseChunk chunk, CancellationToken cancellation)
    {
        if (chunk.IsEmpty) return;
        if (stream)
        {
            await _ndjson.WriteAsync(new ChatResponse
            {
                Model = model,
                CreatedAt = ApiJson.Timestamp(DateTimeOffset.UtcNow),
                Message = new Message
                {
                    Role = "assistant",
                    Content = chunk.Content,
                    Thinking = chunk.Thinking.Length == 0 ? null : chunk.Thinking,
                    ToolCalls = chunk.ToolCalls,
                },
                Logprobs = chunk.Logprobs,
            }, cancellation);
            return;
        }
        _text.Append(chunk.Content);
        _thinking.Append(chunk.Thinking);
        if (chunk.ToolCalls != null) (_toolCalls ??= []).AddRange(chunk.ToolCalls);
        if (chunk.Logprobs != null) (_logprobs ??= []).AddRange(chunk.Logprobs);
    }

    public async Task DoneAsync(ResponseFinal final, CancellationToken cancellation)
    {
        var r = new ChatResponse
        {
            Model = model,
            CreatedAt = ApiJson.Timestamp(DateTimeOffset.UtcNow),
            Message = new Message
            {
                Role = "assistant",
                Content = stream ? "" : _text.ToString(),
                Thinking = stream || _thinking.Length == 0 ? null : _thinking.ToString(),
                ToolCalls = stream ? null : _toolCalls,
            },
            Logprobs = stream ? null : _logprobs,
            Done = true,
            DoneReason = final.DoneReason,
        };
        Metrics.Fill(r, final);
        if (stream && final.DoneReason is not ("load" or "unload")) await _ndjson.WriteAsync(r, cancellation);
        else await ResponseWriting.WriteJsonAsync(response, r);
    }
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
