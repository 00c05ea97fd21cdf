using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>
/// Q6_K lanes with AVX-512BW (folded to 8 lanes: each 256-bit half holds one 32-element run): per 128-element half, one zmm of low nibbles covers elements 0..63 and the high
/// nibbles 64..127, in element order; the qh bits are placed per 256-bit half with variable shifts.
/// </summary>
internal unsafe struct Q6_KLanesAvx512 : ISuperBlockLanes<BlockQ6_K>
{
    public static IsaLevel Isa => IsaLevel.Avx512;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes(byte* block, BlockQ8_K* a, out Vector256<int> mins)
    {
        var x = (BlockQ6_K*)block;
        var s16 = Avx2.ConvertToVector256Int16(Sse2.LoadVector128(x->Scales));
        var offset = Avx2.MultiplyAddAdjacent(Avx.LoadVector256(a->BSums), s16);
        var scales = s16.ToVector512Unsafe();
        var sum = Half(x->Ql, x->Qh, a->Qs, scales, 0);
        sum = Avx512F.Add(sum, Half(x->Ql + 64, x->Qh + 32, a->Qs + 128, scales, 8));
        mins = default;
        return Avx2.Subtract(Avx2.Add(sum.GetLower(), sum.GetUpper()), Avx2.ShiftLeftLogical(offset, 5));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Half(byte* ql, byte* qhBytes, sbyte* a, Vector512<short> scales, int g0)
    {
        var l = Avx512BW.LoadVector512(ql);
        var qh256 = Avx.LoadVector256(qhBytes);
        var qh = Vector512.Create(qh256, qh256).AsUInt16();
        var top = Vector512.Create((byte)0x30);
        // Elements 0..31 take qh bits 0-1, 32..63 bits 2-3, 64..95 bits 4-5, 96..127 bits 6-7, all moved to bits 4-5.
        var low = KQuantVectors.LowNibbles(l) | (Avx512BW.ShiftLeftLogicalVariable(qh, KQuantVectors.HalfCounts(4, 2)).AsByte() & top);
        var high = KQuantVectors.HighNibbles(l) | (Avx512BW.ShiftRightLogicalVariable(qh, KQuantVectors.HalfCounts(0, 2)).AsByte() & top);
        var pLow = Avx512BW.MultiplyAddAdjacent(low, Avx512BW.LoadVector512(a));
        var pHigh = Avx512BW.MultiplyAddAdjacent(high, Avx512BW.LoadVector512(a + 64));
        return Avx512F.Add(
            Avx512BW.MultiplyAddAdjacent(pLow, KQuantVectors.Spread16(scales, g0)),
            Avx512BW.MultiplyAddAdjacent(pHigh, KQuantVectors.Spread16(scales, g0 + 4)));
    }

}

internal sealed class Q6_KDotAvx512 : SuperBlockDotVector<BlockQ6_K, Q6_KLanesAvx512>
{
    public static readonly Q6_KDotAvx512 Instance = new();
}
