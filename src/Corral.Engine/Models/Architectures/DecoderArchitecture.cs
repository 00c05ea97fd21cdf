using Corral.Engine.Gguf;

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

    /// <summary>RoPE parameters from the common keys (linear scaling, YaRN, frequency factors).</summary>
    protected static Kernels.RopeParameters StandardRope(ModelHyperparameters hp, Kernels.RopeMode mode, float[]? freqFactors, float? freqBase = null, float? freqScale = null)
    {
        float fs = freqScale ?? hp.RopeFreqScale;
        float ext = hp.RopeScalingType == "yarn" ? 1f : 0f;
        float attn = 1f;
        if (ext != 0)
        {
            float factor = 1f / fs;
            float mscale = factor <= 1 ? 1 : 1 + 0.1f * MathF.Log(factor);
            attn = mscale * (1f / (1f + 0.1f * MathF.Log(factor)));
        }
        attn *= hp.RopeAttnFactor;
        return new Kernels.RopeParameters
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
}

/// <summary>The registry of supported decoder architectures.</summary>
public static class ArchitectureRegistry
{
    private static readonly DecoderArchitecture[] s_all =
    [
        new LlamaArchitecture(),
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
