namespace Corral.Engine.Kernels;

/// <summary>How RoPE pairs dimensions: adjacent (llama's permuted weights) or split halves (NEOX).</summary>
public enum RopeMode
{
    Normal = 0,
    Neox = 2,
}

/// <summary>Parameters of one RoPE application (engine.md §5).</summary>
public sealed class RopeParameters
{
    public required int Dimensions { get; init; }
    public required RopeMode Mode { get; init; }
    public float FreqBase { get; init; } = 10000f;
    public float FreqScale { get; init; } = 1f;
    /// <summary>Per-pair divisors (<c>rope_freqs</c>, LongRoPE factors), length Dimensions/2, or null.</summary>
    public float[]? FreqFactors { get; init; }
    public float ExtFactor { get; init; }
    public float AttnFactor { get; init; } = 1f;
    public float BetaFast { get; init; } = 32f;
    public float BetaSlow { get; init; } = 1f;
    public int OriginalContext { get; init; }
}

/// <summary>
/// Rotary position embedding as ggml_rope_ext computes it: θ advances by repeated multiplication with
/// <c>powf(base, −2/n_dims)</c>, optional frequency factors and YaRN ramp, then pairs are rotated.
/// </summary>
public static class Rope
{
    /// <summary>Fills <paramref name="cos"/>/<paramref name="sin"/> (length Dimensions/2) for one position.</summary>
    public static void ComputeCache(RopeParameters p, int position, Span<float> cos, Span<float> sin)
    {
        int nDims = p.Dimensions;
        float thetaScale = MathF.Pow(p.FreqBase, -2.0f / nDims);
        float corrLo = 0, corrHi = 0;
        if (p.ExtFactor != 0)
        {
            (corrLo, corrHi) = YarnCorrDims(nDims, p.OriginalContext, p.FreqBase, p.BetaFast, p.BetaSlow);
        }
        float theta = position;
        for (int i = 0; i < nDims / 2; i++)
        {
            float ff = p.FreqFactors != null ? p.FreqFactors[i] : 1.0f;
            float thetaExtrap = theta / ff;
            float thetaInterp = p.FreqScale * thetaExtrap;
            float angle = thetaInterp;
            float mscale = p.AttnFactor;
            if (p.ExtFactor != 0)
            {
                float y = (i - corrLo) / MathF.Max(0.001f, corrHi - corrLo);
                float ramp = 1 - MathF.Min(1, MathF.Max(0, y));
                float mix = ramp * p.ExtFactor;
                angle = thetaInterp * (1 - mix) + thetaExtrap * mix;
                mscale *= 1.0f + 0.1f * MathF.Log(1.0f / p.FreqScale);
            }
            cos[i] = MathF.Cos(angle) * mscale;
            sin[i] = MathF.Sin(angle) * mscale;
            theta *= thetaScale;
        }
    }

    private static (float, float) YarnCorrDims(int nDims, int nCtxOrig, float freqBase, float betaFast, float betaSlow)
    {
        static float CorrDim(int nDims, int nCtxOrig, float nRot, float b) =>
            nDims * MathF.Log(nCtxOrig / (nRot * 2 * MathF.PI)) / (2 * MathF.Log(b));
        float start = MathF.Floor(CorrDim(nDims, nCtxOrig, betaFast, freqBase));
        float end = MathF.Ceiling(CorrDim(nDims, nCtxOrig, betaSlow, freqBase));
        return (MathF.Max(0, start), MathF.Min(nDims - 1, end));
    }

    /// <summary>Rotates every head of <paramref name="x"/> (heads × headDim, contiguous) in place.</summary>
    public static void Apply(Span<float> x, int headDim, RopeMode mode, int nDims, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        int half = nDims / 2;
        for (int off = 0; off + headDim <= x.Length; off += headDim)
        {
            var h = x.Slice(off, headDim);
            if (mode == RopeMode.Neox)
            {
                for (int i = 0; i < half; i++)
                {
                    float a = h[i], b = h[i + half];
                    h[i] = a * cos[i] - b * sin[i];
                    h[i + half] = a * sin[i] + b * cos[i];
                }
            }
            else
            {
                for (int i = 0; i < half; i++)
                {
                    float a = h[2 * i], b = h[2 * i + 1];
                    h[2 * i] = a * cos[i] - b * sin[i];
                    h[2 * i + 1] = a * sin[i] + b * cos[i];
                }
            }
        }
    }
}
