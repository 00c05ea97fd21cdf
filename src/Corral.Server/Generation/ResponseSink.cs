using Corral.Server.Api;

namespace Corral.Server.Generation;

/// <summary>A piece of model output after thinking/tool-call parsing.</summary>
public sealed record ResponseChunk
{
    public string Content { get; init; } = "";
    public string Thinking { get; init; } = "";
    public List<ToolCall>? ToolCalls { get; init; }
    public List<Logprob>? Logprobs { get; init; }

    public bool IsEmpty => Content.Length == 0 && Thinking.Length == 0 && ToolCalls is not { Count: > 0 } && Logprobs is not { Count: > 0 };
}

/// <summary>What the final object of a completion reports.</summary>
public sealed record ResponseFinal
{
    public required string DoneReason { get; init; }
    public TimeSpan TotalDuration { get; init; }
    public TimeSpan LoadDuration { get; init; }
    public int PromptEvalCount { get; init; }
    public TimeSpan PromptEvalDuration { get; init; }
    public int EvalCount { get; init; }
    public TimeSpan EvalDuration { get; init; }
    public int Truncated { get; init; }
    /// <summary>chat only: history messages dropped to fit the context.</summary>
    public int TruncatedMessages { get; init; }
    /// <summary>generate only: prompt + output token ids.</summary>
    public int[]? Context { get; init; }
}

/// <summary>
/// Where a completion's output goes. The native NDJSON routes, the non-streaming aggregators and the
/// OpenAI/Anthropic translators are all sinks over the same pipeline, so every surface sees the same
/// tokens, parsing and metrics.
/// </summary>
public interface IResponseSink
{
    /// <summary>True once the first byte of a streamed response was written (errors then go in-band).</summary>
    bool Started { get; }

    Task ChunkAsync(ResponseChunk chunk, CancellationToken cancellation);

    /// <summary>The final object; <c>DoneReason</c> is <c>load</c>/<c>unload</c> for requests that only (un)load the model.</summary>
    Task DoneAsync(ResponseFinal final, CancellationToken cancellation);

    /// <summary><c>_debug_render_only</c>: the rendered prompt instead of a completion.</summary>
    Task DebugAsync(string renderedPrompt, int imageCount, CancellationToken cancellation);

    /// <summary>A failure after <see cref="Started"/> (before it, the route answers a normal error).</summary>
    Task FailAsync(int status, string message);
}

public static class Nanoseconds
{
    public static long Of(TimeSpan t) => t.Ticks * 100;
}
