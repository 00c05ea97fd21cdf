using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>F32 · F32 with AVX2+FMA: 32 elements per step in four ymm accumulators (the <see cref="LaneSums"/> sets).</summary>
internal sealed unsafe class F32DotAvx2 : RowDot
{
    public static readonly F32DotAvx2 Instance = new();

    public override GgmlType WeightType => GgmlType.F32;
    public override IsaLevel Isa => IsaLevel.Avx2;

    protected override float DotCore(byte* w, byte* a, int n) => Dot((float*)w, (float*)a, n);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n)
    {
        for (int r = 0; r < rows; r++) y[r] = Dot((float*)(w + r * wStride), (float*)a, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(float* w, float* a, int n)
    {
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        int i = 0;
        for (; i + 32 <= n; i += 32)
        {
            acc0 = Fma.MultiplyAdd(Avx.LoadVector256(w + i), Avx.LoadVector256(a + i), acc0);
            acc1 = Fma.MultiplyAdd(Avx.LoadVector256(w + i + 8), Avx.LoadVector256(a + i + 8), acc1);
            acc2 = Fma.MultiplyAdd(Avx.LoadVector256(w + i + 16), Avx.LoadVector256(a + i + 16), acc2);
            acc3 = Fma.MultiplyAdd(Avx.LoadVector256(w + i + 24), Avx.LoadVector256(a + i + 24), acc3);
        }
        if (i == n) return LaneSums.Reduce(acc0, acc1, acc2, acc3);
        float* acc = stackalloc float[LaneSums.Count];
        LaneSums.Store(acc, acc0, acc1, acc2, acc3);
        F32DotScalar.AddTail(acc, w, a, i, n);
        return LaneSums.Reduce(acc);
    }
}
