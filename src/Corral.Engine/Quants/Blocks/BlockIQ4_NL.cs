using System.Runtime.InteropServices;

namespace Corral.Engine.Quants;

/// <summary>IQ4_NL (18 bytes, 32 weights): 4-bit indices into a fixed non-linear grid times one f16 scale (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockIQ4_NL
{
    public const int Elements = 32;
    public const int Size = 18;

    public ushort D;

    /// <summary>Indices, nibble order as in Q4_0.</summary>
    public fixed byte Qs[16];

    /// <summary>The grid (<c>kvalues_iq4nl</c>).</summary>
    public static ReadOnlySpan<sbyte> Grid => [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    internal static void Dequantize(BlockIQ4_NL* x, float* y, int blocks)
    {
        ReadOnlySpan<sbyte> grid = Grid;
        for (int b = 0; b < blocks; b++, x++, y += Elements)
        {
            float d = Fp16.ToSingle(x->D);
            for (int j = 0; j < 16; j++)
            {
                y[j] = d * grid[x->Qs[j] & 0xF];
                y[j + 16] = d * grid[x->Qs[j] >> 4];
            }
        }
    }
}
