using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Q5_0 (22 bytes, 32 weights): 5-bit values offset by 16 times one f16 scale (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ5_0 : IBlock32Weights
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

    // How the 32-block dot kernels read this format (see IBlock32Weights).
    static GgmlType IBlock32Weights.Type => GgmlType.Q5_0;
    static int IBlock32Weights.Size => Size;
    static int IBlock32Weights.Offset => 16;
    static bool IBlock32Weights.HasMin => false;
    static ushort IBlock32Weights.ScaleBits(byte* block) => *(ushort*)(block + 0);
    static ushort IBlock32Weights.MinBits(byte* block) => 0;
    static int IBlock32Weights.Value(byte* block, int e) => (Block32Decode.Nibble(block + 6, e) | (int)((*(uint*)(block + 2) >> e) & 1) << 4) - 16;
    static Vector256<byte> IBlock32Weights.Unsigned(byte* block) => Block32Decode.WithHighBits(Block32Decode.Nibbles(block + 6), block + 2);
    static Vector512<byte> IBlock32Weights.Unsigned(byte* block0, byte* block1) =>
        Block32Decode.Nibbles(block0 + 6, block1 + 6) | Block32Decode.HighBits(*(uint*)(block0 + 2) | (ulong)*(uint*)(block1 + 2) << 32);
    static Vector256<sbyte> IBlock32Weights.Signed(byte* block) =>
        Avx2.Subtract(Block32Decode.WithHighBits(Block32Decode.Nibbles(block + 6), block + 2), Vector256.Create((byte)16)).AsSByte();
    static Vector512<sbyte> IBlock32Weights.Signed(byte* block0, byte* block1) =>
        ((Block32Decode.Nibbles(block0 + 6, block1 + 6) | Block32Decode.HighBits(*(uint*)(block0 + 2) | (ulong)*(uint*)(block1 + 2) << 32)) - Vector512.Create((byte)16)).AsSByte();
}
