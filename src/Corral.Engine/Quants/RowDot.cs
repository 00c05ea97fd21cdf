using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// One weight row · one activation row → f32, for one weight type and one instruction set (llama.cpp's <c>vec_dot</c>).
/// Weights are in <see cref="WeightType"/>; activations are in <see cref="ActivationType"/>, produced by
/// <see cref="ActivationQuantizer"/>. Integer inner sums are exact; every tier of a weight type sums the float
/// terms in the same order (its scalar kernel's), so scalar, AVX2 and AVX-512 results are identical.
/// Get instances from <see cref="RowDotKernels.For(GgmlType, IsaLevel)"/>.
/// </summary>
public abstract unsafe class RowDot
{
    public abstract GgmlType WeightType { get; }

    public GgmlType ActivationType => VecDot.TypeFor(WeightType);

    /// <summary>The instruction set this kernel is written for.</summary>
    public abstract IsaLevel Isa { get; }

    /// <summary>True when this CPU runs the kernel (its tier, plus e.g. AVX-VNNI for the VNNI kernels).</summary>
    public virtual bool IsSupported => CpuIsa.IsSupported(Isa);

    /// <summary>The kernel's algorithm name, e.g. <c>Q8_0DotAvx2</c>.</summary>
    public string Name => GetType().Name;

    /// <summary>Dot product of <paramref name="n"/> elements (a multiple of the weight type's block size).</summary>
    public float Dot(byte* w, byte* a, int n)
    {
        CheckLength(n);
        return DotCore(w, a, n);
    }

    /// <summary>
    /// <c>y[r] = w_r · a</c> for <paramref name="rows"/> weight rows <paramref name="wStride"/> bytes apart, all against one
    /// activation row: the matrix–vector product, without a virtual call per row.
    /// </summary>
    public void DotRows(byte* w, nint wStride, byte* a, float* y, int rows, int n)
    {
        CheckLength(n);
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "row count cannot be negative");
        DotRowsCore(w, wStride, a, y, rows, n);
    }

    /// <summary>
    /// <see cref="DotRows"/> for a stream of weights: <paramref name="stepRows"/> rows at a time, each step first requesting
    /// the weights <see cref="WeightPrefetch.Distance"/> bytes further on. Kernels that prepare the activation row (scales,
    /// offsets) override this: they prepare it once per call and step by their own row count (one row, or a row pair).
    /// </summary>
    public void DotRowsPrefetching(byte* w, nint wStride, byte* a, float* y, int rows, int n, int stepRows)
    {
        CheckLength(n);
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "row count cannot be negative");
        if (stepRows <= 0) throw new ArgumentOutOfRangeException(nameof(stepRows), stepRows, "step must be at least one row");
        DotRowsPrefetchingCore(w, wStride, a, y, rows, n, stepRows);
    }

    protected virtual void DotRowsPrefetchingCore(byte* w, nint wStride, byte* a, float* y, int rows, int n, int stepRows)
    {
        byte* end = w + rows * wStride;
        WeightPrefetch.Start(w, end);
        for (int r = 0; r < rows; r += stepRows)
        {
            int count = Math.Min(stepRows, rows - r);
            byte* step = w + r * wStride;
            WeightPrefetch.Ahead(step, count * wStride, end);
            DotRowsCore(step, wStride, a, y + r, count, n);
        }
    }

    /// <summary>Checked span form of <see cref="Dot(byte*, byte*, int)"/>.</summary>
    public float Dot(ReadOnlySpan<byte> w, ReadOnlySpan<byte> a, int n)
    {
        CheckLength(n);
        if (w.Length < GgmlTypeInfo.RowSize(WeightType, n)) ThrowHelpers.SourceTooShort(WeightType, n, w.Length);
        if (a.Length < GgmlTypeInfo.RowSize(ActivationType, n)) ThrowHelpers.SourceTooShort(ActivationType, n, a.Length);
        fixed (byte* pw = w)
        fixed (byte* pa = a)
            return DotCore(pw, pa, n);
    }

    protected abstract float DotCore(byte* w, byte* a, int n);

    protected abstract void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n);

    public override string ToString() => Name;

    private void CheckLength(int n)
    {
        if (n < 0 || n % GgmlTypeInfo.BlockSize(WeightType) != 0) ThrowHelpers.NotBlockMultiple(WeightType, n);
    }
}
