using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>IQ4_XS (136 bytes, 256 weights): IQ4_NL grid indices in 8 sub-blocks of 32, each with a 6-bit scale (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockIQ4_XS : ISuperBlock
{
    public const int Elements = 256;
    public const int Size = 136;

    public ushort D;

    /// <summary>High two bits of sub-block ib's scale at bits 2·ib.</summary>
    public ushort ScalesH;

    /// <summary>Low four bits of sub-block ib's scale in nibble ib%2 of byte ib/2.</summary>
    public fixed byte ScalesL[4];

    /// <summary>Sub-block ib uses bytes 16·ib.. with Q4_0's nibble order.</summary>
    public fixed byte Qs[128];

    /// <summary>The 6-bit scale of sub-block <paramref name="ib"/> with its offset of 32 removed.</summary>
    public readonly int SubScale(int ib) => (((ScalesL[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((ScalesH >> (2 * ib)) & 3) << 4)) - 32;

    /// <summary>The 8 sub-block scales (offset 32 removed) as int16, the vector form of <see cref="SubScale"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<short> SubScales(BlockIQ4_XS* x)
    {
        var packed = Vector128.CreateScalar(*(uint*)x->ScalesL).AsByte();
        var low = Sse2.UnpackLow(Sse2.And(packed, Vector128.Create((byte)0x0F)), Sse2.And(Sse2.ShiftRightLogical(packed.AsUInt16(), 4).AsByte(), Vector128.Create((byte)0x0F)));
        var high = Vector128.CreateScalar(SpreadHighBits(x->ScalesH)).AsByte();
        var scales = Sse2.Subtract(Sse2.Or(low, Sse2.ShiftLeftLogical(high.AsUInt16(), 4).AsByte()), Vector128.Create((byte)32));
        return Sse41.ConvertToVector128Int16(scales.AsSByte());
    }

    // Bit pair ib of the 16-bit field into byte ib.
    private static ulong SpreadHighBits(ushort h)
    {
        if (Bmi2.X64.IsSupported) return Bmi2.X64.ParallelBitDeposit(h, 0x0303030303030303ul);
        ulong r = 0;
        for (int ib = 0; ib < 8; ib++) r |= (ulong)((h >> (2 * ib)) & 3) << (8 * ib);
        return r;
    }

    internal static void Dequantize(BlockIQ4_XS* x, float* y, int blocks)
    {
        ReadOnlySpan<sbyte> grid = BlockIQ4_NL.Grid;
        for (int b = 0; b < blocks; b++, x++)
        {
            float d = Fp16.ToSingle(x->D);
            for (int ib = 0; ib < 8; ib++, y += 32)
            {
                float dl = d * x->SubScale(ib);
                byte* q = x->Qs + 16 * ib;
                for (int j = 0; j < 16; j++)
                {
                    y[j] = dl * grid[q[j] & 0xF];
                    y[j + 16] = dl * grid[q[j] >> 4];
                }
            }
        }
    }

    // Scale fields for the superblock dot kernels (see ISuperBlock).
    static GgmlType ISuperBlock.Type => GgmlType.IQ4_XS;
    static int ISuperBlock.Size => Size;
    static bool ISuperBlock.HasMin => false;
    static ushort ISuperBlock.ScaleBits(byte* block) => *(ushort*)(block + 0);
    static ushort ISuperBlock.MinBits(byte* block) => 0;
}
