using System.Runtime.CompilerServices;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// Reference kernel of the 32-block formats (engine.md §3.1): Σ_blocks f(d_w)·f(d_a)·Σ q_w·q_a, plus f(m_w)·f(s_a) for
/// Q4_1/Q5_1. Defines the summation order the vector kernels reproduce: the integer sum of elements 4k..4k+3 of block b
/// is fused-multiply-added, times the block's scale product, into lane k of <see cref="LaneSums"/> set b % 4; the
/// m·s terms go to four accumulators by b % 4, folded as (0 + 2) + (1 + 3) and added last.
/// </summary>
internal abstract unsafe class Block32DotScalar<TWeights> : RowDot where TWeights : struct, IBlock32Weights
{
    public override GgmlType WeightType => TWeights.Type;
    public override IsaLevel Isa => IsaLevel.Scalar;

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

    private static Block32Activations Prepare(byte* a, int n) => Block32Activations.Prepare(a, n / 32, TWeights.HasMin, 0, false);

    internal static float Dot(byte* x, Block32Activations act, int blocks)
    {
        float* acc = stackalloc float[LaneSums.Count];
        new Span<float>(acc, LaneSums.Count).Clear();
        float* mins = stackalloc float[4];
        new Span<float>(mins, 4).Clear();
        for (int b = 0; b < blocks; b++, x += TWeights.Size)
        {
            sbyte* a = act.Qs + (long)b * act.Stride;
            float scale = Fp16.ToSingle(TWeights.ScaleBits(x)) * act.Scales[b];
            float* set = acc + 8 * (b & 3);
            for (int k = 0; k < 8; k++)
            {
                int sum = 0;
                for (int i = 4 * k; i < 4 * k + 4; i++) sum += TWeights.Value(x, i) * a[i];
                set[k] = MathF.FusedMultiplyAdd(scale, sum, set[k]);
            }
            if (TWeights.HasMin) mins[b & 3] = MathF.FusedMultiplyAdd(Fp16.ToSingle(TWeights.MinBits(x)), act.Sums[b], mins[b & 3]);
        }
        float result = LaneSums.Reduce(acc);
        if (TWeights.HasMin) result += (mins[0] + mins[2]) + (mins[1] + mins[3]);
        return result;
    }
}
