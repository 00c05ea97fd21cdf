using Corral.Engine.Gguf;
using Corral.Engine.Kernels;

namespace Corral.Engine.Models.Architectures;

/// <summary>
/// qwen3: qwen2 without the required biases (still applied if present) plus a per-head RMSNorm of Q and
/// K after projection and before RoPE (<c>attn_q_norm</c>/<c>attn_k_norm</c>). The head size comes from
/// <c>attention.key_length</c> and may differ from n_embd/n_head. NEOX RoPE, kq scale 1/√d.
/// </summary>
public sealed class Qwen3Architecture : DecoderArchitecture
{
    public override IReadOnlyList<string> Names { get; } = ["qwen3"];

    public override TransformerSpec CreateSpec(GgufFile file, ModelHyperparameters hp, TransformerWeights weights, int contextLength)
    {
        for (int i = 0; i < weights.Layers.Length; i++)
        {
            Require(weights.Layers[i].QNorm != null, hp.Architecture, $"blk.{i}.attn_q_norm.weight");
            Require(weights.Layers[i].KNorm != null, hp.Architecture, $"blk.{i}.attn_k_norm.weight");
        }
        return new TransformerSpec
        {
            RopeMode = RopeMode.Neox,
            KqScale = 1.0f / MathF.Sqrt(hp.HeadDimK),
            SlidingWindow = EveryLayer(hp, 0),
            Rope = EveryLayer(hp, StandardRope(hp, RopeMode.Neox, freqFactors: null)),
        };
    }
}
