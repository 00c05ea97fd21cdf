using System.Runtime.InteropServices;

namespace Corral.Engine.Quants;

/// <summary>Q5_0 (22 bytes, 32 weights): 5-bit values offset by 16 times one f16 scale (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ5_0
{
    public const int Elements = 32;
    public const int Size = 22;

    public ushort D;

    /// <summary>Bit e of this little-endian u32 is the fifth bit of element e.</summary>
    public fixed byte Qh[4];

    /// <summary>Low four bits: element j in the low nibble of byte j, element j+16 in its high nibble.</summary>
    public fixed byte Qs[16];

    internal static void Dequantize(BlockQ5_0* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x++, y += Elements)
        {
            float d = Fp16.ToSingle(x->D);
            uint h = *(uint*)x->Qh;
            for (int j = 0; j < 16; j++)
            {
                int lo = (x->Qs[j] & 0xF) | (int)((h >> j) & 1) << 4;
                int hi = (x->Qs[j] >> 4) | (int)((h >> (j + 16)) & 1) << 4;
                y[j] = (lo - 16) * d;
                y[j + 16] = (hi - 16) * d;
            }
        }
    }
}
