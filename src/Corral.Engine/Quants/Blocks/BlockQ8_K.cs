using System.Runtime.InteropServices;

namespace Corral.Engine.Quants;

/// <summary>Q8_K (292 bytes, 256 values): the activation format of the K-quants (engine.md §2.3, §2.6).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ8_K
{
    public const int Elements = 256;
    public const int Size = 292;

    /// <summary>f32 scale, negative whenever the largest-magnitude input was positive.</summary>
    public float D;

    public fixed sbyte Qs[256];

    /// <summary>Sum of each run of 16 values; the K-quant kernels use them for mins and offsets.</summary>
    public fixed short BSums[16];

    internal static void Dequantize(BlockQ8_K* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x++, y += Elements)
        {
            for (int j = 0; j < Elements; j++) y[j] = x->D * x->Qs[j];
        }
    }
}
