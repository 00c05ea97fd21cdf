using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Corral.Engine.Quants;

namespace Corral.Engine.Kernels;

/// <summary>
/// Flash-attention for one query head against one sequence's f16 K/V cache, in the two numerical
/// flavours llama.cpp's CPU backend uses (engine.md §6.4):
/// <list type="bullet">
/// <item><see cref="HeadF16Accumulate"/>: fewer than 64 query rows — Q rounded to f16, online softmax
/// with libm expf, the V accumulator kept in f16 and rounded after every update.</item>
/// <item><see cref="HeadF32"/>: 64 or more query rows — everything in f32.</item>
/// </list>
/// Both skip masked cells entirely, so padding and invisible cells have no numeric effect.
/// </summary>
public static unsafe class Attention
{
    /// <summary>Query rows at or above which a prompt chunk uses the f32 path.</summary>
    public const int F32PathMinRows = 64;

    /// <param name="q">Query head, length headDimK (f32, already rotated).</param>
    /// <param name="k">Key cache base for this KV head: cell j starts at k + j·kvStride.</param>
    /// <param name="v">Value cache base for this KV head.</param>
    /// <param name="kStride">Elements between consecutive key cells (n_kv_heads · head_dim_k).</param>
    /// <param name="vStride">Elements between consecutive value cells.</param>
    /// <param name="first">First visible cell (sliding window), inclusive.</param>
    /// <param name="last">Last visible cell (the query's own position), inclusive.</param>
    /// <param name="scale">Score scale (1/√d, or 1 when the query was pre-scaled).</param>
    /// <param name="softcap">Gemma-2 logit soft-cap c, or 0.</param>
    /// <param name="output">Result, length headDimV.</param>
    /// <param name="qf16">Scratch for the f16-rounded query, length headDimK.</param>
    /// <param name="acc">Scratch for the f16 accumulator (stored as f32 values that are exactly f16), length headDimV.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void HeadF16Accumulate(ReadOnlySpan<float> q, ushort* k, ushort* v, int kStride, int vStride, int first, int last,
        float scale, float softcap, Span<float> output, Span<float> qf16, Span<float> acc)
    {
        int dk = q.Length, dv = output.Length;
        for (int i = 0; i < dk; i++) qf16[i] = Round(q[i]);
        acc.Clear();
        float m = float.NegativeInfinity, s = 0f;
        if (softcap != 0) scale /= softcap;
        for (int j = first; j <= last; j++)
        {
            float score = DotF16(qf16, k + (long)j * kStride) * scale;
            if (softcap != 0) score = softcap * MathF.Tanh(score);
            float ms = 1f, vs = 1f;
            if (score > m)
            {
                float mOld = m;
                m = score;
                ms = MathF.Exp(mOld - m);
                for (int i = 0; i < dv; i++) acc[i] = Round(acc[i] * ms);
            }
            else
            {
                vs = MathF.Exp(score - m);
            }
            ushort* vj = v + (long)j * vStride;
            for (int i = 0; i < dv; i++) acc[i] = Round(MathF.FusedMultiplyAdd(Fp16.ToSingle(vj[i]), vs, acc[i]));
            s = s * ms + vs;
        }
        float inv = s == 0f ? 0f : 1.0f / s;
        for (int i = 0; i < dv; i++) output[i] = acc[i] * inv;
    }

    /// <summary>The ≥64-row variant: f32 query, f32 running softmax (SIMD exp), f32 accumulator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void HeadF32(ReadOnlySpan<float> q, ushort* k, ushort* v, int kStride, int vStride, int first, int last,
        float scale, float softcap, Span<float> output, Span<float> acc)
    {
        int dv = output.Length;
        acc.Clear();
        float m = float.NegativeInfinity, s = 0f;
        if (softcap != 0) scale /= softcap; // as ggml folds it into the kernel scale
        for (int j = first; j <= last; j++)
        {
            float score = DotF16F32(q, k + (long)j * kStride) * scale;
            if (softcap != 0) score = softcap * MathF.Tanh(score);
            float ms = 1f, vs = 1f;
            if (score > m)
            {
                ms = m == float.NegativeInfinity ? 0f : MathF.Exp(m - score);
                m = score;
                for (int i = 0; i < dv; i++) acc[i] *= ms;
            }
            else
            {
                vs = MathF.Exp(score - m);
            }
            ushort* vj = v + (long)j * vStride;
            for (int i = 0; i < dv; i++) acc[i] = MathF.FusedMultiplyAdd(Fp16.ToSingle(vj[i]), vs, acc[i]);
            s = s * ms + vs;
        }
        float inv = s == 0f ? 0f : 1.0f / s;
        for (int i = 0; i < dv; i++) output[i] = acc[i] * inv;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Round(float f) => Fp16.ToSingle(Fp16.FromSingle(f));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotF16(ReadOnlySpan<float> qRounded, ushort* k)
    {
        // Products of f16 values are exact in f32; ggml sums them in double on the scalar path.
        double sum = 0;
        for (int i = 0; i < qRounded.Length; i++) sum += qRounded[i] * Fp16.ToSingle(k[i]);
        return (float)sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotF16F32(ReadOnlySpan<float> q, ushort* k)
    {
        float sum = 0;
        for (int i = 0; i < q.Length; i++) sum = MathF.FusedMultiplyAdd(q[i], Fp16.ToSingle(k[i]), sum);
        return sum;
    }
}
