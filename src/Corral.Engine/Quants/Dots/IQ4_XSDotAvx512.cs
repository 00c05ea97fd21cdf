using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>IQ4_XS lanes with AVX-512BW (folded to 8 lanes: each 256-bit half holds one 32-element run): two sub-blocks per zmm, grid by <c>vpshufb</c>, signed products by abs and a masked negate.</summary>
internal unsafe struct IQ4_XSLanesAvx512 : ISuperBlockLanes<BlockIQ4_XS>
{
    public static IsaLevel Isa => IsaLevel.Avx512;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes(byte* block, BlockQ8_K* a, out Vector256<int> mins)
    {
        var x = (BlockIQ4_XS*)block;
        var grid256 = Vector256.Create(
            (sbyte)-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113,
            -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
        var grid = Vector512.Create(grid256, grid256);
        var scales = BlockIQ4_XS.SubScales(x).ToVector256Unsafe().ToVector512Unsafe();
        var sum = Pair(x->Qs, a->Qs, grid, scales, 0);
        sum = Avx512F.Add(sum, Pair(x->Qs + 32, a->Qs + 64, grid, scales, 2));
        sum = Avx512F.Add(sum, Pair(x->Qs + 64, a->Qs + 128, grid, scales, 4));
        sum = Avx512F.Add(sum, Pair(x->Qs + 96, a->Qs + 192, grid, scales, 6));
        mins = default;
        return Avx2.Add(sum.GetLower(), sum.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Pair(byte* qs, sbyte* a, Vector512<sbyte> grid, Vector512<short> scales, int ib)
    {
        var w = Avx512BW.Shuffle(grid, Block32Decode.Nibbles(qs, qs + 16).AsSByte());
        var products = Avx512BW.MultiplyAddAdjacent(Avx512BW.Abs(w), Int8Dot.ApplySign(Avx512BW.LoadVector512(a), w));
        return Avx512BW.MultiplyAddAdjacent(products, KQuantVectors.Spread32(scales, ib, ib + 1));
    }
}

internal sealed class IQ4_XSDotAvx512 : SuperBlockDotVector<BlockIQ4_XS, IQ4_XSLanesAvx512>
{
    public static readonly IQ4_XSDotAvx512 Instance = new();
}
