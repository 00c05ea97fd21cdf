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

    /// <summary>Scale applied to Q·K scores (1/√d for llama/qwen, 1 when Q was pre-scaled).</summary>
    public required float KqScale { get; init; }

    public FeedForwardActivation Activation { get; init; } = FeedForwardActivation.SwiGlu;

    /// <summary>Gemma-2 attention logit soft-cap, or 0.</summary>
    public float AttnSoftcap { get; init; }

    /// <summary>Final logit soft-cap, or 0.</summary>
    public float FinalSoftcap { get; init; }

    /// <summary>Per-layer sliding window (0 = full causal attention).</summary>
    public required int[] SlidingWindow { get; init; }

    /// <summary>Per-layer RoPE parameters (local layers may use another base).</summary>
    public required RopeParameters[] Rope { get; init; }
}
