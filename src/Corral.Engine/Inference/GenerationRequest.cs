using Corral.Engine.Sampling;

namespace Corral.Engine.Inference;

/// <summary>What one sequence should do: evaluate a prompt and generate until a stop condition.</summary>
public sealed class GenerationRequest
{
    public required int[] PromptTokens { get; init; }
    public SamplingOptions Sampling { get; init; } = SamplingOptions.Default;

    /// <summary>Maximum tokens to generate; negative = until end-of-generation (the runner caps it at 10 × context).</summary>
    public int NumPredict { get; init; } = -1;

    /// <summary>Tokens at the start kept when the context is shifted.</summary>
    public int NumKeep { get; init; } = 4;

    /// <summary>When the context fills during generation: shift (drop half the history after NumKeep) or stop with "length".</summary>
    public bool ShiftContext { get; init; } = true;

    public ITokenConstraint? Constraint { get; init; }

    /// <summary>Number of top alternatives to report per token (0–20); negative = no logprobs.</summary>
    public int TopLogprobs { get; init; } = -1;

    /// <summary>Only evaluate the prompt (load, cache warm-up, embeddings); generate nothing.</summary>
    public bool PromptOnly { get; init; }

    /// <summary>
    /// Set for an embedding request: the whole prompt is evaluated (no prefix reuse), its final-norm hidden
    /// states are pooled this way into <see cref="GenerationStats.Embedding"/>, and nothing is generated.
    /// </summary>
    public PoolingType? Pooling { get; init; }
}

/// <summary>How per-token hidden states become one vector (llama.cpp's pooling types, engine.md §9).</summary>
public enum PoolingType
{
    /// <summary>One vector per token; not a single embedding, so the runner refuses it.</summary>
    None = 0,
    /// <summary>The average of the sequence's rows.</summary>
    Mean = 1,
    /// <summary>The row of the first token.</summary>
    Cls = 2,
    /// <summary>The row of the last token.</summary>
    Last = 3,
}

/// <summary>Why a sequence ended.</summary>
public enum FinishReason
{
    /// <summary>An end-of-generation token, or the caller stopped it (stop sequence).</summary>
    Stop,
    /// <summary>num_predict reached, or the context is full and shifting is off.</summary>
    Length,
    Cancelled,
    Error,
}

/// <summary>A generated token with optional log-probabilities.</summary>
public readonly record struct GeneratedToken(int Id, float Logprob, (int Id, float Logprob)[]? Top);

/// <summary>Counters reported in the final response object.</summary>
public sealed record GenerationStats
{
    public int PromptTokens { get; init; }
    /// <summary>Prompt tokens actually evaluated (the rest came from the prefix cache).</summary>
    public int PromptEvaluated { get; init; }
    public TimeSpan PromptDuration { get; init; }
    public int Generated { get; init; }
    public TimeSpan GenerationDuration { get; init; }
    public FinishReason Reason { get; init; }
    public string? Error { get; init; }
    /// <summary>Tokens dropped by context shifts during generation.</summary>
    public int Shifted { get; init; }
    /// <summary>The pooled (unnormalised) embedding of an embedding request.</summary>
    public float[]? Embedding { get; init; }
}
