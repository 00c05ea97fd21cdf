using Corral.Engine.Gguf;
using Corral.Engine.Kernels;

namespace Corral.Engine.Models.Architectures;

/// <summary>
/// One decoder family. An architecture only describes how it differs from the shared skeleton
/// (<see cref="TransformerSpec"/>) and, where its tensor layout is unusual, how to load weights.
/// </summary>
public abstract class DecoderArchitecture
{
    /// <summary>The <c>general.architecture</c> values this class handles.</summary>
    public abstract IReadOnlyList<string> Names { get; }

    /// <summary>Loads the weights; the default handles separate or fused QKV and gate/up, optional biases and norms.</summary>
    public virtual TransformerWeights LoadWeights(TensorLoader loader, ModelHyperparameters hp) => StandardWeights.Load(loader, hp);

    /// <param name="contextLength">The per-sequence context the model is loaded with (phi3 picks RoPE factors from it).</param>
    public abstract TransformerSpec CreateSpec(GgufFile file, ModelHyperparameters hp, TransformerWeights weights, int contextLength);

    /// <summary>
    /// RoPE parameters from the common keys (engine.md §5.2): linear scaling, YaRN when
    /// <c>rope.scaling.type = yarn</c> (magnitude <c>get_mscale(s) / get_mscale(s, log_mul)</c> times the
    /// reciprocal of the factor the kernel re-applies), then <c>rope.scaling.attn_factor</c>.
    /// </summary>
    protected static RopeParameters StandardRope(ModelHyperparameters hp, RopeMode mode, float[]? freqFactors,
        float? freqBase = null, float? freqScale = null, float yarnLogMultiplier = 0f)
    {
        float fs = freqScale ?? hp.RopeFreqScale;
        float ext = hp.RopeScalingType == "yarn" ? 1f : 0f;
        float attn = 1f;
        if (ext != 0)
        {
            float factor = 1f / fs;
            attn = yarnLogMultiplier != 0f ? YarnMscale(factor, 1f) / YarnMscale(factor, yarnLogMultiplier) : YarnMscale(factor, 1f);
            attn *= 1f / (1f + 0.1f * MathF.Log(factor));
        }
        attn *= hp.RopeAttnFactor;
        return new RopeParameters
        {
            Dimensions = hp.RopeDimensions,
            Mode = mode,
            FreqBase = freqBase ?? hp.RopeFreqBase,
            FreqScale = fs,
            FreqFactors = freqFactors,
            ExtFactor = ext,
            AttnFactor = attn,
            BetaFast = hp.YarnBetaFast,
            BetaSlow = hp.YarnBetaSlow,
            OriginalContext = hp.RopeOriginalContext,
        };
    }

    private static float YarnMscale(float scale, float mscale) => scale <= 1f ? 1f : 0.1f * mscale * MathF.Log(scale) + 1f;

    /// <summary>
    /// Which layers use sliding-window attention. <c>{arch}.attention.sliding_window_pattern</c> may be a
    /// period p (layer l is local iff <c>l % p &lt; p − 1</c>; p = 0 makes every layer local) or one flag per
    /// layer; when absent, <paramref name="defaultPeriod"/> applies.
    /// </summary>
    protected static bool[] SlidingWindowLayers(GgufFile file, ModelHyperparameters hp, int defaultPeriod)
    {
        string key = $"{hp.Architecture}.attention.sliding_window_pattern";
        var value = file.Get(key);
        if (value is { IsArray: true })
        {
            int[] flags;
            try { flags = value.AsInt32Array(); }
            catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
            {
                throw new ModelLoadException($"metadata key '{key}' must be a number or an array of per-layer flags");
            }
            if (flags.Length != hp.BlockCount)
                throw new ModelLoadException($"metadata key '{key}' has {flags.Length} per-layer flags, but the model has {hp.BlockCount} layers");
            return flags.Select(f => f != 0).ToArray();
        }
        long period = defaultPeriod;
        if (value != null)
        {
            if (!value.IsNumeric) throw new ModelLoadException($"metadata key '{key}' must be a number or an array of per-layer flags");
            period = value.AsInt64();
            if (period < 0) throw new ModelLoadException($"metadata key '{key}' is {period}; a sliding-window period cannot be negative");
        }
        var local = new bool[hp.BlockCount];
        for (int l = 0; l < local.Length; l++) local[l] = period == 0 || l % period < period - 1;
        return local;
    }

    /// <summary>The same value for every layer.</summary>
    protected static T[] EveryLayer<T>(ModelHyperparameters hp, T value) => Enumerable.Repeat(value, hp.BlockCount).ToArray();

    /// <summary>Fails the load when an architecture requires a tensor the standard loader treats as optional.</summary>
    protected static void Require(bool present, string architecture, string tensor)
    {
        if (!present) throw new ModelLoadException($"{architecture} model is missing tensor '{tensor}'");
    }
}

/// <summary>The registry of supported decoder architectures.</summary>
public static class ArchitectureRegistry
{
    private static readonly DecoderArchitecture[] s_all =
    [
        new LlamaArchitecture(),
        new Mistral3Architecture(),
        new Qwen2Architecture(),
        new Qwen3Architecture(),
        new GemmaArchitecture(),
        new Gemma2Architecture(),
        new Gemma3Architecture(),
        new Phi3Architecture(),
    ];

    public static IEnumerable<string> SupportedNames => s_all.SelectMany(a => a.Names);

    public static DecoderArchitecture Resolve(string architecture)
    {
        foreach (var a in s_all)
            if (a.Names.Contains(architecture)) return a;
        throw new ModelLoadException(
            $"unsupported model architecture '{architecture}'; supported: {string.Join(", ", SupportedNames)}");
    }
}
