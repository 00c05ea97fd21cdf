using System.Runtime.InteropServices;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Q5_K (176 bytes, 256 weights): Q4_K with a fifth bit per value (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ5_K : ISuperBlock
{
    public const int Elements = 256;
    public const int Size = 176;

    public ushort D;
    public ushort DMin;

    /// <summary>Eight 6-bit (scale, min) pairs, packed as in Q4_K.</summary>
    public fixed byte Scales[12];

    /// <summary>Fifth bits: element 64c+l is bit 2c of byte l, element 64c+32+l is bit 2c+1.</summary>
    public fixed byte Qh[32];

    /// <summary>Low four bits, packed as in Q4_K.</summary>
    public fixed byte Qs[128];

    internal static void Dequantize(BlockQ5_K* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x++)
        {
            float d = Fp16.ToSingle(x->D), dmin = Fp16.ToSingle(x->DMin);
            for (int c = 0; c < 4; c++, y += 64)
            {
                var (sc1, mn1) = BlockQ4_K.ScaleMin(x->Scales, 2 * c);
                var (sc2, mn2) = BlockQ4_K.ScaleMin(x->Scales, 2 * c + 1);
                float d1 = d * sc1, m1 = dmin * mn1, d2 = d * sc2, m2 = dmin * mn2;
                byte* q = x->Qs + 32 * c;
                for (int l = 0; l < 32; l++) y[l] = d1 * ((q[l] & 0xF) + ((x->Qh[l] >> (2 * c)) & 1) * 16) - m1;
                for (int l = 0; l < 32; l++) y[l + 32] = d2 * ((q[l] >> 4) + ((x->Qh[l] >> (2 * c + 1)) & 1) * 16) - m2;
            }
        }
    }

    // Scale fields for the superblock dot kernels (see ISuperBlock).
    static GgmlType ISuperBlock.Type => GgmlType.Q5_K;
    static int ISuperBlock.Size => Size;
    static bool ISuperBlock.HasMin => true;
    static ushort ISuperBlock.ScaleBits(byte* block) => *(ushort*)(block + 0);
    static ushort ISuperBlock.MinBits(byte* block) => *(ushort*)(block + 2);
}
