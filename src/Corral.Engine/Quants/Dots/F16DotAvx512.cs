using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>F16 · F16 with AVX-512F: weights widened 16 at a time in registers, activations widened once per call.</summary>
internal sealed unsafe class F16DotAvx512 : RowDot
{
    public static readonly F16DotAvx512 Instance = new();

    public override GgmlType WeightType => GgmlType.F16;
    public override IsaLevel Isa => IsaLevel.Avx512;

    protected override float DotCore(byte* w, byte* a, int n)
    {
        float* af = KernelScratch.Floats(n);
        Fp16.ToSingle((ushort*)a, af, n, IsaLevel.Avx512);
        return Dot((ushort*)w, af, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n)
    {
        float* af = KernelScratch.Floats(n);
        Fp16.ToSingle((ushort*)a, af, n, IsaLevel.Avx512);
        for (int r = 0; r < rows; r++) y[r] = Dot((ushort*)(w + r * wStride), af, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(ushort* w, float* a, int n)
    {
        Vector512<float> acc01 = default, acc23 = default;
        int i = 0;
        for (; i + 32 <= n; i += 32)
        {
            acc01 = Avx512F.FusedMultiplyAdd(Fp16.ToSingleFast(Avx.LoadVector256(w + i)), Avx512F.LoadVector512(a + i), acc01);
            acc23 = Avx512F.FusedMultiplyAdd(Fp16.ToSingleFast(Avx.LoadVector256(w + i + 16)), Avx512F.LoadVector512(a + i + 16), acc23);
        }
        if (i == n) return LaneSums.Reduce(acc01, acc23);
        float* acc = stackalloc float[LaneSums.Count];
        LaneSums.Store(acc, acc01, acc23);
        F16DotScalar.AddTail(acc, w, a, i, n);
        return LaneSums.Reduce(acc);
    }
}
