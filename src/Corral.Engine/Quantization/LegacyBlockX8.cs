using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Corral.Engine.Quantization;

/// <summary>
/// Vector256 helpers for the 32-value legacy blocks (Q4_0 … Q8_0). Reductions here are order-independent
/// (max/min of finite values); where the reference keeps the first of equal candidates (strict comparisons),
/// the winner is found afterwards as the first element equal to the extreme value, so signed zeros and ±ties
/// resolve exactly as in the scalar loop.
/// </summary>
internal static class LegacyBlockX8
{
    public static bool IsEnabled => KQuantSearchX8.IsEnabled;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load(ReadOnlySpan<float> block, out Vector256<float> v0, out Vector256<float> v1, out Vector256<float> v2, out Vector256<float> v3)
    {
        v0 = Vector256.Create(block[..8]);
        v1 = Vector256.Create(block.Slice(8, 8));
        v2 = Vector256.Create(block.Slice(16, 8));
        v3 = Vector256.Create(block.Slice(24, 8));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HorizontalMax(Vector256<float> v)
    {
        float m = v.GetElement(0);
        for (int i = 1; i < 8; i++) { float e = v.GetElement(i); if (e > m) m = e; }
        return m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HorizontalMin(Vector256<float> v)
    {
        float m = v.GetElement(0);
        for (int i = 1; i < 8; i++) { float e = v.GetElement(i); if (e < m) m = e; }
        return m;
    }

    /// <summary>max |x| of the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AbsMax(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3) =>
        HorizontalMax(Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3))));

    /// <summary>The first element whose magnitude is the block's largest (the reference's strict-&gt; scan), or 0 for an all-zero block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SignedAbsMax(ReadOnlySpan<float> block, Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3)
    {
        float amax = AbsMax(v0, v1, v2, v3);
        if (amax == 0) return 0;
        var a = Vector256.Create(amax);
        return block[FirstEqual(Vector256.Abs(v0), Vector256.Abs(v1), Vector256.Abs(v2), Vector256.Abs(v3), a)];
    }

    /// <summary>The block's min and max as the reference's in-order scan keeps them (first of equal values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MinMax(ReadOnlySpan<float> block, Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3,
        out float min, out float max)
    {
        float minValue = HorizontalMin(Vector256.Min(Vector256.Min(v0, v1), Vector256.Min(v2, v3)));
        float maxValue = HorizontalMax(Vector256.Max(Vector256.Max(v0, v1), Vector256.Max(v2, v3)));
        min = block[FirstEqual(v0, v1, v2, v3, Vector256.Create(minValue))];
        max = block[FirstEqual(v0, v1, v2, v3, Vector256.Create(maxValue))];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FirstEqual(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3, Vector256<float> value)
    {
        ulong bits = Vector256.ExtractMostSignificantBits(Vector256.Equals(v0, value))
            | (ulong)Vector256.ExtractMostSignificantBits(Vector256.Equals(v1, value)) << 8
            | (ulong)Vector256.ExtractMostSignificantBits(Vector256.Equals(v2, value)) << 16
            | (ulong)Vector256.ExtractMostSignificantBits(Vector256.Equals(v3, value)) << 24;
        return BitOperations.TrailingZeroCount(bits); // the value came from the block, so some bit is set
    }

    /// <summary>roundf (halves away from zero) on every lane, exactly: truncate, then step out when the remainder is ≥ ½.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> RoundHalfAwayFromZero(Vector256<float> v)
    {
        var t = Vector256.Truncate(v);
        var away = Vector256.GreaterThanOrEqual(Vector256.Abs(v - t), Vector256.Create(0.5f));
        var step = (v & Vector256.Create(-0f)) | Vector256.Create(1f);
        return Vector256.ConvertToInt32(t + (step & away));
    }

    /// <summary>Packs 32 values in [0, 15] (j in the low nibble, j+16 in the high one) into 16 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackNibbles(Vector256<int> q0, Vector256<int> q1, Vector256<int> q2, Vector256<int> q3, Span<byte> destination)
    {
        var lo = Vector256.Narrow(q0 | (q2 << 4), q1 | (q3 << 4)); // 16 shorts
        var bytes = Vector128.Narrow(lo.GetLower(), lo.GetUpper());
        bytes.AsByte().CopyTo(destination);
    }

    /// <summary>Bit 4 of each of 32 values, element j at bit j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint HighBits(Vector256<int> q0, Vector256<int> q1, Vector256<int> q2, Vector256<int> q3)
    {
        var sixteen = Vector256.Create(16);
        return Vector256.ExtractMostSignificantBits(Vector256.Equals(q0 & sixteen, sixteen))
            | Vector256.ExtractMostSignificantBits(Vector256.Equals(q1 & sixteen, sixteen)) << 8
            | Vector256.ExtractMostSignificantBits(Vector256.Equals(q2 & sixteen, sixteen)) << 16
            | Vector256.ExtractMostSignificantBits(Vector256.Equals(q3 & sixteen, sixteen)) << 24;
    }
}
