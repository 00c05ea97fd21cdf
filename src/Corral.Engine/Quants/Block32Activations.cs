using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corral.Engine.Quants;

/// <summary>
/// A Q8_0 or Q8_1 activation row prepared once per matrix–vector product for the 32-block kernels: block scales (and Q8_1
/// sums) widened to f32, and, for weight formats fed to the byte products as <c>value + offset</c>, each block's 8 lane
/// sums of the activations times −offset, from which the integer sum starts so that it stays exact.
/// Lives in <see cref="KernelScratch"/>: valid until the thread prepares another row.
/// </summary>
internal readonly unsafe struct Block32Activations
{
    /// <summary>The int8 values of block 0; block b's are <see cref="Stride"/>·b bytes further.</summary>
    public readonly sbyte* Qs;
    public readonly int Stride;
    public readonly float* Scales;

    /// <summary>Q8_1 only: the f16 <c>s = d·Σq</c> of each block as f32.</summary>
    public readonly float* Sums;

    /// <summary>8 int32 per block, 32-byte aligned; null when the offset is 0.</summary>
    public readonly int* Offsets;

    private Block32Activations(sbyte* qs, int stride, float* scales, float* sums, int* offsets)
    {
        Qs = qs;
        Stride = stride;
        Scales = scales;
        Sums = sums;
        Offsets = offsets;
    }

    /// <summary>
    /// Prepares <paramref name="blocks"/> blocks of Q8_0 (<paramref name="q8_1"/> false) or Q8_1 activations.
    /// <paramref name="offset"/> 1..128 also computes the corrections (with VNNI when <paramref name="vnni"/>, else AVX2).
    /// </summary>
    public static Block32Activations Prepare(byte* a, int blocks, bool q8_1, int offset, bool vnni)
    {
        int stride = q8_1 ? BlockQ8_1.Size : BlockQ8_0.Size;
        long floatBytes = ((long)blocks * sizeof(float) + 63) & ~63L;
        byte* scratch = KernelScratch.Get(2 * floatBytes + (offset > 0 ? blocks * 32L : 0));
        float* scales = (float*)scratch;
        float* sums = q8_1 ? (float*)(scratch + floatBytes) : null;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = a + (long)b * stride;
            scales[b] = Fp16.ToSingle(*(ushort*)block);
            if (q8_1) sums[b] = Fp16.ToSingle(*(ushort*)(block + 2));
        }
        sbyte* qs = (sbyte*)a + (q8_1 ? 4 : 2);
        int* offsets = null;
        if (offset > 0)
        {
            offsets = (int*)(scratch + 2 * floatBytes);
            var factor = Vector256.Create((byte)offset);
            for (int b = 0; b < blocks; b++)
            {
                var values = Avx.LoadVector256(qs + (long)b * stride);
                var lanes = vnni ? Int8Dot.Vnni(Vector256<int>.Zero, factor, values) : Int8Dot.Madd(factor, values);
                Avx.Store(offsets + 8 * b, Avx2.Subtract(Vector256<int>.Zero, lanes));
            }
        }
        return new Block32Activations(qs, stride, scales, sums, offsets);
    }
}
