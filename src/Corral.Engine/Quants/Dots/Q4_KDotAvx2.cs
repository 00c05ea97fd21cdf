using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>
/// Q4_K superblock sums with AVX2: per 64-element chunk, low and high nibbles against 32 activations each through
/// <c>vpmaddubsw</c>, then <c>vpmaddwd</c> with the group's scale; minimums through <c>vpmaddwd</c> of bsums.
/// </summary>
internal unsafe struct Q4_KSumsAvx2 : ISuperBlockSums<BlockQ4_K>
{
    public static IsaLevel Isa => IsaLevel.Avx2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sums(byte* block, BlockQ8_K* a, out int mins)
    {
        var x = (BlockQ4_K*)block;
        var (scales, minimums) = BlockQ4_K.UnpackScalesMins(x->Scales);
        mins = Int8Dot.Sum(MinSums(minimums, a));
        var sc = KQuantVectors.WidenToBothLanes(scales);
        var sum = Chunk(x->Qs, a->Qs, sc, 0);
        sum = Avx2.Add(sum, Chunk(x->Qs + 32, a->Qs + 64, sc, 1));
        sum = Avx2.Add(sum, Chunk(x->Qs + 64, a->Qs + 128, sc, 2));
        sum = Avx2.Add(sum, Chunk(x->Qs + 96, a->Qs + 192, sc, 3));
        return Int8Dot.Sum(sum);
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

    /// <summary>Lanes of <c>mn_t·(bsum_2t + bsum_2t+1)</c>: each min meets its two bsums in one <c>vpmaddwd</c> pair. Shared with Q5_K.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> MinSums(ulong minimums, BlockQ8_K* a)
    {
        var m = Vector128.CreateScalar(minimums).AsByte();
        var pairs = Avx2.ConvertToVector256Int16(Sse2.UnpackLow(m, m));
        return Avx2.MultiplyAddAdjacent(Avx.LoadVector256(a->BSums), pairs);
    }
}

internal sealed class Q4_KDotAvx2 : SuperBlockDot<BlockQ4_K, Q4_KSumsAvx2>
{
    public static readonly Q4_KDotAvx2 Instance = new();
}
