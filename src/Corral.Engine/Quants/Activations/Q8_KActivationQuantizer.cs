using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corral.Engine.Quants;

/// <summary>
/// f32 → Q8_K, llama.cpp's reference quantizer, which x86 builds also use at run time (engine.md §2.6, §3.1):
/// <c>max</c> is the first value with the largest |x|, <c>iscale = −127/max</c>, <c>q = min(127, nearest_int(iscale·x))</c>,
/// <c>d = 1/iscale</c> stored as f32 (negative when max &gt; 0), plus the sum of every 16 values.
/// Scalar reference and identical vector paths.
/// </summary>
internal static unsafe class Q8_KActivationQuantizer
{
    public static void QuantizeScalar(float* x, BlockQ8_K* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x += 256, y++)
        {
            float amax = 0, max = 0;
            for (int j = 0; j < 256; j++)
            {
                float ax = MathF.Abs(x[j]);
                if (ax > amax) { amax = ax; max = x[j]; }
            }
            if (amax == 0f) { Clear(y); continue; }
            float iscale = -127f / max;
            for (int g = 0; g < 16; g++)
            {
                int sum = 0;
                for (int l = 0; l < 16; l++)
                {
                    // Stored as int8 by truncation, like the C assignment; bsums add the stored values.
                    sbyte q = (sbyte)Math.Min(127, NearestInt(iscale * x[16 * g + l]));
                    y->Qs[16 * g + l] = q;
                    sum += q;
                }
                y->BSums[g] = (short)sum;
            }
            y->D = 1f / iscale;
        }
    }

    /// <summary>llama.cpp's <c>nearest_int</c>: round to nearest even through the 1.5·2^23 trick, bit for bit (also for NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int NearestInt(float f) => (BitConverter.SingleToInt32Bits(f + 12582912f) & 0x7FFFFF) - 0x400000;

    private static void Clear(BlockQ8_K* y) => Unsafe.InitBlockUnaligned(y, 0, (uint)sizeof(BlockQ8_K));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QuantizeAvx2(float* x, BlockQ8_K* y, int blocks)
    {
        var magic = Vector256.Create(12582912f);
        var mantissa = Vector256.Create(0x7FFFFF);
        var offset = Vector256.Create(0x400000);
        var limit = Vector256.Create(127);
        for (int b = 0; b < blocks; b++, x += 256, y++)
        {
            var m = Vector256<float>.Zero;
            for (int j = 0; j < 256; j += 8) m = Avx.Max(ActivationRounding.Abs(Avx.LoadVector256(x + j)), m);
            float amax = ActivationRounding.HorizontalMax(m);
            if (amax == 0f) { Clear(y); continue; }
            float max = x[FirstIndexOfMagnitude(x, amax)];
            float iscale = -127f / max;
            var mul = Vector256.Create(iscale);
            for (int g = 0; g < 16; g++)
            {
                float* xg = x + 16 * g;
                var q0 = TruncateToSByte(Avx2.Min(Avx2.Subtract(Avx2.And(Avx.Add(Avx.Multiply(Avx.LoadVector256(xg), mul), magic).AsInt32(), mantissa), offset), limit));
                var q1 = TruncateToSByte(Avx2.Min(Avx2.Subtract(Avx2.And(Avx.Add(Avx.Multiply(Avx.LoadVector256(xg + 8), mul), magic).AsInt32(), mantissa), offset), limit));
                y->BSums[g] = (short)Vector256.Sum(q0 + q1);
                var packed = Sse2.PackSignedSaturate(Avx2.PackSignedSaturate(q0, q1).GetLower(), Avx2.PackSignedSaturate(q0, q1).GetUpper());
                // packs works per 128-bit lane: q0.lo, q1.lo, q0.hi, q1.hi → reorder the four 4-byte groups.
                Sse2.Store((sbyte*)y->Qs + 16 * g, Sse2.Shuffle(packed.AsInt32(), 0b11_01_10_00).AsSByte());
            }
            y->D = 1f / iscale;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QuantizeAvx512(float* x, BlockQ8_K* y, int blocks)
    {
        var magic = Vector512.Create(12582912f);
        var mantissa = Vector512.Create(0x7FFFFF);
        var offset = Vector512.Create(0x400000);
        var limit = Vector512.Create(127);
        for (int b = 0; b < blocks; b++, x += 256, y++)
        {
            var m = Vector512<float>.Zero;
            for (int j = 0; j < 256; j += 16) m = Avx512F.Max(ActivationRounding.Abs(Avx512F.LoadVector512(x + j)), m);
            float amax = ActivationRounding.HorizontalMax(Avx.Max(m.GetLower(), m.GetUpper()));
            if (amax == 0f) { Clear(y); continue; }
            float max = x[FirstIndexOfMagnitude(x, amax)];
            float iscale = -127f / max;
            var mul = Vector512.Create(iscale);
            for (int g = 0; g < 16; g++)
            {
                var q = Avx512F.Min(Avx512F.Subtract(Avx512F.And(Avx512F.Add(Avx512F.Multiply(Avx512F.LoadVector512(x + 16 * g), mul), magic).AsInt32(), mantissa), offset), limit);
                y->BSums[g] = (short)Vector512.Sum(Avx512F.ShiftRightArithmetic(Avx512F.ShiftLeftLogical(q, 24), 24));
                Avx512F.ConvertToVector128SByte(q).Store(y->Qs + 16 * g);
            }
            y->D = 1f / iscale;
        }
    }

    // Only a NaN input can leave int8 range; truncating it like the scalar cast keeps the paths identical.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> TruncateToSByte(Vector256<int> q) => Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(q, 24), 24);

    // The first j with |x_j| == amax: what the scalar scan's strict '>' keeps.
    private static int FirstIndexOfMagnitude(float* x, float amax)
    {
        var target = Vector256.Create(amax);
        for (int j = 0; j < 256; j += 8)
        {
            uint hits = Vector256.Equals(ActivationRounding.Abs(Avx.LoadVector256(x + j)), target).ExtractMostSignificantBits();
            if (hits != 0) return j + BitOperations.TrailingZeroCount(hits);
        }
        return 0; // unreachable: amax is one of the magnitudes
    }
}
