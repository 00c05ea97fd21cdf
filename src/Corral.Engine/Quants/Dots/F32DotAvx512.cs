using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>F32 · F32 with AVX-512F: 32 elements per step in two zmm accumulators (sets 0|1 and 2|3 of <see cref="LaneSums"/>).</summary>
internal sealed unsafe class F32DotAvx512 : RowDot
{
    public static readonly F32DotAvx512 Instance = new();

    public override GgmlType WeightType => GgmlType.F32;
    public override IsaLevel Isa => IsaLevel.Avx512;

    protected override float DotCore(byte* w, byte* a, int n) => Dot((float*)w, (float*)a, n);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n)
    {
        for (int r = 0; r < rows; r++) y[r] = Dot((float*)(w + r * wStride), (float*)a, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(float* w, float* a, int n)
    {
        Vector512<float> acc01 = default, acc23 = default;
        int i = 0;
        for (; i + 32 <= n; i += 32)
        {
            acc01 = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(w + i), Avx512F.LoadVector512(a + i), acc01);
            acc23 = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(w + i + 16), Avx512F.LoadVector512(a + i + 16), acc23);
        }
        if (i == n) return LaneSums.Reduce(acc01, acc23);
        float* acc = stackalloc float[LaneSums.Count];
        LaneSums.Store(acc, acc01, acc23);
        F32DotScalar.AddTail(acc, w, a, i, n);
        return LaneSums.Reduce(acc);
    }
}
