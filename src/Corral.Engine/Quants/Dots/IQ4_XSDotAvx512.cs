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
        var grid128 = Vector128.Create(BlockIQ4_NL.Grid);
        var grid = Vector512.Create(Vector256.Create(grid128), Vector256.Create(grid128));
        var sum = Vector512<int>.Zero;
        for (int ib = 0; ib < 8; ib += 2)
        {
            var w = Avx512BW.Shuffle(grid, Block32Decode.Nibbles(x->Qs + 16 * ib, x->Qs + 16 * ib + 16).AsSByte());
            var products = Avx512BW.MultiplyAddAdjacent(Avx512BW.Abs(w), Int8Dot.ApplySign(Avx512BW.LoadVector512(a->Qs + 32 * ib), w));
            var scale = Vector512.Create(Vector256.Create((short)x->SubScale(ib)), Vector256.Create((short)x->SubScale(ib + 1)));
            sum = Avx512F.Add(sum, Avx512BW.MultiplyAddAdjacent(products, scale));
        }
        mins = default;
        return Avx2.Add(sum.GetLower(), sum.GetUpper());
    }
}

internal sealed class IQ4_XSDotAvx512 : SuperBlockDotVector<BlockIQ4_XS, IQ4_XSLanesAvx512>
{
    public static readonly IQ4_XSDotAvx512 Instance = new();
}
