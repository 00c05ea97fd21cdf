using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>Q8_0 reference quantizer (quantize_row_q8_0_ref): d = amax/127, q = roundf(x/d) (ties away from zero).</summary>
public static class Q8_0Quantizer
{
    public const int BlockSize = 32;
    public const int BlockBytes = 34;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = ThrowHelpers.CheckBlocks(GgmlType.Q8_0, source.Length, destination.Length);
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            float amax = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                float a = MathF.Abs(x[j]);
                amax = amax > a ? amax : a;
            }
            float d = amax / 127;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(y, FloatBits.SingleToHalf(d));
            var qs = y[2..];
            for (int j = 0; j < BlockSize; j++)
                qs[j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
        }
    }
}
