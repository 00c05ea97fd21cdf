using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>IQ4_XS superblock sums, reference: <c>Σ_ib (ls_ib − 32)·Σ kv[nibble]·a</c> over 8 sub-blocks of 32.</summary>
internal unsafe struct IQ4_XSSumsScalar : ISuperBlockSums<BlockIQ4_XS>
{
    public static IsaLevel Isa => IsaLevel.Scalar;

    public static int Sums(byte* block, BlockQ8_K* a, out int mins)
    {
        var x = (BlockIQ4_XS*)block;
        ReadOnlySpan<sbyte> grid = BlockIQ4_NL.Grid;
        int sumi = 0;
        for (int ib = 0; ib < 8; ib++)
        {
            int sum = 0;
            for (int j = 0; j < 32; j++) sum += grid[Block32Decode.Nibble(x->Qs + 16 * ib, j)] * a->Qs[32 * ib + j];
            sumi += x->SubScale(ib) * sum;
        }
        mins = 0;
        return sumi;
    }
}

internal sealed class IQ4_XSDotScalar : SuperBlockDot<BlockIQ4_XS, IQ4_XSSumsScalar>
{
    public static readonly IQ4_XSDotScalar Instance = new();
}
