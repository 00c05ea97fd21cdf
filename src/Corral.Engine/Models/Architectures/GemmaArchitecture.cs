using Corral.Engine.Gguf;
using Corral.Engine.Kernels;

namespace Corral.Engine.Models.Architectures;

/// <summary>
/// gemma (v1): embeddings × √n_embd, norm weights with the +1 already baked in by the converter (so the
/// plain RMSNorm applies), NEOX RoPE, Q × 1/√head_dim after RoPE with kq scale 1, GEGLU through ggml's
/// f16 GELU table, and the lm_head always tied to <c>token_embd</c>.
/// </summary>
public sealed class GemmaArchitecture : DecoderArchitecture
{
    internal static readonly WeightOptions AlwaysTied = new() { AlwaysTied = true };

    public override IReadOnlyList<string> Names { get; } = ["gemma"];

    public override TransformerWeights LoadWeights(TensorLoader loader, ModelHyperparameters hp) => StandardWeights.Load(loader, hp, AlwaysTied);

    public override TransformerSpec CreateSpec(GgufFile file, ModelHyperparameters hp, TransformerWeights weights, int contextLength) => new()
    {
        RopeMode = RopeMode.Neox,
        EmbeddingScale = MathF.Sqrt(hp.EmbeddingLength),
        QueryScale = 1.0f / MathF.Sqrt(hp.HeadDimK),
        KqScale = 1f,
        Activation = FeedForwardActivation.GeGlu,
        SlidingWindow = EveryLayer(hp, 0),
        Rope = EveryLayer(hp, StandardRope(hp, RopeMode.Neox, freqFactors: null)),
    };

    /// <summary>
    /// gemma2/3 query scale: 1/√(n_embd/n_head) for the 27B models (recognised, as llama.cpp does, by their
    /// layer count), else 1/√head_dim.
    /// </summary>
    internal static float QueryScale(ModelHyperparameters hp, int layersOf27B) =>
        hp.BlockCount == layersOf27B
            ? 1.0f / MathF.Sqrt(hp.EmbeddingLength / hp.HeadCount)
            : 1.0f / MathF.Sqrt(hp.HeadDimK);
}
