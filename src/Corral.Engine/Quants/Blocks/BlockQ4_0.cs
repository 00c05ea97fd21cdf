using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Q4_0 (18 bytes, 32 weights): 4-bit values offset by 8 times one f16 scale (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ4_0 : IBlock32Weights
{
    public const int Elements = 32;
    public const int Size = 18;

    /// <summary>f16 scale.</summary>
    public ushort D;

    /// <summary>Element j in the low nibble of byte j, element j+16 in its high nibble.</summary>
    public fixed byte Qs[16];

    internal static void Dequantize(BlockQ4_0* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x++, y += Elements)
        {
            float d = Fp16.ToSingle(x->D);
            for (int j = 0; j < 16; j++)
            {
                y[j] = ((x->Qs[j] & 0xF) - 8) * d;
                y[j + 16] = ((x->Qs[j] >> 4) - 8) * d;
            }
        }
    }

    // How the 32-block dot kernels read this format (see IBlock32Weights).
    static GgmlType IBlock32Weights.Type => GgmlType.Q4_0;
    static int IBlock32Weights.Size => Size;
    static int IBlock32Weights.Offset => 8;
    static bool IBlock32Weights.HasMin => false;
    static ushort IBlock32Weights.ScaleBits(byte* block) => *(ushort*)(block + 0);
    static ushort IBlock32Weights.MinBits(byte* block) => 0;
    static int IBlock32Weights.Value(byte* block, int e) => Block32Decode.Nibble(block + 2, e) - 8;
    static Vector256<byte> IBlock32Weights.Unsigned(byte* block) => Block32Decode.Nibbles(block + 2);
    static Vector512<byte> IBlock32Weights.Unsigned(byte* block0, byte* block1) => Block32Decode.Nibbles(block0 + 2, block1 + 2);
    static Vector256<sbyte> IBlock32Weights.Signed(byte* block) => Avx2.Subtract(Block32Decode.Nibbles(block + 2), Vector256.Create((byte)8)).AsSByte();
    static Vector512<sbyte> IBlock32Weights.Signed(byte* block0, byte* block1) => (Block32Decode.Nibbles(block0 + 2, block1 + 2) - Vector512.Create((byte)8)).AsSByte();
}
