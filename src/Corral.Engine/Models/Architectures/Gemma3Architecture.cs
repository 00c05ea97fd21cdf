using Corral.Engine.Gguf;
using Corral.Engine.Kernels;

namespace Corral.Engine.Models.Architectures;

/// <summary>
/// gemma3: gemma2 without the attention soft-cap, with per-head Q/K RMSNorm before RoPE, and a final
/// soft-cap only when the file declares one. When <c>attention.sliding_window</c> is positive, five local
/// layers alternate with one global (period 6, or <c>attention.sliding_window_pattern</c>: a period or
/// per-layer flags); local layers use RoPE base <c>rope.freq_base_swa</c> (default 10000) without
/// scaling, global layers <c>rope.freq_base</c> with the file's linear scaling. 27B rule at 62 layers.
/// </summary>
public sealed class Gemma3Architecture : DecoderArchitecture
{
    private const int LayersOf27B = 62;
    private const float DefaultLocalBase = 10000f;

    public override IReadOnlyList<string> Names { get; } = ["gemma3"];

    public override TransformerSpec CreateSpec(GgufFile file, ModelHyperparameters hp, TransformerWeights weights, int contextLength)
    {
        for (int i = 0; i < weights.Layers.Length; i++)
        {
            Require(weights.Layers[i].QNorm != null, hp.Architecture, $"blk.{i}.attn_q_norm.weight");
            Require(weights.Layers[i].KNorm != null, hp.Architecture, $"blk.{i}.attn_k_norm.weight");
        }
        int window = hp.SlidingWindow;
        bool[] local = window > 0 ? SlidingWindowLayers(file, hp, defaultPeriod: 6) : new bool[hp.BlockCount];
        var globalRope = StandardRope(hp, RopeMode.Neox, freqFactors: null);
        var localRope = StandardRope(hp, RopeMode.Neox, freqFactors: null, freqBase: hp.RopeFreqBaseSwa ?? DefaultLocalBase, freqScale: 1f);
        return new TransformerSpec
        {
            RopeMode = RopeMode.Neox,
            EmbeddingScale = MathF.Sqrt(hp.EmbeddingLength),
            QueryScale = GemmaArchitecture.QueryScale(hp, LayersOf27B),
            KqScale = 1f,
            Activation = FeedForwardActivation.GeGlu,
            FinalSoftcap = hp.FinalLogitSoftcap,
            SlidingWindow = local.Select(isLocal => isLocal ? window : 0).ToArray(),
            Rope = local.Select(isLocal => isLocal ? localRope : globalRope).ToArray(),
        };
    }
}
