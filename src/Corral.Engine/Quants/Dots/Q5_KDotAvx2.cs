using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>Q5_K lanes with AVX2: the Q4_K kernel with bit t of <c>qh</c> moved to 0x10 for group t.</summary>
internal unsafe struct Q5_KLanesAvx2 : ISuperBlockLanes<BlockQ5_K>
{
    public static IsaLevel Isa => IsaLevel.Avx2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes(byte* block, BlockQ8_K* a, out Vector256<int> mins)
    {
        var x = (BlockQ5_K*)block;
        var scalesMins = BlockQ4_K.UnpackScalesMinsVector(x->Scales);
        mins = Q4_KLanesAvx2.MinLanes(scalesMins, a);
        var sc = Q4_KLanesAvx2.ScalesInBothLanes(scalesMins);
        var qh = Avx.LoadVector256(x->Qh);
        var sum = Chunk(x->Qs, qh, a->Qs, sc, 0);
        sum = Avx2.Add(sum, Chunk(x->Qs + 32, qh, a->Qs + 64, sc, 1));
        sum = Avx2.Add(sum, Chunk(x->Qs + 64, qh, a->Qs + 128, sc, 2));
        return Avx2.Add(sum, Chunk(x->Qs + 96, qh, a->Qs + 192, sc, 3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Chunk(byte* qs, Vector256<byte> qh, sbyte* a, Vector256<short> scales, int c)
    {
        var q = Avx.LoadVector256(qs);
        var lowValues = Avx2.Or(KQuantVectors.LowNibbles(q), KQuantVectors.MoveBit(qh, 2 * c, 4));
        var highValues = Avx2.Or(KQuantVectors.HighNibbles(q), KQuantVectors.MoveBit(qh, 2 * c + 1, 4));
        var low = Avx2.MultiplyAddAdjacent(lowValues, Avx.LoadVector256(a));
        var high = Avx2.MultiplyAddAdjacent(highValues, Avx.LoadVector256(a + 32));
        return Avx2.Add(
            Avx2.MultiplyAddAdjacent(low, Avx2.Shuffle(scales.AsByte(), KQuantVectors.ScaleAll(2 * c)).AsInt16()),
            Avx2.MultiplyAddAdjacent(high, Avx2.Shuffle(scales.AsByte(), KQuantVectors.ScaleAll(2 * c + 1)).AsInt16()));
    }
}

internal sealed class Q5_KDotAvx2 : SuperBlockDotVector<BlockQ5_K, Q5_KLanesAvx2>
{
    public static readonly Q5_KDotAvx2 Instance = new();
}
