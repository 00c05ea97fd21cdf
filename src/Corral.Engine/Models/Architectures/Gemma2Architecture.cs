using Corral.Engine.Gguf;
using Corral.Engine.Kernels;

namespace Corral.Engine.Models.Architectures;

/// <summary>
/// gemma2: gemma plus post-attention and post-FFN norms (loaded by the standard loader, applied by the
/// skeleton when present), attention logit soft-cap (default 50) and final logit soft-cap (default 30),
/// sliding-window attention on even layers (period 2 unless <c>attention.sliding_window_pattern</c> says
/// otherwise; window default 4096) whose RoPE base is <c>rope.freq_base_swa</c> (default: freq_base),
/// and the 27B query-scale rule (46 layers: 1/√(n_embd/n_head)). Always tied.
/// </summary>
public sealed class Gemma2Architecture : DecoderArchitecture
{
    private const int LayersOf27B = 46;
    private const int DefaultWindow = 4096;

    public override IReadOnlyList<string> Names { get; } = ["gemma2"];

    public override TransformerWeights LoadWeights(TensorLoader loader, ModelHyperparameters hp) =>
        StandardWeights.Load(loader, hp, GemmaArchitecture.AlwaysTied);

    public override TransformerSpec CreateSpec(GgufFile file, ModelHyperparameters hp, TransformerWeights weights, int contextLength)
    {
        string a = hp.Architecture;
        int window = file.Contains($"{a}.attention.sliding_window") ? hp.SlidingWindow : DefaultWindow;
        bool[] local = SlidingWindowLayers(file, hp, defaultPeriod: 2);
        var globalRope = StandardRope(hp, RopeMode.Neox, freqFactors: null);
        var localRope = StandardRope(hp, RopeMode.Neox, freqFactors: null, freqBase: hp.RopeFreqBaseSwa ?? hp.RopeFreqBase);
        return new TransformerSpec
        {
            RopeMode = RopeMode.Neox,
            EmbeddingScale = MathF.Sqrt(hp.EmbeddingLength),
            QueryScale = GemmaArchitecture.QueryScale(hp, LayersOf27B),
            KqScale = 1f,
            Activation = FeedForwardActivation.GeGlu,
            AttnSoftcap = file.GetFloat($"{a}.attn_logit_softcapping", 50f),
            FinalSoftcap = file.GetFloat($"{a}.final_logit_softcapping", 30f),
            SlidingWindow = local.Select(isLocal => isLocal ? window : 0).ToArray(),
            Rope = local.Select(isLocal => isLocal ? localRope : globalRope).ToArray(),
        };
    }
}
