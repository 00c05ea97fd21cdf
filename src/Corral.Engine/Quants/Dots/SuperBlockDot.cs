using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// Reference dot product of a K-quant (or IQ4_XS) row with a Q8_K row, and the summation order every tier follows:
/// each superblock's 8 exact integer lanes (<see cref="ISuperBlockLanesScalar{TBlock}"/>) are converted to f32 and
/// fused-multiply-added into 8 accumulators with <c>d = d_a·f(d_w)</c>; minimum lanes likewise into 8 more with
/// <c>d_a·f(dmin)</c>. At the end lane k is <c>acc_k − accMin_k</c>, and the lanes fold in halves 8 → 4 → 2 → 1
/// (the <see cref="LaneSums"/> fold). This is llama.cpp's own AVX2 arrangement (engine.md §3.1).
/// </summary>
internal abstract unsafe class SuperBlockDotScalar<TBlock, TLanes> : RowDot
    where TBlock : struct, ISuperBlock
    where TLanes : struct, ISuperBlockLanesScalar<TBlock>
{
    public override GgmlType WeightType => TBlock.Type;
    public override IsaLevel Isa => IsaLevel.Scalar;

    protected override float DotCore(byte* w, byte* a, int n) => Dot(w, (BlockQ8_K*)a, n / 256);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n)
    {
        for (int r = 0; r < rows; r++) y[r] = Dot(w + r * wStride, (BlockQ8_K*)a, n / 256);
    }

    internal static float Dot(byte* x, BlockQ8_K* y, int blocks)
    {
        float* acc = stackalloc float[16];
        new Span<float>(acc, 16).Clear();
        float* accMin = acc + 8;
        int* lanes = stackalloc int[16];
        int* mins = lanes + 8;
        for (int i = 0; i < blocks; i++, x += TBlock.Size, y++)
        {
            new Span<int>(lanes, 16).Clear();
            TLanes.Lanes(x, y, lanes, mins);
            float d = y->D * Fp16.ToSingle(TBlock.ScaleBits(x));
            for (int k = 0; k < 8; k++) acc[k] = MathF.FusedMultiplyAdd(d, lanes[k], acc[k]);
            if (TBlock.HasMin)
            {
                float dmin = y->D * Fp16.ToSingle(TBlock.MinBits(x));
                for (int k = 0; k < 8; k++) accMin[k] = MathF.FusedMultiplyAdd(dmin, mins[k], accMin[k]);
            }
        }
        if (TBlock.HasMin)
            for (int k = 0; k < 8; k++) acc[k] -= accMin[k];
        return LaneSums.Fold(acc);
    }
}

/// <summary>The vector form of <see cref="SuperBlockDotScalar{TBlock, TLanes}"/>: same lanes, same order, one ymm each.</summary>
internal abstract unsafe class SuperBlockDotVector<TBlock, TLanes> : RowDot
    where TBlock : struct, ISuperBlock
    where TLanes : struct, ISuperBlockLanes<TBlock>
{
    public override GgmlType WeightType => TBlock.Type;
    public override IsaLevel Isa => TLanes.Isa;

    protected override float DotCore(byte* w, byte* a, int n) => Dot(w, (BlockQ8_K*)a, n / 256);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n)
    {
        for (int r = 0; r < rows; r++) y[r] = Dot(w + r * wStride, (BlockQ8_K*)a, n / 256);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(byte* x, BlockQ8_K* y, int blocks)
    {
        float* f16 = Fp16.Table;
        Vector256<float> acc = default, accMin = default;
        for (int i = 0; i < blocks; i++, x += TBlock.Size, y++)
        {
            var lanes = TLanes.Lanes(x, y, out var mins);
            // Scales as broadcasts from memory times a vector multiply: same product, no scalar-to-vector shuffle.
            var da = Vector256.Create(y->D);
            acc = Fma.MultiplyAdd(Avx.Multiply(da, Vector256.Create(f16[TBlock.ScaleBits(x)])), Avx.ConvertToVector256Single(lanes), acc);
            if (TBlock.HasMin)
                accMin = Fma.MultiplyAdd(Avx.Multiply(da, Vector256.Create(f16[TBlock.MinBits(x)])), Avx.ConvertToVector256Single(mins), accMin);
        }
        return LaneSums.Fold(TBlock.HasMin ? Avx.Subtract(acc, accMin) : acc);
    }
}
