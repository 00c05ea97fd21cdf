using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Q8_0 · Q8_0 reference: Σ_blocks f(d_w)·f(d_a)·Σ q_w·q_a, summed in <see cref="LaneSums"/> order.</summary>
internal sealed unsafe class Q8_0DotScalar : RowDot
{
    public static readonly Q8_0DotScalar Instance = new();

    public override GgmlType WeightType => GgmlType.Q8_0;
    public override IsaLevel Isa => IsaLevel.Scalar;

    protected override float DotCore(byte* w, byte* a, int n) => Dot((BlockQ8_0*)w, (BlockQ8_0*)a, n / 32);

    protected override void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n)
    {
        for (int r = 0; r < rows; r++) y[r] = Dot((BlockQ8_0*)(w + r * wStride), (BlockQ8_0*)a, n / 32);
    }

    internal static float Dot(BlockQ8_0* x, BlockQ8_0* y, int blocks)
    {
        float* acc = stackalloc float[LaneSums.Count];
        new Span<float>(acc, LaneSums.Count).Clear();
        for (int b = 0; b < blocks; b++, x++, y++)
        {
            float scale = Fp16.ToSingle(x->D) * Fp16.ToSingle(y->D);
            float* set = acc + 8 * (b & 3);
            for (int k = 0; k < 8; k++)
            {
                int sum = 0;
                for (int i = 4 * k; i < 4 * k + 4; i++) sum += x->Qs[i] * y->Qs[i];
                set[k] = MathF.FusedMultiplyAdd(scale, sum, set[k]);
            }
        }
        return LaneSums.Reduce(acc);
    }
}
