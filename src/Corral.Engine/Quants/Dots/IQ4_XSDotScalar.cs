namespace Corral.Engine.Quants;

/// <summary>IQ4_XS reference lanes: sub-block ib (a 32-element run) adds <c>(ls_ib − 32)·Σ kv[nibble]·a</c> per lane.</summary>
internal unsafe struct IQ4_XSLanesScalar : ISuperBlockLanesScalar<BlockIQ4_XS>
{
    public static void Lanes(byte* block, BlockQ8_K* a, int* lanes, int* mins)
    {
        var x = (BlockIQ4_XS*)block;
        ReadOnlySpan<sbyte> grid = BlockIQ4_NL.Grid;
        for (int ib = 0; ib < 8; ib++)
        {
            int scale = x->SubScale(ib);
            for (int k = 0; k < 8; k++)
            {
                int sum = 0;
                for (int i = 4 * k; i < 4 * k + 4; i++) sum += grid[Block32Decode.Nibble(x->Qs + 16 * ib, i)] * a->Qs[32 * ib + i];
                lanes[k] += scale * sum;
            }
        }
    }
}

internal sealed class IQ4_XSDotScalar : SuperBlockDotScalar<BlockIQ4_XS, IQ4_XSLanesScalar>
{
    public static readonly IQ4_XSDotScalar Instance = new();
}
