using Corral.Engine.Tensors;

namespace Corral.Engine.Kernels;

/// <summary>Dequantizes rows of any supported type to f32 (embedding lookups, small tensors).</summary>
public static unsafe class RowDequantizer
{
    public static void Dequantize(GgmlType type, ReadOnlySpan<byte> src, Span<float> dst, string tensorName)
    {
        switch (type)
        {
            case GgmlType.F32:
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(src)[..dst.Length].CopyTo(dst);
                return;
            case GgmlType.F16:
            {
                var h = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(src);
                for (int i = 0; i < dst.Length; i++) dst[i] = Fp16.ToFloat(h[i]);
                return;
            }
            case GgmlType.BF16:
            {
                var h = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(src);
                for (int i = 0; i < dst.Length; i++) dst[i] = BitConverter.Int32BitsToSingle(h[i] << 16);
                return;
            }
            default:
                throw new NotSupportedException($"tensor '{tensorName}' has type {GgmlTypeInfo.Name(type)}, which cannot be dequantized by this build");
        }
    }
}
