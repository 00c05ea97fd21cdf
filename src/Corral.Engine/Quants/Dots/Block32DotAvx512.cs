using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// AVX-512BW kernel of the 32-block formats: two blocks per zmm, four blocks per step in two accumulators holding
/// <see cref="LaneSums"/> sets 0|1 and 2|3. Byte products as in <see cref="Block32DotAvx2{TWeights}"/> (.NET exposes no
/// 512-bit VNNI). A missing second block in the tail is a copy of the first with scale 0, which adds exact zeros.
/// </summary>
internal abstract unsafe class Block32DotAvx512<TWeights> : RowDot where TWeights : struct, IBlock32Weights
{
    public override GgmlType WeightType => TWeights.Type;
    public override IsaLevel Isa => IsaLevel.Avx512;

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
        Vector512<float> acc01 = default, acc23 = default;
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        int b = 0;
        for (; b + 4 <= blocks; b += 4, x += 4 * TWeights.Size, a += 4 * stride)
        {
            acc01 = Pair(x, x + TWeights.Size, a, a + stride, f16, scales[b], scales[b + 1], offsets + 8 * b, acc01);
            acc23 = Pair(x + 2 * TWeights.Size, x + 3 * TWeights.Size, a + 2 * stride, a + 3 * stride, f16, scales[b + 2], scales[b + 3], offsets + 8 * b + 16, acc23);
            if (TWeights.HasMin)
            {
                m0 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x)], sums[b], m0);
                m1 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + TWeights.Size)], sums[b + 1], m1);
                m2 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + 2 * TWeights.Size)], sums[b + 2], m2);
                m3 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + 3 * TWeights.Size)], sums[b + 3], m3);
            }
        }
        int rest = blocks - b;
        if (rest > 0)
        {
            // Blocks b and b+1 (or b again with scale 0) go to sets 0|1, block b+2 (with a zero-scale copy) to sets 2|3.
            bool two = rest > 1;
            acc01 = Pair(x, two ? x + TWeights.Size : x, a, two ? a + stride : a, f16, scales[b], two ? scales[b + 1] : 0f, offsets + 8 * b, acc01, !two);
            if (rest > 2)
                acc23 = Pair(x + 2 * TWeights.Size, x + 2 * TWeights.Size, a + 2 * stride, a + 2 * stride, f16, scales[b + 2], 0f, offsets + 8 * b + 16, acc23, true);
            if (TWeights.HasMin)
            {
                m0 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x)], sums[b], m0);
                if (rest > 1) m1 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + TWeights.Size)], sums[b + 1], m1);
                if (rest > 2) m2 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + 2 * TWeights.Size)], sums[b + 2], m2);
            }
        }
        float result = LaneSums.Reduce(acc01, acc23);
        if (TWeights.HasMin) result += (m0 + m2) + (m1 + m3);
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pair(byte* x0, byte* x1, sbyte* a0, sbyte* a1, float* f16, float scale0, float scale1, int* offset, Vector512<float> acc, bool secondIsPadding = false)
    {
        var values = Vector512.Create(Avx.LoadVector256(a0), Avx.LoadVector256(a1));
        Vector512<int> sums;
        if (TWeights.Offset == 128)
        {
            sums = Int8Dot.Signed(TWeights.Signed(x0, x1), values);
        }
        else
        {
            sums = Int8Dot.Madd(TWeights.Unsigned(x0, x1), values);
            if (TWeights.Offset != 0)
            {
                var correction = secondIsPadding
                    ? Vector512.Create(Avx.LoadAlignedVector256(offset), Avx.LoadAlignedVector256(offset))
                    : Avx512F.LoadAlignedVector512(offset);
                sums = Avx512F.Add(sums, correction);
            }
        }
        float second = secondIsPadding ? 0f : f16[TWeights.ScaleBits(x1)] * scale1;
        var scale = Vector512.Create(Vector256.Create(f16[TWeights.ScaleBits(x0)] * scale0), Vector256.Create(second));
        return Avx512F.FusedMultiplyAdd(scale, Avx512F.ConvertToVector512Single(sums), acc);
    }
}
