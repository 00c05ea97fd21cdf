using System.Runtime.InteropServices;

namespace Corral.Engine.Quants;

/// <summary>Q4_0 (18 bytes, 32 weights): 4-bit values offset by 8 times one f16 scale (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ4_0
{
    public const int Elements = 32;
    public const int Size = 18;

    /// <summary>f16 scale.</summary>
    public ushort D;

    /// <summary>Element j in the low nibble of byte j, element j+16 in its high nibble.</summary>
    public fixed byte Qs[16];

    internal static void Dequantize(BlockQ4_0* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x++, y += Elements)
        {
            float d = Fp16.ToSingle(x->D);
            for (int j = 0; j < 16; j++)
            {
                y[j] = ((x->Qs[j] & 0xF) - 8) * d;
                y[j + 16] = ((x->Qs[j] >> 4) - 8) * d;
            }
        }
    }
}
