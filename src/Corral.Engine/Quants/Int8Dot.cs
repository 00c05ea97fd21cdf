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
    /// <summary>Lanes of Σ u·a via <c>vpmaddubsw</c> + <c>vpmaddwd</c>: each pair u·a + u'·a' must fit int16 (u ≤ 128 does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Madd(Vector256<byte> u, Vector256<sbyte> a) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, a), Vector256.Create((short)1));

    /// <summary><paramref name="acc"/> plus lanes of Σ u·a via <c>vpdpbusd</c>: no int16 limit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Vnni(Vector256<int> acc, Vector256<byte> u, Vector256<sbyte> a) =>
        AvxVnni.MultiplyWideningAndAdd(acc, u, a);

    /// <summary>Lanes of Σ w·a for signed <paramref name="w"/> (−128 allowed) with the abs/sign trick.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Signed(Vector256<sbyte> w, Vector256<sbyte> a) => Madd(Avx2.Abs(w), Avx2.Sign(a, w));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Madd(Vector512<byte> u, Vector512<sbyte> a) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, a), Vector512.Create((short)1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Signed(Vector512<sbyte> w, Vector512<sbyte> a) => Madd(Avx512BW.Abs(w), ApplySign(a, w));

    /// <summary>a where w ≥ 0, −a where w &lt; 0 (where w = 0 the product is 0 either way). AVX-512 has no <c>vpsignb</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<sbyte> ApplySign(Vector512<sbyte> a, Vector512<sbyte> w) =>
        Vector512.ConditionalSelect(Vector512.LessThan(w, Vector512<sbyte>.Zero), Vector512<sbyte>.Zero - a, a);
}
