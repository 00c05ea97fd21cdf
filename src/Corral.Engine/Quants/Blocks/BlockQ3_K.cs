using System.Runtime.InteropServices;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Q3_K (110 bytes, 256 weights): 3-bit signed values in 16 groups of 16 with signed 6-bit scales (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ3_K : ISuperBlock
{
    public const int Elements = 256;
    public const int Size = 110;

    /// <summary>The high bit of element e is bit e/32 of byte e%32; when it is clear the value is 4 lower.</summary>
    public fixed byte HMask[32];

    /// <summary>Low two bits, packed as in Q2_K.</summary>
    public fixed byte Qs[64];

    /// <summary>16 six-bit scales: low nibbles in bytes 0..7, high pairs in bytes 8..11.</summary>
    public fixed byte Scales[12];

    public ushort D;

    /// <summary>Scale of group <paramref name="t"/> (0..15) with its offset of 32 removed.</summary>
    public readonly int GroupScale(int t)
    {
        int lo4 = t < 8 ? Scales[t] & 0xF : Scales[t - 8] >> 4;
        int hi2 = (Scales[8 + t % 4] >> (2 * (t / 4))) & 3;
        return (lo4 | hi2 << 4) - 32;
    }

    internal static void Dequantize(BlockQ3_K* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x++)
        {
            float d = Fp16.ToSingle(x->D);
            for (int h = 0; h < 2; h++)
            {
                for (int j = 0; j < 4; j++)
                {
                    int bit = 4 * h + j;
                    for (int s = 0; s < 2; s++, y += 16)
                    {
                        float dl = d * x->GroupScale(8 * h + 2 * j + s);
                        byte* q = x->Qs + 32 * h + 16 * s;
                        byte* hm = x->HMask + 16 * s;
                        for (int l = 0; l < 16; l++)
                            y[l] = dl * (((q[l] >> (2 * j)) & 3) - ((hm[l] >> bit & 1) != 0 ? 0 : 4));
                    }
                }
            }
        }
    }

    // Scale fields for the superblock dot kernels (see ISuperBlock).
    static GgmlType ISuperBlock.Type => GgmlType.Q3_K;
    static int ISuperBlock.Size => Size;
    static bool ISuperBlock.HasMin => false;
    static ushort ISuperBlock.ScaleBits(byte* block) => *(ushort*)(block + 108);
    static ushort ISuperBlock.MinBits(byte* block) => 0;
}
