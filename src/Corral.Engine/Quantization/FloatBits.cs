using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quantization;

/// <summary>
/// Scalar F16/BF16 conversions exactly as ggml's base library does them (engine.md §2.2): round to nearest
/// even, and every NaN becomes a quiet NaN with the payload dropped (<c>sign | 0x7E00</c> for F16,
/// <c>(bits &gt;&gt; 16) | 0x40</c> for BF16). F16 to F32 goes through a 64K table, which is exact.
/// </summary>
public static class FloatBits
{
    private static readonly float[] s_halfToSingle = BuildHalfTable();

    private static float[] BuildHalfTable()
    {
        var table = new float[65536];
        for (int i = 0; i < table.Length; i++) table[i] = (float)BitConverter.UInt16BitsToHalf((ushort)i);
        return table;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HalfToSingle(ushort h) => s_halfToSingle[h];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SingleToHalf(float f)
    {
        if (float.IsNaN(f)) return (ushort)(((BitConverter.SingleToUInt32Bits(f) >> 16) & 0x8000) | 0x7E00);
        return BitConverter.HalfToUInt16Bits((Half)f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BFloat16ToSingle(ushort b) => BitConverter.UInt32BitsToSingle((uint)b << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SingleToBFloat16(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>Widens a row of F16 values (raw little-endian bits) to F32 (exact).</summary>
    public static void HalfToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length) ThrowHelpers.DestinationTooShort(source.Length, destination.Length);
        int i = 0;
        if (Vector256.IsHardwareAccelerated && CpuIsa.Current >= IsaLevel.Avx2)
        {
            // Move exponent and mantissa into F32 position and rescale by 2^112, which is exact for normal and
            // subnormal halves alike; infinities and NaNs get the all-ones exponent instead.
            var magic = Vector256.Create(0x77800000u).AsSingle(); // 2^112
            var expMantissa = Vector256.Create(0x7fffu);
            var infOrNan = Vector256.Create(0x7c00u);
            var f32Exponent = Vector256.Create(0x7f800000u);
            for (; i + 16 <= source.Length; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Create(source.Slice(i, 16)));
                Convert(lo, magic, expMantissa, infOrNan, f32Exponent).CopyTo(destination[i..]);
                Convert(hi, magic, expMantissa, infOrNan, f32Exponent).CopyTo(destination[(i + 8)..]);
            }
        }
        var table = s_halfToSingle;
        for (; i < source.Length; i++) destination[i] = table[source[i]];

        static Vector256<float> Convert(Vector256<uint> h, Vector256<float> magic, Vector256<uint> expMantissa, Vector256<uint> infOrNan, Vector256<uint> f32Exponent)
        {
            var em = h & expMantissa;
            var scaled = (em << 13).AsSingle() * magic;
            var special = Vector256.GreaterThanOrEqual(em, infOrNan);
            var value = Vector256.ConditionalSelect(special.AsSingle(), ((em << 13) | f32Exponent).AsSingle(), scaled);
            return value | ((h & Vector256.Create(0x8000u)) << 16).AsSingle();
        }
    }

    /// <summary>Widens a row of BF16 values (raw little-endian bits) to F32.</summary>
    public static void BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length) ThrowHelpers.DestinationTooShort(source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++) destination[i] = BitConverter.UInt32BitsToSingle((uint)source[i] << 16);
    }
}
