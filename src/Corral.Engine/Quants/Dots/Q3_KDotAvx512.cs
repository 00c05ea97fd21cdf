using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>Q3_K lanes with AVX-512BW (folded to 8 lanes: each 256-bit half holds one 32-element run): two 32-element chunks per zmm, bit fields placed per 256-bit half with variable shifts.</summary>
internal unsafe struct Q3_KLanesAvx512 : ISuperBlockLanes<BlockQ3_K>
{
    public static IsaLevel Isa => IsaLevel.Avx512;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes(byte* block, BlockQ8_K* a, out Vector256<int> mins)
    {
        var x = (BlockQ3_K*)block;
        var s16 = Avx2.ConvertToVector256Int16(Q3_KLanesAvx2.UnpackScales(x->Scales));
        var offset = Avx2.MultiplyAddAdjacent(Avx.LoadVector256(a->BSums), s16);
        var scales = s16.ToVector512Unsafe();
        var hm256 = Avx.LoadVector256(x->HMask);
        var hm = Vector512.Create(hm256, hm256).AsUInt16();
        var q0 = Avx.LoadVector256(x->Qs);
        var q1 = Avx.LoadVector256(x->Qs + 32);
        var qa = Vector512.Create(q0, q0).AsUInt16();
        var qb = Vector512.Create(q1, q1).AsUInt16();
        var sum = Pair(qa, hm, a->Qs, scales, 0, 0);
        sum = Avx512F.Add(sum, Pair(qa, hm, a->Qs + 64, scales, 2, 2));
        sum = Avx512F.Add(sum, Pair(qb, hm, a->Qs + 128, scales, 0, 4));
        sum = Avx512F.Add(sum, Pair(qb, hm, a->Qs + 192, scales, 2, 6));
        mins = default;
        return Avx2.Subtract(Avx2.Add(sum.GetLower(), sum.GetUpper()), Avx2.ShiftLeftLogical(offset, 2));
    }

    // Chunks k and k+1 (k = 4h + j, j even): qs bits 2j | 2j+2, hmask bits k | k+1, groups 2k..2k+3.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Pair(Vector512<ushort> qs, Vector512<ushort> hm, sbyte* a, Vector512<short> scales, int j, int k)
    {
        var low = Avx512BW.ShiftRightLogicalVariable(qs, KQuantVectors.HalfCounts(2 * j, 2 * j + 2)).AsByte() & Vector512.Create((byte)3);
        var high = (Avx512BW.ShiftRightLogicalVariable(hm, KQuantVectors.HalfCounts(k, k + 1)).AsByte() & Vector512<byte>.One) << 2;
        var products = Avx512BW.MultiplyAddAdjacent(low | high, Avx512BW.LoadVector512(a));
        return Avx512BW.MultiplyAddAdjacent(products, KQuantVectors.Spread16(scales, 2 * k));
    }

}

internal sealed class Q3_KDotAvx512 : SuperBlockDotVector<BlockQ3_K, Q3_KLanesAvx512>
{
    public static readonly Q3_KDotAvx512 Instance = new();
}
