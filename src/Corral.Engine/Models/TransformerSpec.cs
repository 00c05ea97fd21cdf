using Corral.Engine.Kernels;

namespace Corral.Engine.Models;

/// <summary>Which gated activation the feed-forward block uses.</summary>
public enum FeedForwardActivation
{
    /// <summary><c>silu(gate) · up</c> (llama, qwen, phi3).</summary>
    SwiGlu,
    /// <summary><c>gelu_tanh(gate) · up</c> through ggml's f16 table (gemma).</summary>
    GeGlu,
}

/// <summary>
/// What makes one decoder architecture differ from the llama skeleton. Each architecture file fills
/// one of these from the GGUF metadata; <see cref="Inference.ForwardPass"/> runs them all.
/// </summary>
public sealed class TransformerSpec
{
    public required RopeMode RopeMode { get; init; }

    /// <summary>Multiply token embeddings by this (gemma: √n_embd), or 1.</summary>
    public float EmbeddingScale { get; init; } = 1f;

    /// <summary>Multiply Q by this after RoPE (gemma, phi3), or 1.</summary>
    public float QueryScale { get; init; } = 1f;

    /// <summary>Position-dependent Q multiplier after RoPE (mistral3), or null.</summary>
    public AttentionTemperature? AttentionTemperature { get; init; }

    /// <summary>Scale applied to Q·K scores (1/√d for llama/qwen, 1 when Q was pre-scaled).</summary>
    public required float KqScale { get; init; }

    public FeedForwardActivation Activation { get; init; } = FeedForwardActivation.SwiGlu;

    /// <summary>Gemma-2 attention logit soft-cap c (<c>s = c·tanh(s·(1/c))</c>), or 0.</summary>
    public float AttnSoftcap { get; init; }

    /// <summary>Final logit soft-cap c (gemma2, and gemma3 when the key is present), or 0.</summary>
    public float FinalSoftcap { get; init; }

    /// <summary>Per-layer sliding window n_swa: a key is hidden when <c>pos_q − pos_k ≥ n_swa</c> (0 = full causal attention).</summary>
    public required int[] SlidingWindow { get; init; }

    /// <summary>Per-layer RoPE parameters (local layers may use another base).</summary>
    public required RopeParameters[] Rope { get; init; }
}

/// <summary>
/// Llama-4-style attention temperature tuning (mistral3): Q is multiplied by
/// <c>1 + τ·ln(⌊pos / n⌋ + 1)</c>, which is exactly 1 inside the first <c>n</c> positions.
/// </summary>
public sealed class AttentionTemperature
{
    /// <summary>τ, <c>{arch}.attention.temperature_scale</c>.</summary>
    public required float Scale { get; init; }

    /// <summary>n, the original (pre-extension) context length.</summary>
    public required int FloorScale { get; init; }

    /// <summary>The factor for a query at <paramref name="position"/> (evaluated in double, as llama.cpp's input does).</summary>
    public float Factor(int position) => (float)(Math.Log(Math.Floor((float)position / FloorScale) + 1.0) * Scale + 1.0);
}
