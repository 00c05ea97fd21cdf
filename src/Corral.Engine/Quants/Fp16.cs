using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>
/// IEEE-754 binary16 ↔ binary32 conversions (engine.md §2.2), on raw <c>ushort</c> bits as GGUF stores them.
/// F16 → F32 is exact. F32 → F16 rounds to nearest even; <see cref="FromSingle(float)"/> keeps the
/// hardware (F16C <c>vcvtps2ph</c>) NaN rule that llama.cpp's CPU backend uses for activations and the
/// KV cache, <see cref="FromSingleReference"/> the base-library rule its quantizers use.
/// </summary>
public static unsafe class Fp16
{
    /// <summary>
    /// All 65,536 conversions, for the block scales that kernels convert one at a time:
    /// a load from this table is cheaper than the bit manipulation (see notes/cpu-speed-probe.md).
    /// </summary>
    public static readonly float* Table = BuildTable();

    /// <summary>Exact f16 → f32 through <see cref="Table"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort h) => Table[h];

    /// <summary>Exact f16 → f32 computed from the bits (builds <see cref="Table"/>; the reference for the vector path).</summary>
    public static float ToSingleComputed(ushort h)
    {
        uint sign = (uint)(h & 0x8000) << 16;
        uint magnitude = (uint)(h & 0x7FFF);
        uint bits;
        if (magnitude < 0x0400)
        {
            // Subnormal or zero: m · 2^-24 is exact in f32 and always normal there.
            bits = BitConverter.SingleToUInt32Bits(magnitude * (1f / 16777216f));
        }
        else if (magnitude < 0x7C00)
        {
            bits = (magnitude << 13) + 0x38000000; // rebias exponent 15 → 127
        }
        else
        {
            bits = (magnitude << 13) + 0x70000000; // inf/NaN keep exponent all-ones
            if (magnitude > 0x7C00) bits |= 0x00400000; // NaNs come out quiet, as F16C makes them
        }
        return BitConverter.UInt32BitsToSingle(bits | sign);
    }

    /// <summary>f32 → f16, round to nearest even; NaN stays NaN with the quiet bit set and the top payload bits kept (F16C).</summary>
    public static ushort FromSingle(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        uint sign = (bits >> 16) & 0x8000;
        uint a = bits & 0x7FFFFFFF;
        uint h;
        if (a > 0x7F800000) h = 0x7E00 | ((a >> 13) & 0x3FF);
        else h = FiniteOrInfinity(a);
        return (ushort)(h | sign);
    }

    /// <summary>f32 → f16 as llama.cpp's base library converts (quantized files): like <see cref="FromSingle(float)"/> except every NaN becomes <c>sign | 0x7E00</c>.</summary>
    public static ushort FromSingleReference(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        uint sign = (bits >> 16) & 0x8000;
        uint a = bits & 0x7FFFFFFF;
        return (ushort)((a > 0x7F800000 ? 0x7E00u : FiniteOrInfinity(a)) | sign);
    }

    // |x| bits (not NaN) → f16 magnitude bits with round to nearest even.
    private static uint FiniteOrInfinity(uint a)
    {
        if (a >= OverflowBits) return 0x7C00;
        if (a < MinNormalBits)
        {
            // Adding 0.5 puts the binary point at 2^-24, the f16 subnormal step: the float add does the rounding.
            return BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(a) + 0.5f) - 0x3F000000;
        }
        return (a + RebiasAndHalf + ((a >> 13) & 1)) >> 13;
    }

    // 2^112: the exponent bias difference between f32 (127) and f16 (15).
    private const float Pow2To112 = 5.192296858534828E+33f;

    // 65520, the first magnitude that rounds to infinity (halfway between 65504 and 2^16, ties to even go up).
    private const uint OverflowBits = 0x477FF000;
    // 2^-14, the smallest normal f16.
    private const uint MinNormalBits = 0x38800000;
    // Exponent rebias 127 → 15 plus just under half an f16 ulp; adding the kept lsb makes ties round to even.
    private const uint RebiasAndHalf = 0xC8000FFF;

    /// <summary>Converts a run of f16 values exactly; vectorized where the hardware allows.</summary>
    public static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length) ThrowHelpers.DestinationTooShort(nameof(destination));
        fixed (ushort* s = source)
        fixed (float* d = destination)
            ToSingle(s, d, source.Length, CpuIsa.Current);
    }

    /// <summary>Converts a run of f32 values to f16 (round to nearest even, F16C NaN rule); vectorized where the hardware allows.</summary>
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
        if (isa >= IsaLevel.Avx512)
        {
            for (; i + 16 <= count; i += 16)
                ToSingle(Vector256.Load(source + i)).Store(destination + i);
        }
        if (isa >= IsaLevel.Avx2)
        {
            for (; i + 8 <= count; i += 8)
                ToSingle(Vector128.Load(source + i)).Store(destination + i);
        }
        for (; i < count; i++) destination[i] = Table[source[i]];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void FromSingle(float* source, ushort* destination, int count, IsaLevel isa)
    {
        int i = 0;
        if (isa >= IsaLevel.Avx512)
        {
            for (; i + 16 <= count; i += 16)
                FromSingle(Vector512.Load(source + i)).Store(destination + i);
        }
        if (isa >= IsaLevel.Avx2)
        {
            for (; i + 8 <= count; i += 8)
                FromSingle(Vector256.Load(source + i)).Store(destination + i);
        }
        for (; i < count; i++) destination[i] = FromSingle(source[i]);
    }

    /// <summary>Eight f16 → eight f32, exactly (the vector form of <see cref="ToSingleComputed"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector128<ushort> h)
    {
        Vector256<uint> x = Vector256.WidenLower(h.ToVector256Unsafe()) ;
        Vector256<uint> sign = (x & Vector256.Create(0x8000u)) << 16;
        Vector256<uint> magnitude = x & Vector256.Create(0x7FFFu);
        Vector256<uint> shifted = magnitude << 13;
        Vector256<uint> normal = shifted + Vector256.Create(0x38000000u);
        Vector256<uint> special = shifted + Vector256.Create(0x70000000u) | (Vector256.GreaterThan(magnitude, Vector256.Create(0x7C00u)) & Vector256.Create(0x00400000u));
        Vector256<uint> subnormal = (Vector256.ConvertToSingle(magnitude.AsInt32()) * Vector256.Create(1f / 16777216f)).AsUInt32();
        Vector256<uint> result = Vector256.ConditionalSelect(Vector256.LessThan(magnitude, Vector256.Create(0x0400u)), subnormal,
            Vector256.ConditionalSelect(Vector256.LessThan(magnitude, Vector256.Create(0x7C00u)), normal, special));
        return (result | sign).AsSingle();
    }

    /// <summary>Sixteen f16 → sixteen f32, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector256<ushort> h)
    {
        Vector512<uint> x = Vector512.WidenLower(h.ToVector512Unsafe());
        Vector512<uint> sign = (x & Vector512.Create(0x8000u)) << 16;
        Vector512<uint> magnitude = x & Vector512.Create(0x7FFFu);
        Vector512<uint> shifted = magnitude << 13;
        Vector512<uint> normal = shifted + Vector512.Create(0x38000000u);
        Vector512<uint> special = shifted + Vector512.Create(0x70000000u) | (Vector512.GreaterThan(magnitude, Vector512.Create(0x7C00u)) & Vector512.Create(0x00400000u));
        Vector512<uint> subnormal = (Vector512.ConvertToSingle(magnitude.AsInt32()) * Vector512.Create(1f / 16777216f)).AsUInt32();
        Vector512<uint> result = Vector512.ConditionalSelect(Vector512.LessThan(magnitude, Vector512.Create(0x0400u)), subnormal,
            Vector512.ConditionalSelect(Vector512.LessThan(magnitude, Vector512.Create(0x7C00u)), normal, special));
        return (result | sign).AsSingle();
    }

    /// <summary>
    /// Eight f16 → f32, exactly, in fewer steps for dot-product kernels: sign-extend, shift the exponent and mantissa into
    /// place, and multiply by 2^112 to rebias (exact for zeros, subnormals and normals alike). Infinity and NaN, which
    /// the multiply would get wrong, send the vector to <see cref="ToSingle(Vector128{ushort})"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingleFast(Vector128<ushort> h)
    {
        if (Sse2.MoveMask(Sse2.CompareEqual(Sse2.And(h, Vector128.Create((ushort)0x7C00)), Vector128.Create((ushort)0x7C00)).AsByte()) != 0)
            return ToSingle(h);
        var bits = Avx2.And(Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(h.AsInt16()), 13), Vector256.Create(unchecked((int)0x8FFFE000)));
        return Avx.Multiply(bits.AsSingle(), Vector256.Create(Pow2To112));
    }

    /// <summary>Sixteen f16 → f32 exactly; the AVX-512 form of <see cref="ToSingleFast(Vector128{ushort})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingleFast(Vector256<ushort> h)
    {
        if (Vector256.EqualsAny(h & Vector256.Create((ushort)0x7C00), Vector256.Create((ushort)0x7C00)))
            return ToSingle(h);
        var bits = Avx512F.ConvertToVector512Int32(h.AsInt16()) << 13 & Vector512.Create(unchecked((int)0x8FFFE000));
        return Avx512F.Multiply(bits.AsSingle(), Vector512.Create(Pow2To112));
    }

    /// <summary>Eight f32 → eight f16 (round to nearest even, F16C NaN rule).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ushort> FromSingle(Vector256<float> f)
    {
        Vector256<uint> bits = f.AsUInt32();
        Vector256<uint> sign = (bits >> 16) & Vector256.Create(0x8000u);
        Vector256<uint> a = bits & Vector256.Create(0x7FFFFFFFu);
        Vector256<uint> normal = (a + Vector256.Create(RebiasAndHalf) + ((a >> 13) & Vector256<uint>.One)) >> 13;
        Vector256<uint> small = (a.AsSingle() + Vector256.Create(0.5f)).AsUInt32() - Vector256.Create(0x3F000000u);
        Vector256<uint> nan = Vector256.Create(0x7E00u) | ((a >> 13) & Vector256.Create(0x3FFu));
        Vector256<uint> h = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(MinNormalBits)), small, normal);
        h = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256.Create(OverflowBits)), Vector256.Create(0x7C00u), h);
        h = Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256.Create(0x7F800000u)), nan, h);
        return Vector128.Narrow((h | sign).GetLower(), (h | sign).GetUpper());
    }

    /// <summary>Sixteen f32 → sixteen f16 (round to nearest even, F16C NaN rule).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ushort> FromSingle(Vector512<float> f)
    {
        Vector512<uint> bits = f.AsUInt32();
        Vector512<uint> sign = (bits >> 16) & Vector512.Create(0x8000u);
        Vector512<uint> a = bits & Vector512.Create(0x7FFFFFFFu);
        Vector512<uint> normal = (a + Vector512.Create(RebiasAndHalf) + ((a >> 13) & Vector512<uint>.One)) >> 13;
        Vector512<uint> small = (a.AsSingle() + Vector512.Create(0.5f)).AsUInt32() - Vector512.Create(0x3F000000u);
        Vector512<uint> nan = Vector512.Create(0x7E00u) | ((a >> 13) & Vector512.Create(0x3FFu));
        Vector512<uint> h = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(MinNormalBits)), small, normal);
        h = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512.Create(OverflowBits)), Vector512.Create(0x7C00u), h);
        h = Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512.Create(0x7F800000u)), nan, h);
        return Vector256.Narrow((h | sign).GetLower(), (h | sign).GetUpper());
    }

    private static float* BuildTable()
    {
        var table = (float*)NativeMemory.AlignedAlloc(65536 * sizeof(float), 64);
        for (int h = 0; h < 65536; h++) table[h] = ToSingleComputed((ushort)h);
        return table;
    }
}
