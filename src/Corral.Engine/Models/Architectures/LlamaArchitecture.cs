using Corral.Engine.Gguf;
using Corral.Engine.Kernels;

namespace Corral.Engine.Models.Architectures;

/// <summary>
/// llama (Llama 1/2/3.x, CodeLlama, Mistral 7B/Nemo/Small): the plain skeleton with NORMAL RoPE (the
/// converter pre-permutes Q/K rows), optional Llama-3 <c>rope_freqs</c> divisors, kq scale 1/√d.
/// Mistral files declare a sliding window that llama.cpp ignores under arch <c>llama</c>, and so do we;
/// <c>mistral</c> is accepted as an alias for the same graph.
/// </summary>
public sealed class LlamaArchitecture : DecoderArchitecture
{
    public override IReadOnlyList<string> Names { get; } = ["llama", "mistral"];

    public override TransformerSpec CreateSpec(GgufFile file, ModelHyperparameters hp, TransformerWeights weights, int contextLength)
    {
        if (hp.RopeDimensions != hp.HeadDimK)
            throw new ModelLoadException($"{hp.Architecture} requires rope.dimension_count ({hp.RopeDimensions}) to equal the head size ({hp.HeadDimK})");
        return new TransformerSpec
        {
            RopeMode = RopeMode.Normal,
            KqScale = 1.0f / MathF.Sqrt(hp.HeadDimK),
            SlidingWindow = EveryLayer(hp, 0),
            Rope = EveryLayer(hp, StandardRope(hp, RopeMode.Normal, weights.RopeFreqs)),
        };
    }
}
