using System.Runtime.InteropServices;

namespace Corral.Engine.Quants;

/// <summary>Q8_1 (36 bytes, 32 values): Q8_0 plus <c>s = f16(d·Σqs)</c>, the activation format of Q4_1/Q5_1 weights (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ8_1
{
    public const int Elements = 32;
    public const int Size = 36;

    public ushort D;

    /// <summary>f16 of d times the sum of the values; only dot products read it.</summary>
    public ushort S;

    public fixed sbyte Qs[32];

    internal static void Dequantize(BlockQ8_1* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x++, y += Elements)
        {
            float d = Fp16.ToSingle(x->D);
            for (int j = 0; j < Elements; j++) y[j] = x->Qs[j] * d;
        }
    }
}
