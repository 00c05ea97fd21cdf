using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Q8_0 (34 bytes, 32 values): int8 values times one f16 scale (engine.md §2.3). Also the activation format of Q4_0/Q5_0/Q8_0/IQ4_NL weights.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ8_0 : IBlock32Weights
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

    // How the 32-block dot kernels read this format (see IBlock32Weights).
    static GgmlType IBlock32Weights.Type => GgmlType.Q8_0;
    static int IBlock32Weights.Size => Size;
    static int IBlock32Weights.Offset => 128;
    static bool IBlock32Weights.HasMin => false;
    static ushort IBlock32Weights.ScaleBits(byte* block) => *(ushort*)(block + 0);
    static ushort IBlock32Weights.MinBits(byte* block) => 0;
    static int IBlock32Weights.Value(byte* block, int e) => ((sbyte*)block)[2 + e];
    static Vector256<byte> IBlock32Weights.Unsigned(byte* block) => Avx2.Xor(Avx.LoadVector256(block + 2), Vector256.Create((byte)0x80));
    static Vector512<byte> IBlock32Weights.Unsigned(byte* block0, byte* block1) =>
        Vector512.Create(Avx.LoadVector256(block0 + 2), Avx.LoadVector256(block1 + 2)) ^ Vector512.Create((byte)0x80);
    static Vector256<sbyte> IBlock32Weights.Signed(byte* block) => Avx.LoadVector256((sbyte*)block + 2);
    static Vector512<sbyte> IBlock32Weights.Signed(byte* block0, byte* block1) =>
        Vector512.Create(Avx.LoadVector256((sbyte*)block0 + 2), Avx.LoadVector256((sbyte*)block1 + 2));
}
