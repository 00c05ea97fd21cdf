using System.Runtime.CompilerServices;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// Dot product of a K-quant (or IQ4_XS) row with a Q8_K row. The integer sums of each superblock are exact whatever the
/// instruction set (<typeparamref name="TSums"/>), and the float part is the same scalar code for all of them:
/// superblock i updates accumulator i % 2 with <c>fma(d_a·f(d), sumi, acc)</c> and then, for formats with minimums,
/// <c>fma(−(d_a·f(dmin)), summ, acc)</c>; the result is acc0 + acc1.
/// </summary>
internal abstract unsafe class SuperBlockDot<TBlock, TSums> : RowDot
    where TBlock : struct, ISuperBlock
    where TSums : struct, ISuperBlockSums<TBlock>
{
    public override GgmlType WeightType => TBlock.Type;
    public override IsaLevel Isa => TSums.Isa;

    protected override float DotCore(byte* w, byte* a, int n) => Dot(w, (BlockQ8_K*)a, n / 256);

    protected override void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n)
    {
        for (int r = 0; r < rows; r++) y[r] = Dot(w + r * wStride, (BlockQ8_K*)a, n / 256);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(byte* x, BlockQ8_K* y, int blocks)
    {
        float* f16 = Fp16.Table;
        float acc0 = 0, acc1 = 0;
        int i = 0;
        for (; i + 2 <= blocks; i += 2, x += 2 * TBlock.Size, y += 2)
        {
            acc0 = Step(x, y, f16, acc0);
            acc1 = Step(x + TBlock.Size, y + 1, f16, acc1);
        }
        if (i < blocks) acc0 = Step(x, y, f16, acc0);
        return acc0 + acc1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Step(byte* x, BlockQ8_K* y, float* f16, float acc)
    {
        int sumi = TSums.Sums(x, y, out int summ);
        acc = MathF.FusedMultiplyAdd(y->D * f16[TBlock.ScaleBits(x)], sumi, acc);
        if (TBlock.HasMin) acc = MathF.FusedMultiplyAdd(-(y->D * f16[TBlock.MinBits(x)]), summ, acc);
        return acc;
    }
}
