using System.Runtime.InteropServices;

namespace Corral.Engine.Quants;

/// <summary>Q4_1 (20 bytes, 32 weights): 4-bit values times an f16 scale plus an f16 minimum (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ4_1
{
    public const int Elements = 32;
    public const int Size = 20;

    public ushort D;

    /// <summary>f16 offset added to every element.</summary>
    public ushort M;

    /// <summary>Element j in the low nibble of byte j, element j+16 in its high nibble.</summary>
    public fixed byte Qs[16];

    internal static void Dequantize(BlockQ4_1* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x++, y += Elements)
        {
            float d = Fp16.ToSingle(x->D), m = Fp16.ToSingle(x->M);
            for (int j = 0; j < 16; j++)
            {
                y[j] = (x->Qs[j] & 0xF) * d + m;
                y[j + 16] = (x->Qs[j] >> 4) * d + m;
            }
        }
    }
}
