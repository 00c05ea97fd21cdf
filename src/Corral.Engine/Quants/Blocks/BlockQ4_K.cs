using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Q4_K (144 bytes, 256 weights): 4-bit values in 8 groups of 32, each with a 6-bit scale and 6-bit min (engine.md §2.3).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ4_K : ISuperBlock
{
    public const int Elements = 256;
    public const int Size = 144;

    public ushort D;
    public ushort DMin;

    /// <summary>Eight 6-bit (scale, min) pairs, see <see cref="ScaleMin"/>.</summary>
    public fixed byte Scales[12];

    /// <summary>For each 64-chunk c: element 64c+l in the low nibble of byte 32c+l, element 64c+32+l in its high nibble.</summary>
    public fixed byte Qs[128];

    internal static void Dequantize(BlockQ4_K* x, float* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x++)
        {
            float d = Fp16.ToSingle(x->D), dmin = Fp16.ToSingle(x->DMin);
            for (int c = 0; c < 4; c++, y += 64)
            {
                var (sc1, mn1) = ScaleMin(x->Scales, 2 * c);
                var (sc2, mn2) = ScaleMin(x->Scales, 2 * c + 1);
                float d1 = d * sc1, m1 = dmin * mn1, d2 = d * sc2, m2 = dmin * mn2;
                byte* q = x->Qs + 32 * c;
                for (int l = 0; l < 32; l++) y[l] = d1 * (q[l] & 0xF) - m1;
                for (int l = 0; l < 32; l++) y[l + 32] = d2 * (q[l] >> 4) - m2;
            }
        }
    }

    /// <summary>The 6-bit scale and min of group <paramref name="t"/> (llama.cpp's <c>get_scale_min_k4</c>); shared by Q4_K and Q5_K.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (int Scale, int Min) ScaleMin(byte* s, int t) => t < 4
        ? (s[t] & 63, s[t + 4] & 63)
        : ((s[t + 4] & 0xF) | ((s[t - 4] >> 6) << 4), (s[t + 4] >> 4) | ((s[t] >> 6) << 4));

    /// <summary>
    /// All eight (scale, min) pairs as bytes of one xmm: scales in bytes 0..7, mins in 8..15 — the word-wise form of
    /// <see cref="ScaleMin"/>. Reads 16 bytes from <paramref name="s"/>, 4 past the scales (still inside the block).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<byte> UnpackScalesMinsVector(byte* s)
    {
        var w = Sse2.LoadVector128((uint*)s);                                   // [w0, w1, w2, -]
        var low = Sse2.And(w, Vector128.Create(0x3F3F3F3Fu));                   // [sc0-3, mn0-3, -, -]
        var u = Sse2.Shuffle(w, 0b_01_00_10_10);                                // [w2, w2, w0, w1]
        var nibbles = Sse2.And(Avx2.ShiftRightLogicalVariable(u, Vector128.Create(0u, 4u, 0u, 0u)), Vector128.Create(0x0F0F0F0Fu));
        var tops = Sse2.And(Sse2.ShiftRightLogical(u, 6), Vector128.Create(0x03030303u));
        var high = Sse2.Or(nibbles, Sse2.ShiftLeftLogical(Sse2.Shuffle(tops, 0b_11_10_11_10), 4)); // [sc4-7, mn4-7, -, -]
        return Sse2.UnpackLow(low, high).AsByte();                              // [sc0-3, sc4-7, mn0-3, mn4-7]
    }

    // Scale fields for the superblock dot kernels (see ISuperBlock).
    static GgmlType ISuperBlock.Type => GgmlType.Q4_K;
    static int ISuperBlock.Size => Size;
    static bool ISuperBlock.HasMin => true;
    static ushort ISuperBlock.ScaleBits(byte* block) => *(ushort*)(block + 0);
    static ushort ISuperBlock.MinBits(byte* block) => *(ushort*)(block + 2);
}
