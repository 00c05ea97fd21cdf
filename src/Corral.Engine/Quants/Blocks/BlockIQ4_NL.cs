using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>IQ4_NL (18 bytes, 32 weights): 4-bit indices into a fixed non-linear grid times one f16 scale (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockIQ4_NL : IBlock32Weights
{
    public const int Elements = 32;
    public const int Size = 18;

    public ushort D;

    /// <summary>Indices, nibble order as in Q4_0.</summary>
    public fixed byte Qs[16];

    /// <summary>The grid (<c>kvalues_iq4nl</c>).</summary>
    public static ReadOnlySpan<sbyte> Grid => [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    internal static void Dequantize(BlockIQ4_NL* x, float* y, int blocks)
    {
        ReadOnlySpan<sbyte> grid = Grid;
        for (int b = 0; b < blocks; b++, x++, y += Elements)
        {
            float d = Fp16.ToSingle(x->D);
            for (int j = 0; j < 16; j++)
            {
                y[j] = d * grid[x->Qs[j] & 0xF];
                y[j + 16] = d * grid[x->Qs[j] >> 4];
            }
        }
    }

    // How the 32-block dot kernels read this format (see IBlock32Weights).
    static GgmlType IBlock32Weights.Type => GgmlType.IQ4_NL;
    static int IBlock32Weights.Size => Size;
    static int IBlock32Weights.Offset => 128;
    static bool IBlock32Weights.HasMin => false;
    static ushort IBlock32Weights.ScaleBits(byte* block) => *(ushort*)(block + 0);
    static ushort IBlock32Weights.MinBits(byte* block) => 0;
    static int IBlock32Weights.Value(byte* block, int e) => Grid[Block32Decode.Nibble(block + 2, e)];
    static Vector256<byte> IBlock32Weights.Unsigned(byte* block) => Avx2.Shuffle(GridPlus128(), Block32Decode.Nibbles(block + 2));
    static Vector512<byte> IBlock32Weights.Unsigned(byte* block0, byte* block1) =>
        Avx512BW.Shuffle(Vector512.Create(GridPlus128(), GridPlus128()), Block32Decode.Nibbles(block0 + 2, block1 + 2));
    static Vector256<sbyte> IBlock32Weights.Signed(byte* block) => Avx2.Shuffle(GridVector(), Block32Decode.Nibbles(block + 2).AsSByte());
    static Vector512<sbyte> IBlock32Weights.Signed(byte* block0, byte* block1) =>
        Avx512BW.Shuffle(Vector512.Create(GridVector(), GridVector()), Block32Decode.Nibbles(block0 + 2, block1 + 2).AsSByte());

    // The grid in both 128-bit lanes for vpshufb, as signed values and shifted by 128 into unsigned bytes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> GridVector() => Vector256.Create(
        (sbyte)-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113,
        -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> GridPlus128() => Vector256.Create(
        (byte)1, 24, 45, 63, 79, 93, 106, 118, 129, 141, 153, 166, 181, 197, 217, 241,
        1, 24, 45, 63, 79, 93, 106, 118, 129, 141, 153, 166, 181, 197, 217, 241);
}
