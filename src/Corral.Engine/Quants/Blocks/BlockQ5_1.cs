using System.Runtime.InteropServices;

namespace Corral.Engine.Quants;

/// <summary>Q5_1 (24 bytes, 32 weights): 5-bit values times an f16 scale plus an f16 minimum (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ5_1
{
    public const int Elements = 32;
    public const int Size = 24;

    public ushort D;
    public ushort M;

    /// <summary>Bit e of this little-endian u32 is the fifth bit of element e.</summary>
    public fixed byte Qh[4];

    /// <summary>Low four bits: element j in the low nibble of byte j, element j+16 in its high nibble.</summary>
    public fixed byte Qs[16];

    internal static void Dequantize(BlockQ5_1* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x++, y += Elements)
        {
            float d = Fp16.ToSingle(x->D), m = Fp16.ToSingle(x->M);
            uint h = *(uint*)x->Qh;
            for (int j = 0; j < 16; j++)
            {
                int lo = (x->Qs[j] & 0xF) | (int)((h >> j) & 1) << 4;
                int hi = (x->Qs[j] >> 4) | (int)((h >> (j + 16)) & 1) << 4;
                y[j] = lo * d + m;
                y[j + 16] = hi * d + m;
            }
        }
    }
}
