using System.Runtime.InteropServices;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Q6_K (210 bytes, 256 weights): 6-bit values offset by 32 in 16 groups of 16 with int8 scales (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ6_K : ISuperBlock
{
    public const int Elements = 256;
    public const int Size = 210;

    /// <summary>Low four bits. Half h uses bytes 64h..: element 128h+l (l &lt; 64) in the low nibble of byte 64h+l, element 128h+64+l in its high nibble.</summary>
    public fixed byte Ql[128];

    /// <summary>High two bits. Half h uses bytes 32h..: element 128h+32k+l is bits 2k of byte 32h+l.</summary>
    public fixed byte Qh[64];

    /// <summary>Group g covers elements 16g..16g+15.</summary>
    public fixed sbyte Scales[16];

    public ushort D;

    internal static void Dequantize(BlockQ6_K* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x++)
        {
            float d = Fp16.ToSingle(x->D);
            for (int h = 0; h < 2; h++, y += 128)
            {
                byte* ql = x->Ql + 64 * h;
                byte* qh = x->Qh + 32 * h;
                sbyte* sc = x->Scales + 8 * h;
                for (int l = 0; l < 32; l++)
                {
                    int i = l / 16;
                    int q1 = ((ql[l] & 0xF) | ((qh[l] >> 0) & 3) << 4) - 32;
                    int q2 = ((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32;
                    int q3 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
                    int q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
                    y[l] = d * sc[i] * q1;
                    y[l + 32] = d * sc[i + 2] * q2;
                    y[l + 64] = d * sc[i + 4] * q3;
                    y[l + 96] = d * sc[i + 6] * q4;
                }
            }
        }
    }

    // Scale fields for the superblock dot kernels (see ISuperBlock).
    static GgmlType ISuperBlock.Type => GgmlType.Q6_K;
    static int ISuperBlock.Size => Size;
    static bool ISuperBlock.HasMin => false;
    static ushort ISuperBlock.ScaleBits(byte* block) => *(ushort*)(block + 208);
    static ushort ISuperBlock.MinBits(byte* block) => 0;
}
