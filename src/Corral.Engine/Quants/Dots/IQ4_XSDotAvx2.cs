using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>IQ4_XS lanes with AVX2: grid values by <c>vpshufb</c>, signed products by the abs/sign trick, sub-block scale by <c>vpmaddwd</c>.</summary>
internal unsafe struct IQ4_XSLanesAvx2 : ISuperBlockLanes<BlockIQ4_XS>
{
    public static IsaLevel Isa => IsaLevel.Avx2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes(byte* block, BlockQ8_K* a, out Vector256<int> mins)
    {
        var x = (BlockIQ4_XS*)block;
        var grid = Vector256.Create(
            (sbyte)-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113,
            -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
        var s16 = BlockIQ4_XS.SubScales(x);
        var scales = Vector256.Create(s16, s16).AsByte();
        var sum = SubBlock(x->Qs, a->Qs, grid, scales, 0);
        for (int ib = 1; ib < 8; ib++) sum = Avx2.Add(sum, SubBlock(x->Qs + 16 * ib, a->Qs + 32 * ib, grid, scales, ib));
        mins = default;
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> SubBlock(byte* qs, sbyte* a, Vector256<sbyte> grid, Vector256<byte> scales, int ib)
    {
        var w = Avx2.Shuffle(grid, Block32Decode.Nibbles(qs).AsSByte());
        var products = Avx2.MultiplyAddAdjacent(Avx2.Abs(w), Avx2.Sign(Avx.LoadVector256(a), w));
        return Avx2.MultiplyAddAdjacent(products, Avx2.Shuffle(scales, KQuantVectors.ScaleAll(ib)).AsInt16());
    }
}

internal sealed class IQ4_XSDotAvx2 : SuperBlockDotVector<BlockIQ4_XS, IQ4_XSLanesAvx2>
{
    public static readonly IQ4_XSDotAvx2 Instance = new();
}
