using System.Runtime.CompilerServices;

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

    /// <summary>Widens a row of F16 values (raw little-endian bits) to F32.</summary>
    public static void HalfToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length) ThrowHelpers.DestinationTooShort(source.Length, destination.Length);
        var table = s_halfToSingle;
        for (int i = 0; i < source.Length; i++) destination[i] = table[source[i]];
    }

    /// <summary>Widens a row of BF16 values (raw little-endian bits) to F32.</summary>
    public static void BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length) ThrowHelpers.DestinationTooShort(source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++) destination[i] = BitConverter.UInt32BitsToSingle((uint)source[i] << 16);
    }
}
