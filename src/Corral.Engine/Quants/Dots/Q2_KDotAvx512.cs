using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>Q2_K lanes with AVX-512BW (folded to 8 lanes: each 256-bit half holds one 32-element run): two 32-element chunks per zmm, 2-bit fields placed per 256-bit half with variable shifts.</summary>
internal unsafe struct Q2_KLanesAvx512 : ISuperBlockLanes<BlockQ2_K>
{
    public static IsaLevel Isa => IsaLevel.Avx512;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes(byte* block, BlockQ8_K* a, out Vector256<int> mins)
    {
        var x = (BlockQ2_K*)block;
        var packed = Sse2.LoadVector128(x->Scales);
        var s16 = Avx2.ConvertToVector256Int16(Sse2.And(packed, Vector128.Create((byte)0x0F)));
        var m16 = Avx2.ConvertToVector256Int16(Sse2.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & Vector128.Create((byte)0x0F));
        mins = Avx2.MultiplyAddAdjacent(Avx.LoadVector256(a->BSums), m16);
        var scales = s16.ToVector512Unsafe();
        var q0 = Avx.LoadVector256(x->Qs);
        var q1 = Avx.LoadVector256(x->Qs + 32);
        var qa = Vector512.Create(q0, q0).AsUInt16();
        var qb = Vector512.Create(q1, q1).AsUInt16();
        var sum = Pair(qa, a->Qs, scales, 0, 0);
        sum = Avx512F.Add(sum, Pair(qa, a->Qs + 64, scales, 2, 2));
        sum = Avx512F.Add(sum, Pair(qb, a->Qs + 128, scales, 0, 4));
        sum = Avx512F.Add(sum, Pair(qb, a->Qs + 192, scales, 2, 6));
        return Avx2.Add(sum.GetLower(), sum.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Pair(Vector512<ushort> qs, sbyte* a, Vector512<short> scales, int j, int k)
    {
        var values = Avx512BW.ShiftRightLogicalVariable(qs, KQuantVectors.HalfCounts(2 * j, 2 * j + 2)).AsByte()
            & Vector512.Create((byte)3);
        var products = Avx512BW.MultiplyAddAdjacent(values, Avx512BW.LoadVector512(a));
        return Avx512BW.MultiplyAddAdjacent(products, KQuantVectors.Spread16(scales, 2 * k));
    }
}

internal sealed class Q2_KDotAvx512 : SuperBlockDotVector<BlockQ2_K, Q2_KLanesAvx512>
{
    public static readonly Q2_KDotAvx512 Instance = new();
}
