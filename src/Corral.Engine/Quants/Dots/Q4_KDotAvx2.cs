using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>
/// Q4_K lanes with AVX2: per 64-element chunk, low and high nibbles against 32 activations each through
/// <c>vpmaddubsw</c>, then <c>vpmaddwd</c> with the group's scale; minimums through <c>vpmaddwd</c> of bsums.
/// </summary>
internal unsafe struct Q4_KLanesAvx2 : ISuperBlockLanes<BlockQ4_K>
{
    public static IsaLevel Isa => IsaLevel.Avx2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes(byte* block, BlockQ8_K* a, out Vector256<int> mins)
    {
        var x = (BlockQ4_K*)block;
        var scalesMins = BlockQ4_K.UnpackScalesMinsVector(x->Scales);
        mins = MinLanes(scalesMins, a);
        var sc = ScalesInBothLanes(scalesMins);
        var sum = Chunk(x->Qs, a->Qs, sc, 0);
        sum = Avx2.Add(sum, Chunk(x->Qs + 32, a->Qs + 64, sc, 1));
        sum = Avx2.Add(sum, Chunk(x->Qs + 64, a->Qs + 128, sc, 2));
        return Avx2.Add(sum, Chunk(x->Qs + 96, a->Qs + 192, sc, 3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Chunk(byte* qs, sbyte* a, Vector256<short> scales, int c)
    {
        var q = Avx.LoadVector256(qs);
        var low = Avx2.MultiplyAddAdjacent(KQuantVectors.LowNibbles(q), Avx.LoadVector256(a));
        var high = Avx2.MultiplyAddAdjacent(KQuantVectors.HighNibbles(q), Avx.LoadVector256(a + 32));
        return Avx2.Add(
            Avx2.MultiplyAddAdjacent(low, Avx2.Shuffle(scales.AsByte(), KQuantVectors.ScaleAll(2 * c)).AsInt16()),
            Avx2.MultiplyAddAdjacent(high, Avx2.Shuffle(scales.AsByte(), KQuantVectors.ScaleAll(2 * c + 1)).AsInt16()));
    }

    /// <summary>The 8 scales (bytes 0..7) as int16 in both 128-bit lanes. Shared with Q5_K.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<short> ScalesInBothLanes(Vector128<byte> scalesMins)
    {
        var w = Sse41.ConvertToVector128Int16(scalesMins);
        return Vector256.Create(w, w);
    }

    /// <summary>Lane k = <c>mn_k·(bsum_2k + bsum_2k+1)</c>: each min meets its two bsums in one <c>vpmaddwd</c> pair. Shared with Q5_K.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> MinLanes(Vector128<byte> scalesMins, BlockQ8_K* a) =>
        Avx2.MultiplyAddAdjacent(Avx.LoadVector256(a->BSums), Avx2.ConvertToVector256Int16(Sse2.UnpackHigh(scalesMins, scalesMins)));
}

internal sealed class Q4_KDotAvx2 : SuperBlockDotVector<BlockQ4_K, Q4_KLanesAvx2>
{
    public static readonly Q4_KDotAvx2 Instance = new();
}
