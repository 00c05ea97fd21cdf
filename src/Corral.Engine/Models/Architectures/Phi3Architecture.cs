using Corral.Engine.Gguf;
using Corral.Engine.Kernels;

namespace Corral.Engine.Models.Architectures;

/// <summary>
/// phi3 (Phi-3/3.5/4-mini): fused <c>attn_qkv</c> and <c>ffn_up</c> = [gate | up] (split by the standard
/// loader), NEOX RoPE, Q × 1/√head_dim after RoPE with kq scale 1, no <c>output.bias</c>. LongRoPE:
/// the long factors are used iff the per-sequence context (padded to 256, as llama.cpp pads n_ctx_seq)
/// exceeds <c>rope.scaling.original_context_length</c>, and <c>rope.scaling.attn_factor</c> scales
/// cos/sin. The declared sliding window is ignored (llama.cpp disables SWA for phi3).
/// </summary>
public sealed class Phi3Architecture : DecoderArchitecture
{
    public override IReadOnlyList<string> Names { get; } = ["phi3"];

    public override TransformerSpec CreateSpec(GgufFile file, ModelHyperparameters hp, TransformerWeights weights, int contextLength)
    {
        int contextPerSequence = checked((contextLength + 255) / 256 * 256);
        var factors = contextPerSequence > hp.RopeOriginalContext ? weights.RopeFactorsLong : weights.RopeFactorsShort;
        return new TransformerSpec
        {
            RopeMode = RopeMode.Neox,
            QueryScale = 1.0f / MathF.Sqrt(hp.HeadDimK),
            KqScale = 1f,
            SlidingWindow = EveryLayer(hp, 0),
            Rope = EveryLayer(hp, StandardRope(hp, RopeMode.Neox, factors)),
        };
    }
}
