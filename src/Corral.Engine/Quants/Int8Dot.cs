using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corral.Engine.Quants;

/// <summary>
/// Exact int8 dot-product building blocks. Each int32 lane k receives the sum over bytes 4k..4k+3 of the products,
/// whether computed with VNNI (<c>vpdpbusd</c>) or with <c>vpmaddubsw</c> + <c>vpmaddwd</c>, so all forms agree.
/// Activations must lie in [−127, 127] (as <see cref="ActivationQuantizer"/> makes them).
/// </summary>
internal static class Int8Dot
{
    /// <summary>Lanes of Σ u·a for unsigned <paramref name="u"/>; without VNNI each pair u·a + u'·a' must fit int16 (u ≤ 128 does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Unsigned(Vector256<byte> u, Vector256<sbyte> a)
    {
        if (AvxVnni.IsSupported) return AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, u, a);
        return Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, a), Vector256.Create((short)1));
    }

    /// <summary>Lanes of Σ w·a for signed <paramref name="w"/> (−128 allowed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Signed(Vector256<sbyte> w, Vector256<sbyte> a) => Unsigned(Avx2.Abs(w), Avx2.Sign(a, w));

    /// <summary>Σ u·a per lane pair as int16 (16 lanes of 2 products), for kernels that scale by int16 next.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> UnsignedPairs(Vector256<byte> u, Vector256<sbyte> a) => Avx2.MultiplyAddAdjacent(u, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Unsigned(Vector512<byte> u, Vector512<sbyte> a) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, a), Vector512.Create((short)1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Signed(Vector512<sbyte> w, Vector512<sbyte> a) => Unsigned(Avx512BW.Abs(w), ApplySign(a, w));

    /// <summary>a where w &gt; 0, −a where w &lt; 0 (0 where w = 0 is not needed: |w| is 0 there). AVX-512 has no <c>vpsignb</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<sbyte> ApplySign(Vector512<sbyte> a, Vector512<sbyte> w) =>
        Vector512.ConditionalSelect(Vector512.LessThan(w, Vector512<sbyte>.Zero), Vector512<sbyte>.Zero - a, a);
}
