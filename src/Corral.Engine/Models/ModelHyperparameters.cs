using Corral.Engine.Gguf;

namespace Corral.Engine.Models;

/// <summary>
/// The decoder hyper-parameters every architecture shares, read from <c>{arch}.*</c> keys with
/// llama.cpp's defaults (engine.md §1.2). Keys of any numeric type are accepted.
/// </summary>
public sealed record ModelHyperparameters
{
    public required string Architecture { get; init; }
    public required int EmbeddingLength { get; init; }
    public required int BlockCount { get; init; }
    public required int HeadCount { get; init; }
    public required int HeadCountKv { get; init; }
    public required int HeadDimK { get; init; }
    public required int HeadDimV { get; init; }
    public required int FeedForwardLength { get; init; }
    public required int ContextLength { get; init; }
    public required float RmsEps { get; init; }
    public required float LayerNormEps { get; init; }
    public required int RopeDimensions { get; init; }
    public required float RopeFreqBase { get; init; }
    public float? RopeFreqBaseSwa { get; init; }
    public required float RopeFreqScale { get; init; }
    public required string RopeScalingType { get; init; }
    public float RopeAttnFactor { get; init; } = 1f;
    public int RopeOriginalContext { get; init; }
    public float YarnBetaFast { get; init; } = 32f;
    public float YarnBetaSlow { get; init; } = 1f;
    public int SlidingWindow { get; init; }
    public float AttnLogitSoftcap { get; init; }
    public float FinalLogitSoftcap { get; init; }
    public bool Causal { get; init; } = true;
    public int PoolingType { get; init; }
    public int VocabSize { get; init; }

    public int EmbeddingLengthKv => HeadCountKv * HeadDimK;
    public int EmbeddingLengthKvV => HeadCountKv * HeadDimV;

    public static ModelHyperparameters Read(GgufFile f)
    {
        string a = f.Architecture;
        if (a.Length == 0) throw new ModelLoadException("the file has no general.architecture key; it is not a model file");
        int Req(string key)
        {
            var v = f.Get($"{a}.{key}");
            if (v == null) throw new ModelLoadException($"missing metadata key '{a}.{key}'");
            if (v.IsArray)
            {
                // Per-layer arrays (e.g. head_count_kv): take the maximum; uniform in the architectures supported.
                var arr = v.AsInt32Array();
                return arr.Length == 0 ? 0 : arr.Max();
            }
            return checked((int)v.AsInt64());
        }
        int Opt(string key, int def)
        {
            var v = f.Get($"{a}.{key}");
            if (v == null) return def;
            if (v.IsArray) { var arr = v.AsInt32Array(); return arr.Length == 0 ? def : arr.Max(); }
            return checked((int)v.AsInt64());
        }
        int nEmbd = Req("embedding_length");
        int nHead = Req("attention.head_count");
        int nHeadKv = Opt("attention.head_count_kv", nHead);
        if (nHead <= 0 || nHeadKv <= 0 || nHead % nHeadKv != 0)
            throw new ModelLoadException($"invalid attention head counts: {nHead} query heads, {nHeadKv} key/value heads");
        int hdK = Opt("attention.key_length", nEmbd / nHead);
        int hdV = Opt("attention.value_length", nEmbd / nHead);
        int nCtxTrain = Req("context_length");
        float scale = f.GetFloat($"{a}.rope.scaling.factor") ?? f.GetFloat($"{a}.rope.scale_linear") ?? 0f;
        string scalingType = f.GetString($"{a}.rope.scaling.type") ?? "linear";
        float freqScale = scale == 0f ? 1f : 1f / scale;
        if (scalingType == "none") freqScale = 1f;
        int vocab = checked((int)(f.GetInt($"{a}.vocab_size") ?? f.Get("tokenizer.ggml.tokens")?.ArrayLength ?? 0));
        return new ModelHyperparameters
        {
            Architecture = a,
            EmbeddingLength = nEmbd,
            BlockCount = Req("block_count"),
            HeadCount = nHead,
            HeadCountKv = nHeadKv,
            HeadDimK = hdK,
            HeadDimV = hdV,
            FeedForwardLength = Opt("feed_forward_length", 0),
            ContextLength = nCtxTrain,
            RmsEps = f.GetFloat($"{a}.attention.layer_norm_rms_epsilon", 1e-5f),
            LayerNormEps = f.GetFloat($"{a}.attention.layer_norm_epsilon", 1e-5f),
            RopeDimensions = Opt("rope.dimension_count", hdK),
            RopeFreqBase = f.GetFloat($"{a}.rope.freq_base", 10000f),
            RopeFreqBaseSwa = f.GetFloat($"{a}.rope.freq_base_swa"),
            RopeFreqScale = freqScale,
            RopeScalingType = scalingType,
            RopeAttnFactor = f.GetFloat($"{a}.rope.scaling.attn_factor", 1f),
            RopeOriginalContext = Opt("rope.scaling.original_context_length", nCtxTrain),
            YarnBetaFast = f.GetFloat($"{a}.rope.scaling.yarn_beta_fast", 32f),
            YarnBetaSlow = f.GetFloat($"{a}.rope.scaling.yarn_beta_slow", 1f),
            SlidingWindow = Opt("attention.sliding_window", 0),
            AttnLogitSoftcap = f.GetFloat($"{a}.attn_logit_softcapping", 0f),
            FinalLogitSoftcap = f.GetFloat($"{a}.final_logit_softcapping", 0f),
            Causal = f.GetBool($"{a}.attention.causal", true),
            PoolingType = (int)f.GetInt($"{a}.pooling_type", 0),
            VocabSize = vocab,
        };
    }
}
