using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Q4_1 (20 bytes, 32 weights): 4-bit values times an f16 scale plus an f16 minimum (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ4_1 : IBlock32Weights
{
    public const int Elements = 32;
    public const int Size = 20;

    public ushort D;

    /// <summary>f16 offset added to every element.</summary>
    public ushort M;

    /// <summary>Element j in the low nibble of byte j, element j+16 in its high nibble.</summary>
    public fixed byte Qs[16];

    internal static void Dequantize(BlockQ4_1* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x++, y += Elements)
        {
            float d = Fp16.ToSingle(x->D), m = Fp16.ToSingle(x->M);
            for (int j = 0; j < 16; j++)
            {
                y[j] = (x->Qs[j] & 0xF) * d + m;
                y[j + 16] = (x->Qs[j] >> 4) * d + m;
            }
        }
    }

    // How the 32-block dot kernels read this format (see IBlock32Weights).
    static GgmlType IBlock32Weights.Type => GgmlType.Q4_1;
    static int IBlock32Weights.Size => Size;
    static int IBlock32Weights.Offset => 0;
    static bool IBlock32Weights.HasMin => true;
    static ushort IBlock32Weights.ScaleBits(byte* block) => *(ushort*)(block + 0);
    static ushort IBlock32Weights.MinBits(byte* block) => *(ushort*)(block + 2);
    static int IBlock32Weights.Value(byte* block, int e) => Block32Decode.Nibble(block + 4, e);
    static Vector256<byte> IBlock32Weights.Unsigned(byte* block) => Block32Decode.Nibbles(block + 4);
    static Vector512<byte> IBlock32Weights.Unsigned(byte* block0, byte* block1) => Block32Decode.Nibbles(block0 + 4, block1 + 4);
    static Vector256<sbyte> IBlock32Weights.Signed(byte* block) => Block32Decode.Nibbles(block + 4).AsSByte();
    static Vector512<sbyte> IBlock32Weights.Signed(byte* block0, byte* block1) => Block32Decode.Nibbles(block0 + 4, block1 + 4).AsSByte();
}
