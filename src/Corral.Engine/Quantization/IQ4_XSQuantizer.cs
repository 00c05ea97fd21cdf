using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>
/// IQ4_XS quantizer as llama-quantize runs it without an importance matrix (quantize_iq4_xs): eight
/// blocks of 32 get scales from the <see cref="Iq4Grid"/> search, stored as signed 6 bits against
/// d = −max_scale/32, and every index is re-picked with the unrounded block scale d·l.
/// Layout (136 bytes): d, scales_h (u16), scales_l[4], qs[128].
/// </summary>
public static class IQ4_XSQuantizer
{
    public const int BlockSize = 256;
    public const int BlockBytes = 136;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = ThrowHelpers.CheckBlocks(GgmlType.IQ4_XS, source.Length, destination.Length);
        Span<byte> levels = stackalloc byte[32];
        Span<float> scales = stackalloc float[8];
        Span<float> inverse = stackalloc float[8];
        Span<Vector256<float>> xt = stackalloc Vector256<float>[32];
        Span<Vector256<int>> lt = stackalloc Vector256<int>[32];
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            var scalesL = y.Slice(4, 4);
            var qs = y.Slice(8, 128);

            if (KQuantSearchX8.IsEnabled)
            {
                KQuantSearchX8.Transpose(x, 32, xt);
                Iq4GridX8.FindBlockScale(xt, lt).CopyTo(scales);
            }
            else
            {
                for (int ib = 0; ib < 8; ib++) scales[ib] = Iq4Grid.FindBlockScale(x.Slice(32 * ib, 32), levels);
            }
            float maxScale = 0, amaxScale = 0;
            for (int ib = 0; ib < 8; ib++)
            {
                float abs = MathF.Abs(scales[ib]);
                if (abs > amaxScale) { amaxScale = abs; maxScale = scales[ib]; }
            }

            float d = -maxScale / 32;
            BinaryPrimitives.WriteUInt16LittleEndian(y, FloatBits.SingleToHalf(d));
            float id = d != 0 ? 1 / d : 0f;
            ushort scalesH = 0;
            for (int ib = 0; ib < 8; ib++)
            {
                int l = Math.Clamp(KQuantMath.NearestInt(id * scales[ib]), -32, 31);
                float dl = d * l;
                inverse[ib] = dl != 0 ? 1 / dl : 0f;
                l += 32;
                int low = l & 0xF, high = l >> 4;
                if (ib % 2 == 0) scalesL[ib / 2] = (byte)low;
                else scalesL[ib / 2] |= (byte)(low << 4);
                scalesH |= (ushort)(high << (2 * ib));
            }
            if (KQuantSearchX8.IsEnabled)
            {
                Iq4GridX8.PickIndices(xt, Vector256.Create<float>(inverse), lt);
                for (int ib = 0; ib < 8; ib++) Iq4GridX8.PackNibbles(lt, ib, qs.Slice(16 * ib, 16));
            }
            else
            {
                for (int ib = 0; ib < 8; ib++)
                {
                    Iq4Grid.PickIndices(x.Slice(32 * ib, 32), inverse[ib], levels);
                    Iq4Grid.PackNibbles(levels, qs.Slice(16 * ib, 16));
                }
            }
            BinaryPrimitives.WriteUInt16LittleEndian(y[2..], scalesH);
        }
    }
}
