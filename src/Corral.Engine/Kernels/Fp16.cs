using System.Runtime.CompilerServices;

namespace Corral.Engine.Kernels;

/// <summary>IEEE binary16 conversions with round-to-nearest-even, as F16C's vcvtps2ph does.</summary>
public static class Fp16
{
    private static readonly float[] s_toFloat = BuildTable();

    private static float[] BuildTable()
    {
        var t = new float[65536];
        for (int i = 0; i < t.Length; i++) t[i] = (float)BitConverter.UInt16BitsToHalf((ushort)i);
        return t;
    }

    /// <summary>The 65,536-entry f16 → f32 table (exact); cheaper than <c>(float)Half</c> per element.</summary>
    public static ReadOnlySpan<float> Table => s_toFloat;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToFloat(ushort h) => Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(s_toFloat), h);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromFloat(float f) => BitConverter.HalfToUInt16Bits((Half)f);

    /// <summary>Rounds <paramref name="f"/> through f16 and back.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Round(float f) => ToFloat(FromFloat(f));

    public static void FromFloat(ReadOnlySpan<float> src, Span<ushort> dst)
    {
        System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(src, System.Runtime.InteropServices.MemoryMarshal.Cast<ushort, Half>(dst));
    }

    public static void ToFloat(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        for (int i = 0; i < src.Length; i++) dst[i] = ToFloat(src[i]);
    }
}
