using System.Runtime.InteropServices;

namespace Corral.Engine.Quants;

/// <summary>Q8_0 (34 bytes, 32 values): int8 values times one f16 scale (engine.md §2.3). Also the activation format of Q4_0/Q5_0/Q8_0/IQ4_NL weights.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ8_0
{
    public const int Elements = 32;
    public const int Size = 34;

    public ushort D;
    public fixed sbyte Qs[32];

    internal static void Dequantize(BlockQ8_0* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x++, y += Elements)
        {
            float d = Fp16.ToSingle(x->D);
            for (int j = 0; j < Elements; j++) y[j] = x->Qs[j] * d;
        }
    }
}
