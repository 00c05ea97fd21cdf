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
        var grid = Vector256.Create(Vector128.Create(BlockIQ4_NL.Grid));
        var sum = Vector256<int>.Zero;
        for (int ib = 0; ib < 8; ib++)
        {
            var w = Avx2.Shuffle(grid, Block32Decode.Nibbles(x->Qs + 16 * ib).AsSByte());
            var products = Avx2.MultiplyAddAdjacent(Avx2.Abs(w), Avx2.Sign(Avx.LoadVector256(a->Qs + 32 * ib), w));
            sum = Avx2.Add(sum, Avx2.MultiplyAddAdjacent(products, Vector256.Create((short)x->SubScale(ib))));
        }
        mins = default;
        return sum;
    }
}

internal sealed class IQ4_XSDotAvx2 : SuperBlockDotVector<BlockIQ4_XS, IQ4_XSLanesAvx2>
{
    public static readonly IQ4_XSDotAvx2 Instance = new();
}
