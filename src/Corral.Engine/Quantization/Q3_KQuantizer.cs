using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Corral.Engine.Tensors;
using static Corral.Engine.Quantization.KQuantMath;

namespace Corral.Engine.Quantization;

/// <summary>
/// Q3_K reference quantizer (quantize_row_q3_K_ref): 16 groups of 16 get a symmetric scale from
/// make_q3_quants, stored as signed 6 bits against one f16 super-scale; values are re-picked in [−4, 3].
/// Layout (110 bytes): hmask[32], qs[64], scales[12], d.
/// </summary>
public static class Q3_KQuantizer
{
    public const int BlockSize = 256;
    public const int BlockBytes = 110;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = ThrowHelpers.CheckBlocks(GgmlType.Q3_K, source.Length, destination.Length);
        Span<sbyte> levels = stackalloc sbyte[BlockSize];
        Span<float> scales = stackalloc float[16];

        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            var hmask = y[..32];
            var qs = y.Slice(32, 64);
            var yScales = y.Slice(96, 12);

            float maxScale = 0, amax = 0;
            for (int j = 0; j < 16; j++)
            {
                scales[j] = MakeQ3QuantsRmse(4, x.Slice(16 * j, 16), levels.Slice(16 * j, 16));
                float scale = MathF.Abs(scales[j]);
                if (scale > amax) { amax = scale; maxScale = scales[j]; }
            }

            yScales.Clear();
            ushort dBits;
            if (maxScale != 0)
            {
                float iscale = -32f / maxScale;
                for (int j = 0; j < 16; j++)
                {
                    int l = (sbyte)NearestInt(iscale * scales[j]);
                    l = Math.Clamp(l, -32, 31) + 32;
                    if (j < 8) yScales[j] = (byte)(l & 0xF);
                    else yScales[j - 8] |= (byte)((l & 0xF) << 4);
                    l >>= 4;
                    yScales[j % 4 + 8] |= (byte)(l << (2 * (j / 4)));
                }
                dBits = FloatBits.SingleToHalf(1 / iscale);
            }
            else
            {
                dBits = FloatBits.SingleToHalf(0f);
            }
            BinaryPrimitives.WriteUInt16LittleEndian(y[108..], dBits);

            float dStored = FloatBits.HalfToSingle(dBits);
            for (int j = 0; j < 16; j++)
            {
                int lo = j < 8 ? yScales[j] & 0xF : yScales[j - 8] >> 4;
                int sc = (lo | (((yScales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
                float d = dStored * sc;
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ii++)
                    levels[16 * j + ii] = (sbyte)(Math.Clamp(NearestInt(x[16 * j + ii] / d), -4, 3) + 4);
            }

            // The high bit of element e goes to bit e/32 of hmask[e%32].
            hmask.Clear();
            for (int j = 0; j < BlockSize; j++)
            {
                if (levels[j] > 3)
                {
                    hmask[j % 32] |= (byte)(1 << (j / 32));
                    levels[j] -= 4;
                }
            }
            for (int j = 0; j < BlockSize; j += 128)
                for (int l = 0; l < 32; l++)
                    qs[j / 4 + l] = (byte)((byte)levels[j + l] | ((byte)levels[j + l + 32] << 2) | ((byte)levels[j + l + 64] << 4) | ((byte)levels[j + l + 96] << 6));
        }
    }
}
