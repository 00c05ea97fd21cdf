using System.Runtime.CompilerServices;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// F16 · F16 reference: both sides widened to f32 exactly, then summed like <see cref="F32DotScalar"/>. The activation row is
/// widened once per call into a scratch buffer (the matrix–vector form reuses it for every weight row).
/// </summary>
internal sealed unsafe class F16DotScalar : RowDot
{
    public static readonly F16DotScalar Instance = new();

    public override GgmlType WeightType => GgmlType.F16;
    public override IsaLevel Isa => IsaLevel.Scalar;

    protected override float DotCore(byte* w, byte* a, int n)
    {
        float* af = KernelScratch.Floats(n);
        Fp16.ToSingle((ushort*)a, af, n, IsaLevel.Scalar);
        return Dot((ushort*)w, af, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n)
    {
        float* af = KernelScratch.Floats(n);
        Fp16.ToSingle((ushort*)a, af, n, IsaLevel.Scalar);
        for (int r = 0; r < rows; r++) y[r] = Dot((ushort*)(w + r * wStride), af, n);
    }

    internal static float Dot(ushort* w, float* a, int n)
    {
        float* acc = stackalloc float[LaneSums.Count];
        new Span<float>(acc, LaneSums.Count).Clear();
        AddTail(acc, w, a, 0, n);
        return LaneSums.Reduce(acc);
    }

    internal static void AddTail(float* acc, ushort* w, float* a, int start, int n)
    {
        for (int i = start; i < n; i++) acc[i & 31] = MathF.FusedMultiplyAdd(Fp16.ToSingle(w[i]), a[i], acc[i & 31]);
    }
}
