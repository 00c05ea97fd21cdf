using System.Runtime.CompilerServices;

namespace Corral.Engine.Kernels;

/// <summary>
/// RMSNorm as ggml computes it: squares in f32, their sum in double, <c>scale = 1/sqrtf(mean + eps)</c>,
/// then <c>(x·scale)·w</c> (the weight multiply is a separate op in ggml, so two roundings).
/// </summary>
public static class RmsNorm
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y, float eps)
    {
        int n = x.Length;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float sq = x[i] * x[i];
            sum += sq;
        }
        float mean = (float)(sum / n);
        float scale = 1.0f / MathF.Sqrt(mean + eps);
        if (weight.IsEmpty)
        {
            for (int i = 0; i < n; i++) y[i] = x[i] * scale;
        }
        else
        {
            for (int i = 0; i < n; i++) y[i] = x[i] * scale * weight[i];
        }
    }

    /// <summary>In-place per-head RMSNorm (qwen3/gemma3 Q/K norms) over <paramref name="headDim"/>-wide slices.</summary>
    public static void ApplyPerHead(Span<float> x, int headDim, ReadOnlySpan<float> weight, float eps)
    {
        for (int off = 0; off + headDim <= x.Length; off += headDim)
        {
            var head = x.Slice(off, headDim);
            Apply(head, weight, head, eps);
        }
    }
}
