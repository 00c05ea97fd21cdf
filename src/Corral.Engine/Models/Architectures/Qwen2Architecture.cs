using Corral.Engine.Gguf;
using Corral.Engine.Kernels;

namespace Corral.Engine.Models.Architectures;

/// <summary>
/// qwen2 (Qwen1.5/2/2.5): llama with NEOX RoPE and biases on Q, K and V (loaded when present), an
/// optional <c>output.bias</c>, kq scale 1/√d, and YaRN when <c>rope.scaling.type = yarn</c>.
/// </summary>
public sealed class Qwen2Architecture : DecoderArchitecture
{
    private static readonly WeightOptions s_weights = new() { OutputBias = true };

    public override IReadOnlyList<string> Names { get; } = ["qwen2"];

    public override TransformerWeights LoadWeights(TensorLoader loader, ModelHyperparameters hp) => StandardWeights.Load(loader, hp, s_weights);

    public override TransformerSpec CreateSpec(GgufFile file, ModelHyperparameters hp, TransformerWeights weights, int contextLength) => new()
    {
        RopeMode = RopeMode.Neox,
        KqScale = 1.0f / MathF.Sqrt(hp.HeadDimK),
        SlidingWindow = EveryLayer(hp, 0),
        Rope = EveryLayer(hp, StandardRope(hp, RopeMode.Neox, freqFactors: null)),
    };
}
