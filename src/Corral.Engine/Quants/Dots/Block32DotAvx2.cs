using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// AVX2 kernel of the 32-block formats: one block per ymm, four blocks per step into the four <see cref="LaneSums"/>
/// sets. Unsigned values (offset &lt; 128) go through <c>vpmaddubsw</c> directly, with the prepared −offset·Σa
/// correction added; signed int8 values (Q8_0, IQ4_NL) use the abs/sign trick, since q + 128 would overflow int16 pairs.
/// </summary>
internal abstract unsafe class Block32DotAvx2<TWeights> : RowDot where TWeights : struct, IBlock32Weights
{
    public override GgmlType WeightType => TWeights.Type;
    public override IsaLevel Isa => IsaLevel.Avx2;

    protected override float DotCore(byte* w, byte* a, int n) => Dot(w, Prepare(a, n), n / 32);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n)
    {
        var act = Prepare(a, n);
        for (int r = 0; r < rows; r++) y[r] = Dot(w + r * wStride, act, n / 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DotRowsPrefetchingCore(byte* w, nint wStride, byte* a, float* y, int rows, int n, int stepRows)
    {
        var act = Prepare(a, n);
        byte* end = w + rows * wStride;
        WeightPrefetch.Start(w, end);
        for (int r = 0; r < rows; r++)
        {
            WeightPrefetch.Ahead(w + r * wStride, wStride, end);
            y[r] = Dot(w + r * wStride, act, n / 32);
        }
    }

    private static Block32Activations Prepare(byte* a, int n) =>
        Block32Activations.Prepare(a, n / 32, TWeights.HasMin, TWeights.Offset is > 0 and < 128 ? TWeights.Offset : 0, vnni: false);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(byte* x, Block32Activations act, int blocks)
    {
        float* f16 = Fp16.Table;
        sbyte* a = act.Qs;
        nint stride = act.Stride;
        float* scales = act.Scales;
        float* sums = act.Sums;
        int* offsets = act.Offsets;
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        int b = 0;
        for (; b + 4 <= blocks; b += 4, x += 4 * TWeights.Size, a += 4 * stride)
        {
            acc0 = Block(x, a, f16, scales + b, offsets + 8 * b, acc0);
            acc1 = Block(x + TWeights.Size, a + stride, f16, scales + b + 1, offsets + 8 * b + 8, acc1);
            acc2 = Block(x + 2 * TWeights.Size, a + 2 * stride, f16, scales + b + 2, offsets + 8 * b + 16, acc2);
            acc3 = Block(x + 3 * TWeights.Size, a + 3 * stride, f16, scales + b + 3, offsets + 8 * b + 24, acc3);
            if (TWeights.HasMin)
            {
                m0 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x)], sums[b], m0);
                m1 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + TWeights.Size)], sums[b + 1], m1);
                m2 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + 2 * TWeights.Size)], sums[b + 2], m2);
                m3 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + 3 * TWeights.Size)], sums[b + 3], m3);
            }
        }
        for (int set = 0; b < blocks; b++, set++, x += TWeights.Size, a += stride)
        {
            float m = TWeights.HasMin ? f16[TWeights.MinBits(x)] : 0;
            if (set == 0) { acc0 = Block(x, a, f16, scales + b, offsets + 8 * b, acc0); if (TWeights.HasMin) m0 = MathF.FusedMultiplyAdd(m, sums[b], m0); }
            else if (set == 1) { acc1 = Block(x, a, f16, scales + b, offsets + 8 * b, acc1); if (TWeights.HasMin) m1 = MathF.FusedMultiplyAdd(m, sums[b], m1); }
            else { acc2 = Block(x, a, f16, scales + b, offsets + 8 * b, acc2); if (TWeights.HasMin) m2 = MathF.FusedMultiplyAdd(m, sums[b], m2); }
        }
        float result = LaneSums.Reduce(acc0, acc1, acc2, acc3);
        if (TWeights.HasMin) result += (m0 + m2) + (m1 + m3);
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block(byte* x, sbyte* a, float* f16, float* activationScale, int* offset, Vector256<float> acc)
    {
        var values = Avx.LoadVector256(a);
        Vector256<int> sums;
        if (TWeights.Offset == 128)
        {
            sums = Int8Dot.Signed(TWeights.Signed(x), values);
        }
        else
        {
            sums = Int8Dot.Madd(TWeights.Unsigned(x), values);
            if (TWeights.Offset != 0) sums = Avx2.Add(sums, Avx.LoadAlignedVector256(offset));
        }
        // Two broadcasts from memory and a vector multiply keep port 5 (scalar-to-vector broadcasts) free.
        var scale = Avx.Multiply(Vector256.Create(f16[TWeights.ScaleBits(x)]), Vector256.Create(*activationScale));
        return Fma.MultiplyAdd(scale, Avx.ConvertToVector256Single(sums), acc);
    }
}
