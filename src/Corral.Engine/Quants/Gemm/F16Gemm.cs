using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// F16 tiles: the f16 activations are widened to f32 once per product (exactly), each 32-element run of weights is
/// widened once for several tokens, and per (row, token) element i goes to accumulator i % 32 as in the F16 matrix–vector
/// kernels (<see cref="LaneSums"/>).
/// </summary>
internal abstract unsafe class F16Gemm : RowGemm
{
    public override GgmlType WeightType => GgmlType.F16;

    protected abstract int TileTokens { get; }

    public override long PreparedBytes(int n, int tokens) => (long)tokens * Stride(n) * sizeof(float);

    private static long Stride(int n) => (n + 15) & ~15;

    public override void Prepare(byte* a, nint aStride, int tokens, int n, byte* prepared, int first, int count)
    {
        for (int t = first; t < first + count; t++)
            Fp16.ToSingle((ushort*)(a + t * aStride), (float*)prepared + t * Stride(n), n, Isa);
    }

    public override void DotTile(byte* w, nint wStride, int rows, byte* a, nint aStride, byte* prepared, int tokens, int n,
        float* y, nint yStride)
    {
        var af = (float*)prepared;
        long stride = Stride(n);
        int tile = TileTokens;
        var results = stackalloc float[4];
        var rowsOf = stackalloc float*[4];
        for (int t0 = 0; t0 < tokens; t0 += tile)
        {
            int count = Math.Min(tile, tokens - t0);
            for (int i = 0; i < tile; i++) rowsOf[i] = af + (t0 + Math.Min(i, count - 1)) * stride;
            for (int r = 0; r < rows; r++)
            {
                Tile((ushort*)(w + r * wStride), rowsOf, n, results);
                for (int i = 0; i < count; i++) y[(t0 + i) * yStride + r] = results[i];
            }
        }
    }

    protected abstract void Tile(ushort* w, float** a, int n, float* results);

    /// <summary>Finishes one token whose row length is not a multiple of 32: the scalar kernel's tail on the spilled accumulators.</summary>
    protected static float Tail(float* acc, ushort* w, float* a, int start, int n)
    {
        F16DotScalar.AddTail(acc, w, a, start, n);
        return LaneSums.Reduce(acc);
    }
}

/// <summary>F16 tiles with AVX-512F: 4 tokens, two zmm accumulators each (sets 0|1 and 2|3).</summary>
internal sealed unsafe class F16GemmAvx512 : F16Gemm
{
    public static readonly F16GemmAvx512 Instance = new();
    public override IsaLevel Isa => IsaLevel.Avx512;
    protected override int TileTokens => 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Tile(ushort* w, float** a, int n, float* results)
    {
        float* a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
        Vector512<float> p0 = default, q0 = default, p1 = default, q1 = default, p2 = default, q2 = default, p3 = default, q3 = default;
        int i = 0;
        for (; i + 32 <= n; i += 32)
        {
            var w01 = Fp16.ToSingleFast(Avx.LoadVector256(w + i));
            var w23 = Fp16.ToSingleFast(Avx.LoadVector256(w + i + 16));
            p0 = Avx512F.FusedMultiplyAdd(w01, Avx512F.LoadVector512(a0 + i), p0);
            q0 = Avx512F.FusedMultiplyAdd(w23, Avx512F.LoadVector512(a0 + i + 16), q0);
            p1 = Avx512F.FusedMultiplyAdd(w01, Avx512F.LoadVector512(a1 + i), p1);
            q1 = Avx512F.FusedMultiplyAdd(w23, Avx512F.LoadVector512(a1 + i + 16), q1);
            p2 = Avx512F.FusedMultiplyAdd(w01, Avx512F.LoadVector512(a2 + i), p2);
            q2 = Avx512F.FusedMultiplyAdd(w23, Avx512F.LoadVector512(a2 + i + 16), q2);
            p3 = Avx512F.FusedMultiplyAdd(w01, Avx512F.LoadVector512(a3 + i), p3);
            q3 = Avx512F.FusedMultiplyAdd(w23, Avx512F.LoadVector512(a3 + i + 16), q3);
        }
        if (i == n)
        {
            results[0] = LaneSums.Reduce(p0, q0);
            results[1] = LaneSums.Reduce(p1, q1);
            results[2] = LaneSums.Reduce(p2, q2);
            results[3] = LaneSums.Reduce(p3, q3);
            return;
        }
        float* acc = stackalloc float[LaneSums.Count];
        LaneSums.Store(acc, p0, q0); results[0] = Tail(acc, w, a0, i, n);
        LaneSums.Store(acc, p1, q1); results[1] = Tail(acc, w, a1, i, n);
        LaneSums.Store(acc, p2, q2); results[2] = Tail(acc, w, a2, i, n);
        LaneSums.Store(acc, p3, q3); results[3] = Tail(acc, w, a3, i, n);
    }
}

/// <summary>F16 tiles with AVX2: 2 tokens, four ymm accumulators each (sets 0..3).</summary>
internal sealed unsafe class F16GemmAvx2 : F16Gemm
{
    public static readonly F16GemmAvx2 Instance = new();
    public override IsaLevel Isa => IsaLevel.Avx2;
    protected override int TileTokens => 2;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Tile(ushort* w, float** a, int n, float* results)
    {
        float* a0 = a[0], a1 = a[1];
        Vector256<float> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector256<float> s10 = default, s11 = default, s12 = default, s13 = default;
        int i = 0;
        for (; i + 32 <= n; i += 32)
        {
            var w0 = Fp16.ToSingleFast(Sse2.LoadVector128(w + i));
            var w1 = Fp16.ToSingleFast(Sse2.LoadVector128(w + i + 8));
            var w2 = Fp16.ToSingleFast(Sse2.LoadVector128(w + i + 16));
            var w3 = Fp16.ToSingleFast(Sse2.LoadVector128(w + i + 24));
            s00 = Fma.MultiplyAdd(w0, Avx.LoadVector256(a0 + i), s00);
            s01 = Fma.MultiplyAdd(w1, Avx.LoadVector256(a0 + i + 8), s01);
            s02 = Fma.MultiplyAdd(w2, Avx.LoadVector256(a0 + i + 16), s02);
            s03 = Fma.MultiplyAdd(w3, Avx.LoadVector256(a0 + i + 24), s03);
            s10 = Fma.MultiplyAdd(w0, Avx.LoadVector256(a1 + i), s10);
            s11 = Fma.MultiplyAdd(w1, Avx.LoadVector256(a1 + i + 8), s11);
            s12 = Fma.MultiplyAdd(w2, Avx.LoadVector256(a1 + i + 16), s12);
            s13 = Fma.MultiplyAdd(w3, Avx.LoadVector256(a1 + i + 24), s13);
        }
        if (i == n)
        {
            results[0] = LaneSums.Reduce(s00, s01, s02, s03);
            results[1] = LaneSums.Reduce(s10, s11, s12, s13);
            return;
        }
        float* acc = stackalloc float[LaneSums.Count];
        LaneSums.Store(acc, s00, s01, s02, s03); results[0] = Tail(acc, w, a0, i, n);
        LaneSums.Store(acc, s10, s11, s12, s13); results[1] = Tail(acc, w, a1, i, n);
    }
}
