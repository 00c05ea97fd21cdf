using Corral.Engine.Gguf;
using Corral.Engine.Kernels;

namespace Corral.Engine.Models.Architectures;

/// <summary>
/// llama (Llama 1/2/3.x, CodeLlama) and mistral: the plain skeleton with NORMAL RoPE (the converter
/// pre-permutes Q/K rows), optional Llama-3 <c>rope_freqs</c> factors, kq scale 1/√d. Mistral files
/// declare a sliding window that llama.cpp ignores under arch <c>llama</c>, and so do we.
/// </summary>
public sealed class LlamaArchitecture : DecoderArchitecture
{
    public override IReadOnlyList<string> Names { get; } = ["llama", "mistral"];

    public override TransformerSpec CreateSpec(GgufFile file, ModelHyperparameters hp, TransformerWeights weights, int contextLength)
    {
        if (hp.RopeDimensions != hp.HeadDimK)
            throw new ModelLoadException($"llama requires rope.dimension_count ({hp.RopeDimensions}) to equal the head size ({hp.HeadDimK})");
        var rope = StandardRope(hp, RopeMode.Normal, weights.RopeFreqs);
        return new TransformerSpec
        {
            RopeMode = RopeMode.Normal,
            KqScale = 1.0f / MathF.Sqrt(hp.HeadDimK),
            SlidingWindow = new int[hp.BlockCount],
            Rope = Enumerable.Repeat(rope, hp.BlockCount).ToArray(),
        };
    }
}
