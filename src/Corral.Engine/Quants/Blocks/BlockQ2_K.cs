using System.Runtime.InteropServices;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Q2_K (84 bytes, 256 weights): 2-bit values in 16 groups of 16, each with a 4-bit scale and a 4-bit min (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ2_K : ISuperBlock
{
    public const int Elements = 256;
    public const int Size = 84;

    /// <summary>Group g: scale in the low nibble, min in the high nibble.</summary>
    public fixed byte Scales[16];

    /// <summary>Element 128h + 32j + 16s + l sits at bits 2j of byte 32h + 16s + l.</summary>
    public fixed byte Qs[64];

    public ushort D;
    public ushort DMin;

    internal static void Dequantize(BlockQ2_K* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x++)
        {
            float d = Fp16.ToSingle(x->D), dmin = Fp16.ToSingle(x->DMin);
            for (int h = 0; h < 2; h++)
            {
                for (int j = 0; j < 4; j++)
                {
                    for (int s = 0; s < 2; s++, y += 16)
                    {
                        int sc = x->Scales[8 * h + 2 * j + s];
                        float dl = d * (sc & 0xF), ml = dmin * (sc >> 4);
                        byte* q = x->Qs + 32 * h + 16 * s;
                        for (int l = 0; l < 16; l++) y[l] = dl * ((q[l] >> (2 * j)) & 3) - ml;
                    }
                }
            }
        }
    }

    // Scale fields for the superblock dot kernels (see ISuperBlock).
    static GgmlType ISuperBlock.Type => GgmlType.Q2_K;
    static int ISuperBlock.Size => Size;
    static bool ISuperBlock.HasMin => true;
    static ushort ISuperBlock.ScaleBits(byte* block) => *(ushort*)(block + 80);
    static ushort ISuperBlock.MinBits(byte* block) => *(ushort*)(block + 82);
}
