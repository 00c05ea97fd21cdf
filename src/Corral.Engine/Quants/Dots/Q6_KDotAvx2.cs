using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>
/// Q6_K lanes with AVX2: the 6-bit values (0..63) enter <c>vpmaddubsw</c> unsigned, each pair of 16-element
/// groups takes its two scales in one <c>vpmaddwd</c>, and the −32 offset comes back as −32·Σ_g S_g·bsum_g.
/// </summary>
internal unsafe struct Q6_KLanesAvx2 : ISuperBlockLanes<BlockQ6_K>
{
    public static IsaLevel Isa => IsaLevel.Avx2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes(byte* block, BlockQ8_K* a, out Vector256<int> mins)
    {
        var x = (BlockQ6_K*)block;
        var s16 = Avx2.ConvertToVector256Int16(Sse2.LoadVector128(x->Scales));
        var offset = Avx2.MultiplyAddAdjacent(Avx.LoadVector256(a->BSums), s16);
        var sum = Half(x->Ql, x->Qh, a->Qs, Avx2.Permute2x128(s16, s16, 0x00));
        sum = Avx2.Add(sum, Half(x->Ql + 64, x->Qh + 32, a->Qs + 128, Avx2.Permute2x128(s16, s16, 0x11)));
        mins = default;
        return Avx2.Subtract(sum, Avx2.ShiftLeftLogical(offset, 5));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Half(byte* ql, byte* qhBytes, sbyte* a, Vector256<short> scales)
    {
        var l0 = Avx.LoadVector256(ql);
        var l1 = Avx.LoadVector256(ql + 32);
        var qh = Avx.LoadVector256(qhBytes);
        var q0 = Avx2.Or(KQuantVectors.LowNibbles(l0), Avx2.And((qh.AsUInt16() << 4).AsByte(), Vector256.Create((byte)0x30)));
        var q1 = Avx2.Or(KQuantVectors.LowNibbles(l1), Avx2.And((qh.AsUInt16() << 2).AsByte(), Vector256.Create((byte)0x30)));
        var q2 = Avx2.Or(KQuantVectors.HighNibbles(l0), Avx2.And(qh, Vector256.Create((byte)0x30)));
        var q3 = Avx2.Or(KQuantVectors.HighNibbles(l1), Avx2.And((qh.AsUInt16() >> 2).AsByte(), Vector256.Create((byte)0x30)));
        var s = scales.AsByte();
        var sum = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q0, Avx.LoadVector256(a)), Avx2.Shuffle(s, KQuantVectors.ScalePair(0, 1)).AsInt16());
        sum = Avx2.Add(sum, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q1, Avx.LoadVector256(a + 32)), Avx2.Shuffle(s, KQuantVectors.ScalePair(2, 3)).AsInt16()));
        sum = Avx2.Add(sum, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q2, Avx.LoadVector256(a + 64)), Avx2.Shuffle(s, KQuantVectors.ScalePair(4, 5)).AsInt16()));
        sum = Avx2.Add(sum, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q3, Avx.LoadVector256(a + 96)), Avx2.Shuffle(s, KQuantVectors.ScalePair(6, 7)).AsInt16()));
        return sum;
    }
}

internal sealed class Q6_KDotAvx2 : SuperBlockDotVector<BlockQ6_K, Q6_KLanesAvx2>
{
    public static readonly Q6_KDotAvx2 Instance = new();
}
