using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>BF16 · BF16 with AVX2+FMA: weights widened 8 at a time in registers, activations widened once per call.</summary>
internal sealed unsafe class BF16DotAvx2 : RowDot
{
    public static readonly BF16DotAvx2 Instance = new();

    public override GgmlType WeightType => GgmlType.BF16;
    public override IsaLevel Isa => IsaLevel.Avx2;

    protected override float DotCore(byte* w, byte* a, int n)
    {
        float* af = KernelScratch.Floats(n);
        Bf16.ToSingle((ushort*)a, af, n, IsaLevel.Avx2);
        return Dot((ushort*)w, af, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n)
    {
        float* af = KernelScratch.Floats(n);
        Bf16.ToSingle((ushort*)a, af, n, IsaLevel.Avx2);
        for (int r = 0; r < rows; r++) y[r] = Dot((ushort*)(w + r * wStride), af, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(ushort* w, float* a, int n)
    {
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        int i = 0;
        for (; i + 32 <= n; i += 32)
        {
            acc0 = Fma.MultiplyAdd(Bf16.ToSingle(Sse2.LoadVector128(w + i)), Avx.LoadVector256(a + i), acc0);
            acc1 = Fma.MultiplyAdd(Bf16.ToSingle(Sse2.LoadVector128(w + i + 8)), Avx.LoadVector256(a + i + 8), acc1);
            acc2 = Fma.MultiplyAdd(Bf16.ToSingle(Sse2.LoadVector128(w + i + 16)), Avx.LoadVector256(a + i + 16), acc2);
            acc3 = Fma.MultiplyAdd(Bf16.ToSingle(Sse2.LoadVector128(w + i + 24)), Avx.LoadVector256(a + i + 24), acc3);
        }
        if (i == n) return LaneSums.Reduce(acc0, acc1, acc2, acc3);
        float* acc = stackalloc float[LaneSums.Count];
        LaneSums.Store(acc, acc0, acc1, acc2, acc3);
        BF16DotScalar.AddTail(acc, w, a, i, n);
        return LaneSums.Reduce(acc);
    }
}
