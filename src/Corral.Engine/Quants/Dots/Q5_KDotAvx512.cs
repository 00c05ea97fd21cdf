using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>Q5_K lanes with AVX-512BW (folded to 8 lanes: each 256-bit half holds one 32-element run): the Q4_K kernel plus fifth bits from <c>qh</c>, shifted per 256-bit half to 0x10.</summary>
internal unsafe struct Q5_KLanesAvx512 : ISuperBlockLanes<BlockQ5_K>
{
    public static IsaLevel Isa => IsaLevel.Avx512;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes(byte* block, BlockQ8_K* a, out Vector256<int> mins)
    {
        var x = (BlockQ5_K*)block;
        var scalesMins = BlockQ4_K.UnpackScalesMinsVector(x->Scales);
        mins = Q4_KLanesAvx2.MinLanes(scalesMins, a);
        var sc = Sse41.ConvertToVector128Int16(scalesMins).ToVector256Unsafe().ToVector512Unsafe();
        var qh256 = Avx.LoadVector256(x->Qh);
        var qh = Vector512.Create(qh256, qh256).AsUInt16();
        var bit = Vector512.Create((byte)0x10);
        // Groups t = 0|2, 1|3, 4|6, 5|7 take bit t of qh to bit 4.
        var fifth0 = Avx512BW.ShiftLeftLogicalVariable(qh, KQuantVectors.HalfCounts(4, 2)).AsByte() & bit;
        var fifth1 = Avx512BW.ShiftLeftLogicalVariable(qh, KQuantVectors.HalfCounts(3, 1)).AsByte() & bit;
        var fifth4 = Avx512BW.ShiftRightLogicalVariable(qh, KQuantVectors.HalfCounts(0, 2)).AsByte() & bit;
        var fifth5 = Avx512BW.ShiftRightLogicalVariable(qh, KQuantVectors.HalfCounts(1, 3)).AsByte() & bit;
        var sum = Q4_KLanesAvx512.Pair(Avx512BW.LoadVector512(x->Qs), a->Qs, sc, 0, fifth0, fifth1);
        sum = Avx512F.Add(sum, Q4_KLanesAvx512.Pair(Avx512BW.LoadVector512(x->Qs + 64), a->Qs + 128, sc, 4, fifth4, fifth5));
        return Avx2.Add(sum.GetLower(), sum.GetUpper());
    }

}

internal sealed class Q5_KDotAvx512 : SuperBlockDotVector<BlockQ5_K, Q5_KLanesAvx512>
{
    public static readonly Q5_KDotAvx512 Instance = new();
}
