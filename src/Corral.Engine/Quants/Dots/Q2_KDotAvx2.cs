using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>Q2_K lanes with AVX2: 2-bit values through <c>vpmaddubsw</c>, two group scales per <c>vpmaddwd</c>, minimums against bsums.</summary>
internal unsafe struct Q2_KLanesAvx2 : ISuperBlockLanes<BlockQ2_K>
{
    public static IsaLevel Isa => IsaLevel.Avx2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes(byte* block, BlockQ8_K* a, out Vector256<int> mins)
    {
        var x = (BlockQ2_K*)block;
        var packed = Sse2.LoadVector128(x->Scales);
        var s16 = Avx2.ConvertToVector256Int16(Sse2.And(packed, Vector128.Create((byte)0x0F)));
        var m16 = Avx2.ConvertToVector256Int16(Sse2.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & Vector128.Create((byte)0x0F));
        mins = Avx2.MultiplyAddAdjacent(Avx.LoadVector256(a->BSums), m16);
        var q0 = Avx.LoadVector256(x->Qs);
        var q1 = Avx.LoadVector256(x->Qs + 32);
        var low = Avx2.Permute2x128(s16, s16, 0x00).AsByte();
        var high = Avx2.Permute2x128(s16, s16, 0x11).AsByte();
        var sum = Chunk(q0, a->Qs, low, 0);
        sum = Avx2.Add(sum, Chunk(q0, a->Qs + 32, low, 1));
        sum = Avx2.Add(sum, Chunk(q0, a->Qs + 64, low, 2));
        sum = Avx2.Add(sum, Chunk(q0, a->Qs + 96, low, 3));
        sum = Avx2.Add(sum, Chunk(q1, a->Qs + 128, high, 0));
        sum = Avx2.Add(sum, Chunk(q1, a->Qs + 160, high, 1));
        sum = Avx2.Add(sum, Chunk(q1, a->Qs + 192, high, 2));
        return Avx2.Add(sum, Chunk(q1, a->Qs + 224, high, 3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Chunk(Vector256<byte> qs, sbyte* a, Vector256<byte> halfScales, int j)
    {
        var products = Avx2.MultiplyAddAdjacent(KQuantVectors.TwoBits(qs, 2 * j), Avx.LoadVector256(a));
        return Avx2.MultiplyAddAdjacent(products, Avx2.Shuffle(halfScales, KQuantVectors.ScalePair(2 * j, 2 * j + 1)).AsInt16());
    }
}

internal sealed class Q2_KDotAvx2 : SuperBlockDotVector<BlockQ2_K, Q2_KLanesAvx2>
{
    public static readonly Q2_KDotAvx2 Instance = new();
}
