using System.Runtime.CompilerServices;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>F32 · F32 reference: element i is fused-multiply-added into accumulator i % 32, then <see cref="LaneSums"/> folds them.</summary>
internal sealed unsafe class F32DotScalar : RowDot
{
    public static readonly F32DotScalar Instance = new();

    public override GgmlType WeightType => GgmlType.F32;
    public override IsaLevel Isa => IsaLevel.Scalar;

    protected override float DotCore(byte* w, byte* a, int n) => Dot((float*)w, (float*)a, n);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n)
    {
        for (int r = 0; r < rows; r++) y[r] = Dot((float*)(w + r * wStride), (float*)a, n);
    }

    internal static float Dot(float* w, float* a, int n)
    {
        float* acc = stackalloc float[LaneSums.Count];
        new Span<float>(acc, LaneSums.Count).Clear();
        AddTail(acc, w, a, 0, n);
        return LaneSums.Reduce(acc);
    }

    /// <summary>Elements <paramref name="start"/>..<paramref name="n"/> into the reference accumulators (also the vector kernels' tail).</summary>
    internal static void AddTail(float* acc, float* w, float* a, int start, int n)
    {
        for (int i = start; i < n; i++) acc[i & 31] = MathF.FusedMultiplyAdd(w[i], a[i], acc[i & 31]);
    }
}
