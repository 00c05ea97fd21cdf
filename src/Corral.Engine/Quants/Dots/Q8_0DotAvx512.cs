using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Q8_0 · Q8_0 with AVX-512BW: two blocks per zmm, four blocks per step in two accumulators (sets 0|1 and 2|3 of <see cref="LaneSums"/>).</summary>
internal sealed unsafe class Q8_0DotAvx512 : RowDot
{
    public static readonly Q8_0DotAvx512 Instance = new();

    public override GgmlType WeightType => GgmlType.Q8_0;
    public override IsaLevel Isa => IsaLevel.Avx512;

    protected override float DotCore(byte* w, byte* a, int n) => Dot((BlockQ8_0*)w, (BlockQ8_0*)a, n / 32);

    protected override void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n)
    {
        for (int r = 0; r < rows; r++) y[r] = Dot((BlockQ8_0*)(w + r * wStride), (BlockQ8_0*)a, n / 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(BlockQ8_0* x, BlockQ8_0* y, int blocks)
    {
        float* f16 = Fp16.Table;
        Vector512<float> acc01 = default, acc23 = default;
        int b = 0;
        for (; b + 4 <= blocks; b += 4)
        {
            acc01 = Pair(x + b, y + b, f16, acc01);
            acc23 = Pair(x + b + 2, y + b + 2, f16, acc23);
        }
        // Tail: a missing block contributes exact zeros (scale 0 times sum 0), which leaves its lanes unchanged.
        if (b + 1 < blocks) acc01 = Pair(x + b, y + b, f16, acc01);
        else if (b < blocks) acc01 = Single(x + b, y + b, f16, acc01);
        if (b + 2 < blocks) acc23 = Single(x + b + 2, y + b + 2, f16, acc23);
        return LaneSums.Reduce(acc01, acc23);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pair(BlockQ8_0* x, BlockQ8_0* y, float* f16, Vector512<float> acc)
    {
        var w = Vector512.Create(Avx.LoadVector256(x[0].Qs), Avx.LoadVector256(x[1].Qs));
        var a = Vector512.Create(Avx.LoadVector256(y[0].Qs), Avx.LoadVector256(y[1].Qs));
        var scale = Vector512.Create(Vector256.Create(f16[x[0].D] * f16[y[0].D]), Vector256.Create(f16[x[1].D] * f16[y[1].D]));
        return Avx512F.FusedMultiplyAdd(scale, Avx512F.ConvertToVector512Single(Int8Dot.Signed(w, a)), acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Single(BlockQ8_0* x, BlockQ8_0* y, float* f16, Vector512<float> acc)
    {
        var w = Vector512.Create(Avx.LoadVector256(x->Qs), Vector256<sbyte>.Zero);
        var a = Vector512.Create(Avx.LoadVector256(y->Qs), Vector256<sbyte>.Zero);
        var scale = Vector512.Create(Vector256.Create(f16[x->D] * f16[y->D]), Vector256<float>.Zero);
        return Avx512F.FusedMultiplyAdd(scale, Avx512F.ConvertToVector512Single(Int8Dot.Signed(w, a)), acc);
    }
}
