using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// AVX-VNNI kernel of the 32-block formats: every format enters <c>vpdpbusd</c> as unsigned bytes <c>value + offset</c>,
/// starting from the prepared −offset·Σa lanes, so one instruction forms each block's exact lane sums (no abs/sign).
/// One block per ymm, four blocks per step into the four <see cref="LaneSums"/> sets; several rows go two at a time,
/// sharing each activation load.
/// </summary>
internal abstract unsafe class Block32DotAvxVnni<TWeights> : RowDot where TWeights : struct, IBlock32Weights
{
    public override GgmlType WeightType => TWeights.Type;
    public override IsaLevel Isa => IsaLevel.Avx2;
    public override bool IsSupported => AvxVnni.IsSupported && base.IsSupported;

    protected override float DotCore(byte* w, byte* a, int n) => Dot(w, Prepare(a, n), n / 32);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DotRowsCore(byte* w, nint wStride, byte* a, float* y, int rows, int n) =>
        Rows(w, wStride, Prepare(a, n), n / 32, y, rows);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void DotRowsPrefetchingCore(byte* w, nint wStride, byte* a, float* y, int rows, int n, int stepRows)
    {
        var act = Prepare(a, n);
        int blocks = n / 32;
        byte* end = w + rows * wStride;
        WeightPrefetch.Start(w, end);
        int r = 0;
        for (; r + 2 <= rows; r += 2)
        {
            WeightPrefetch.Ahead(w + r * wStride, 2 * wStride, end);
            Dot2(w + r * wStride, w + (r + 1) * wStride, act, blocks, y + r);
        }
        if (r < rows) y[r] = Dot(w + r * wStride, act, blocks);
    }

    /// <summary>Rows in pairs (<see cref="Dot2"/>), an odd last row alone.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows(byte* w, nint wStride, Block32Activations act, int blocks, float* y, int rows)
    {
        int r = 0;
        for (; r + 2 <= rows; r += 2) Dot2(w + r * wStride, w + (r + 1) * wStride, act, blocks, y + r);
        if (r < rows) y[r] = Dot(w + r * wStride, act, blocks);
    }

    private static Block32Activations Prepare(byte* a, int n) =>
        Block32Activations.Prepare(a, n / 32, TWeights.HasMin, TWeights.Offset, vnni: true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(byte* x, Block32Activations act, int blocks)
    {
        float* f16 = Fp16.Table;
        sbyte* a = act.Qs;
        nint stride = act.Stride;
        float* scales = act.Scales;
        float* sums = act.Sums;
        int* offsets = act.Offsets;
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        int b = 0;
        for (; b + 4 <= blocks; b += 4, x += 4 * TWeights.Size, a += 4 * stride)
        {
            acc0 = Block(x, a, f16, scales + b, offsets + 8 * b, acc0);
            acc1 = Block(x + TWeights.Size, a + stride, f16, scales + b + 1, offsets + 8 * b + 8, acc1);
            acc2 = Block(x + 2 * TWeights.Size, a + 2 * stride, f16, scales + b + 2, offsets + 8 * b + 16, acc2);
            acc3 = Block(x + 3 * TWeights.Size, a + 3 * stride, f16, scales + b + 3, offsets + 8 * b + 24, acc3);
            if (TWeights.HasMin)
            {
                m0 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x)], sums[b], m0);
                m1 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + TWeights.Size)], sums[b + 1], m1);
                m2 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + 2 * TWeights.Size)], sums[b + 2], m2);
                m3 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + 3 * TWeights.Size)], sums[b + 3], m3);
            }
        }
        for (int set = 0; b < blocks; b++, set++, x += TWeights.Size, a += stride)
        {
            float m = TWeights.HasMin ? f16[TWeights.MinBits(x)] : 0;
            if (set == 0) { acc0 = Block(x, a, f16, scales + b, offsets + 8 * b, acc0); if (TWeights.HasMin) m0 = MathF.FusedMultiplyAdd(m, sums[b], m0); }
            else if (set == 1) { acc1 = Block(x, a, f16, scales + b, offsets + 8 * b, acc1); if (TWeights.HasMin) m1 = MathF.FusedMultiplyAdd(m, sums[b], m1); }
            else { acc2 = Block(x, a, f16, scales + b, offsets + 8 * b, acc2); if (TWeights.HasMin) m2 = MathF.FusedMultiplyAdd(m, sums[b], m2); }
        }
        float result = LaneSums.Reduce(acc0, acc1, acc2, acc3);
        if (TWeights.HasMin) result += (m0 + m2) + (m1 + m3);
        return result;
    }

    /// <summary>
    /// Two rows against one activation row: each activation block, its offsets and its scale are loaded once for both
    /// rows. Per row, the same blocks enter the same accumulators in the same order as <see cref="Dot"/>, so the bits match.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot2(byte* x, byte* z, Block32Activations act, int blocks, float* y)
    {
        float* f16 = Fp16.Table;
        sbyte* a = act.Qs;
        nint stride = act.Stride;
        float* scales = act.Scales;
        float* sums = act.Sums;
        int* offsets = act.Offsets;
        Vector256<float> x0 = default, x1 = default, x2 = default, x3 = default;
        Vector256<float> z0 = default, z1 = default, z2 = default, z3 = default;
        float mx0 = 0, mx1 = 0, mx2 = 0, mx3 = 0, mz0 = 0, mz1 = 0, mz2 = 0, mz3 = 0;
        int b = 0;
        for (; b + 4 <= blocks; b += 4, x += 4 * TWeights.Size, z += 4 * TWeights.Size, a += 4 * stride)
        {
            Block2(x, z, a, f16, scales + b, offsets + 8 * b, ref x0, ref z0);
            Block2(x + TWeights.Size, z + TWeights.Size, a + stride, f16, scales + b + 1, offsets + 8 * b + 8, ref x1, ref z1);
            Block2(x + 2 * TWeights.Size, z + 2 * TWeights.Size, a + 2 * stride, f16, scales + b + 2, offsets + 8 * b + 16, ref x2, ref z2);
            Block2(x + 3 * TWeights.Size, z + 3 * TWeights.Size, a + 3 * stride, f16, scales + b + 3, offsets + 8 * b + 24, ref x3, ref z3);
            if (TWeights.HasMin)
            {
                mx0 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x)], sums[b], mx0);
                mx1 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + TWeights.Size)], sums[b + 1], mx1);
                mx2 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + 2 * TWeights.Size)], sums[b + 2], mx2);
                mx3 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + 3 * TWeights.Size)], sums[b + 3], mx3);
                mz0 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(z)], sums[b], mz0);
                mz1 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(z + TWeights.Size)], sums[b + 1], mz1);
                mz2 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(z + 2 * TWeights.Size)], sums[b + 2], mz2);
                mz3 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(z + 3 * TWeights.Size)], sums[b + 3], mz3);
            }
        }
        // A tail of 1–3 blocks continues sets 0, 1, 2.
        if (b < blocks)
        {
            Block2(x, z, a, f16, scales + b, offsets + 8 * b, ref x0, ref z0);
            if (TWeights.HasMin)
            {
                mx0 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x)], sums[b], mx0);
                mz0 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(z)], sums[b], mz0);
            }
        }
        if (b + 1 < blocks)
        {
            Block2(x + TWeights.Size, z + TWeights.Size, a + stride, f16, scales + b + 1, offsets + 8 * b + 8, ref x1, ref z1);
            if (TWeights.HasMin)
            {
                mx1 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + TWeights.Size)], sums[b + 1], mx1);
                mz1 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(z + TWeights.Size)], sums[b + 1], mz1);
            }
        }
        if (b + 2 < blocks)
        {
            Block2(x + 2 * TWeights.Size, z + 2 * TWeights.Size, a + 2 * stride, f16, scales + b + 2, offsets + 8 * b + 16, ref x2, ref z2);
            if (TWeights.HasMin)
            {
                mx2 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(x + 2 * TWeights.Size)], sums[b + 2], mx2);
                mz2 = MathF.FusedMultiplyAdd(f16[TWeights.MinBits(z + 2 * TWeights.Size)], sums[b + 2], mz2);
            }
        }
        float rx = LaneSums.Reduce(x0, x1, x2, x3);
        float rz = LaneSums.Reduce(z0, z1, z2, z3);
        if (TWeights.HasMin)
        {
            rx += (mx0 + mx2) + (mx1 + mx3);
            rz += (mz0 + mz2) + (mz1 + mz3);
        }
        y[0] = rx;
        y[1] = rz;
    }

    /// <summary>One block of two rows: the activation values, offsets and scale are loaded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block2(byte* x, byte* z, sbyte* a, float* f16, float* activationScale, int* offset, ref Vector256<float> accX, ref Vector256<float> accZ)
    {
        // Row x finishes before row z starts decoding: fewer live registers, no spills.
        var start = TWeights.Offset != 0 ? Avx.LoadAlignedVector256(offset) : Vector256<int>.Zero;
        var values = Avx.LoadVector256(a);
        var da = Vector256.Create(*activationScale);
        var sumsX = Int8Dot.Vnni(start, TWeights.Unsigned(x), values);
        accX = Fma.MultiplyAdd(Avx.Multiply(Vector256.Create(f16[TWeights.ScaleBits(x)]), da), Avx.ConvertToVector256Single(sumsX), accX);
        var sumsZ = Int8Dot.Vnni(start, TWeights.Unsigned(z), values);
        accZ = Fma.MultiplyAdd(Avx.Multiply(Vector256.Create(f16[TWeights.ScaleBits(z)]), da), Avx.ConvertToVector256Single(sumsZ), accZ);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block(byte* x, sbyte* a, float* f16, float* activationScale, int* offset, Vector256<float> acc)
    {
        var start = TWeights.Offset != 0 ? Avx.LoadAlignedVector256(offset) : Vector256<int>.Zero;
        var sums = Int8Dot.Vnni(start, TWeights.Unsigned(x), Avx.LoadVector256(a));
        // Two broadcasts from memory and a vector multiply keep port 5 (scalar-to-vector broadcasts) free.
        var scale = Avx.Multiply(Vector256.Create(f16[TWeights.ScaleBits(x)]), Vector256.Create(*activationScale));
        return Fma.MultiplyAdd(scale, Avx.ConvertToVector256Single(sums), acc);
    }
}
