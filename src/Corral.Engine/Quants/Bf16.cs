using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>
/// bfloat16 ↔ binary32 conversions (engine.md §2.2): BF16 → F32 is <c>bits &lt;&lt; 16</c>; F32 → BF16 rounds to
/// nearest even, and a NaN keeps its top bits with bit 6 (the quiet bit) forced on.
/// </summary>
public static unsafe class Bf16
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort b) => BitConverter.UInt32BitsToSingle((uint)b << 16);

    public static ushort FromSingle(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    public static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length) ThrowHelpers.DestinationTooShort(nameof(destination));
        fixed (ushort* s = source)
        fixed (float* d = destination)
            ToSingle(s, d, source.Length, CpuIsa.Current);
    }

    public static void FromSingle(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (destination.Length < source.Length) ThrowHelpers.DestinationTooShort(nameof(destination));
        fixed (float* s = source)
        fixed (ushort* d = destination)
            FromSingle(s, d, source.Length, CpuIsa.Current);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ToSingle(ushort* source, float* destination, int count, IsaLevel isa)
    {
        int i = 0;
        if (isa >= IsaLevel.Avx2)
        {
            for (; i + 8 <= count; i += 8)
                ToSingle(Vector128.Load(source + i)).Store(destination + i);
        }
        for (; i < count; i++) destination[i] = ToSingle(source[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void FromSingle(float* source, ushort* destination, int count, IsaLevel isa)
    {
        int i = 0;
        if (isa >= IsaLevel.Avx2)
        {
            for (; i + 8 <= count; i += 8)
                FromSingle(Vector256.Load(source + i)).Store(destination + i);
        }
        for (; i < count; i++) destination[i] = FromSingle(source[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector128<ushort> b) => (Vector256.WidenLower(b.ToVector256Unsafe()) << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector256<ushort> b) => (Vector512.WidenLower(b.ToVector512Unsafe()) << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ushort> FromSingle(Vector256<float> f)
    {
        Vector256<uint> bits = f.AsUInt32();
        Vector256<uint> rounded = (bits + Vector256.Create(0x7FFFu) + ((bits >> 16) & Vector256<uint>.One)) >> 16;
        Vector256<uint> nan = (bits >> 16) | Vector256.Create(0x40u);
        Vector256<uint> isNan = Vector256.GreaterThan(bits & Vector256.Create(0x7FFFFFFFu), Vector256.Create(0x7F800000u));
        Vector256<uint> r = Vector256.ConditionalSelect(isNan, nan, rounded);
        return Vector128.Narrow(r.GetLower(), r.GetUpper());
    }
}
