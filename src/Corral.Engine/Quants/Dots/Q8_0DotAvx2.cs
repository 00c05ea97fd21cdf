using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Q8_0 · Q8_0 with AVX2 (VNNI when present): one block per ymm, four interleaved accumulators (one per <see cref="LaneSums"/> set).</summary>
internal sealed unsafe class Q8_0DotAvx2 : RowDot
{
    public static readonly Q8_0DotAvx2 Instance = new();

    public override GgmlType WeightType => GgmlType.Q8_0;
    public override IsaLevel Isa => IsaLevel.Avx2;

    protected override float DotCore(byte* w, byte* a, int n) => Dot((BlockQ8_0*)w, (BlockQ8_0*)a, n / 32);

    protected override void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n)
    {
        for (int r = 0; r < rows; r++) y[r] = Dot((BlockQ8_0*)(w + r * wStride), (BlockQ8_0*)a, n / 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(BlockQ8_0* x, BlockQ8_0* y, int blocks)
    {
        float* f16 = Fp16.Table;
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        int b = 0;
        for (; b + 4 <= blocks; b += 4)
        {
            acc0 = Block(x + b, y + b, f16, acc0);
            acc1 = Block(x + b + 1, y + b + 1, f16, acc1);
            acc2 = Block(x + b + 2, y + b + 2, f16, acc2);
            acc3 = Block(x + b + 3, y + b + 3, f16, acc3);
        }
        if (b < blocks) acc0 = Block(x + b, y + b, f16, acc0);
        if (b + 1 < blocks) acc1 = Block(x + b + 1, y + b + 1, f16, acc1);
        if (b + 2 < blocks) acc2 = Block(x + b + 2, y + b + 2, f16, acc2);
        return LaneSums.Reduce(acc0, acc1, acc2, acc3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block(BlockQ8_0* x, BlockQ8_0* y, float* f16, Vector256<float> acc)
    {
        var sums = Int8Dot.Signed(Avx.LoadVector256(x->Qs), Avx.LoadVector256(y->Qs));
        var scale = Vector256.Create(f16[x->D] * f16[y->D]);
        return Fma.MultiplyAdd(scale, Avx.ConvertToVector256Single(sums), acc);
    }
}
