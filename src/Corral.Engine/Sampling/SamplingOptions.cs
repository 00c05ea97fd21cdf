namespace Corral.Engine.Sampling;

/// <summary>Sampling parameters with Ollama's defaults (api.md §2.6).</summary>
public sealed record SamplingOptions
{
    public float Temperature { get; init; } = 0.8f;
    public int TopK { get; init; } = 40;
    public float TopP { get; init; } = 0.9f;
    public float MinP { get; init; } = 0.0f;
    public float TypicalP { get; init; } = 1.0f;
    public int RepeatLastN { get; init; } = 64;
    public float RepeatPenalty { get; init; } = 1.0f;
    public float PresencePenalty { get; init; }
    public float FrequencyPenalty { get; init; }

    /// <summary>−1 draws a random seed.</summary>
    public long Seed { get; init; } = -1;

    public static SamplingOptions Default { get; } = new();

    public static SamplingOptions Greedy { get; } = new() { Temperature = 0 };
}

/// <summary>
/// A constraint on which tokens may come next (grammar-constrained output). The sampler asks
/// <see cref="IsAllowed"/> about the token it picked first and only masks the whole vocabulary when
/// that token is rejected, as llama.cpp's common sampler does.
/// </summary>
public interface ITokenConstraint
{
    bool IsAllowed(int token);

    /// <summary>Sets the logits of every disallowed token to −∞.</summary>
    void ApplyMask(Span<float> logits);

    void Accept(int token);
}
