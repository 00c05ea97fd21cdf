using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// Tiles of the 32-block formats (Q8_0, Q4_0, Q5_0, IQ4_NL, Q4_1, Q5_1): one weight row × 4 tokens, each weight block
/// decoded once for the 4 tokens. Per (row, token) the arithmetic is <see cref="Block32DotScalar{TWeights}"/>'s: block b's
/// exact lane sums times its scale product go into <see cref="LaneSums"/> set b % 4. The tile runs one set at a time
/// (blocks s, s+4, s+8, … — each accumulator still sees its blocks in order), so only 4 accumulators are live, then
/// reduces the sets as the matrix–vector kernels do.
/// <para>
/// Preparation interleaves each group of 4 tokens block by block: one record per block holds the 4 tokens' 32 values,
/// their −offset·Σa lanes (formats fed as <c>value + offset</c>), their scales and (Q8_1) sums, so the tile walks one
/// pointer. A group short of 4 tokens repeats its last token.
/// </para>
/// </summary>
internal abstract unsafe class Block32Gemm<TWeights> : RowGemm where TWeights : struct, IBlock32Weights
{
    protected const int Group = 4;

    public override GgmlType WeightType => TWeights.Type;
    public override int TokenGroup => Group;

    /// <summary>True when this kernel starts each block's integer sums from the prepared −offset·Σa lanes.</summary>
    protected abstract bool UsesOffsets { get; }

    private static bool Q8_1 => TWeights.HasMin;

    // Record layout: values (4 × 32 bytes), offsets (4 × 8 int32, when used), scales (4 f32), sums (4 f32, Q8_1).
    protected const int ValuesAt = 0;
    protected int OffsetsAt => 4 * 32;
    protected int ScalesAt => 4 * 32 + (UsesOffsets ? 4 * 32 : 0);
    protected int SumsAt => ScalesAt + 16;
    protected int RecordBytes => (SumsAt + (Q8_1 ? 16 : 0) + 31) & ~31;

    public override long PreparedBytes(int n, int tokens) => (long)(tokens + Group - 1) / Group * (n / 32) * RecordBytes;

    public override void Prepare(byte* a, nint aStride, int tokens, int n, byte* prepared, int first, int count)
    {
        int blocks = n / 32;
        int blockBytes = Q8_1 ? BlockQ8_1.Size : BlockQ8_0.Size;
        int qsAt = Q8_1 ? 4 : 2;
        int record = RecordBytes, offsetsAt = OffsetsAt, scalesAt = ScalesAt, sumsAt = SumsAt;
        int offset = TWeights.Offset;
        for (int g = first / Group; g * Group < first + count; g++)
        {
            byte* group = prepared + (long)g * blocks * record;
            for (int i = 0; i < Group; i++)
            {
                int t = Math.Min(g * Group + i, tokens - 1);
                byte* row = a + t * aStride;
                for (int b = 0; b < blocks; b++)
                {
                    byte* block = row + (long)b * blockBytes;
                    byte* rec = group + (long)b * record;
                    sbyte* qs = (sbyte*)(block + qsAt);
                    Buffer.MemoryCopy(qs, rec + ValuesAt + 32 * i, 32, 32);
                    ((float*)(rec + scalesAt))[i] = Fp16.ToSingle(*(ushort*)block);
                    if (Q8_1) ((float*)(rec + sumsAt))[i] = Fp16.ToSingle(*(ushort*)(block + 2));
                    if (!UsesOffsets) continue;
                    int* lanes = (int*)(rec + offsetsAt) + 8 * i;
                    for (int k = 0; k < 8; k++) lanes[k] = -offset * (qs[4 * k] + qs[4 * k + 1] + qs[4 * k + 2] + qs[4 * k + 3]);
                }
            }
        }
    }

    public override void DotTile(byte* w, nint wStride, int rows, byte* a, nint aStride, byte* prepared, int tokens, int n,
        float* y, nint yStride)
    {
        int blocks = n / 32;
        var results = stackalloc float[Group];
        long groupBytes = (long)blocks * RecordBytes;
        for (int t0 = 0; t0 < tokens; t0 += Group)
        {
            int count = Math.Min(Group, tokens - t0);
            byte* group = prepared + t0 / Group * groupBytes;
            for (int r = 0; r < rows; r++)
            {
                Tile(w + r * wStride, blocks, group, results);
                for (int i = 0; i < count; i++) y[(t0 + i) * yStride + r] = results[i];
            }
        }
    }

    protected abstract void Tile(byte* x, int blocks, byte* group, float* results);

    /// <summary>Stores one set's accumulators: sets 0 and 1 start the pairs, 2 and 3 complete (set0 + set2) and (set1 + set3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static void Keep(int set, Vector256<float>* pairs, Vector256<float> acc0, Vector256<float> acc1, Vector256<float> acc2, Vector256<float> acc3)
    {
        var target = pairs + Group * (set & 1);
        if (set < 2)
        {
            target[0] = acc0; target[1] = acc1; target[2] = acc2; target[3] = acc3;
        }
        else
        {
            target[0] = Avx.Add(target[0], acc0); target[1] = Avx.Add(target[1], acc1);
            target[2] = Avx.Add(target[2], acc2); target[3] = Avx.Add(target[3], acc3);
        }
    }

    /// <summary>Folds each token's (set0 + set2) + (set1 + set3), plus the minimum terms (m0 + m2) + (m1 + m3), as the matrix–vector kernels do.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static void Finish(Vector256<float>* pairs, float* mins, float* results)
    {
        for (int t = 0; t < Group; t++)
        {
            float r = LaneSums.Fold(Avx.Add(pairs[t], pairs[Group + t]));
            if (TWeights.HasMin) r += (mins[t] + mins[8 + t]) + (mins[4 + t] + mins[12 + t]);
            results[t] = r;
        }
    }
}

/// <summary>32-block tiles with AVX-VNNI: <c>vpdpbusd</c> of the unsigned weights (decoded once) against each token.</summary>
internal abstract unsafe class Block32GemmAvxVnni<TWeights> : Block32Gemm<TWeights> where TWeights : struct, IBlock32Weights
{
    public override IsaLevel Isa => IsaLevel.Avx2;
    public override bool IsSupported => AvxVnni.IsSupported && base.IsSupported;
    protected override bool UsesOffsets => TWeights.Offset != 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Tile(byte* x, int blocks, byte* group, float* results)
    {
        float* f16 = Fp16.Table;
        var pairs = stackalloc Vector256<float>[2 * Group];
        float* mins = stackalloc float[16];
        int record = RecordBytes, offsetsAt = OffsetsAt, scalesAt = ScalesAt, sumsAt = SumsAt;
        for (int set = 0; set < 4; set++)
        {
            Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
            byte* xb = x + set * TWeights.Size;
            byte* rec = group + (long)set * record;
            for (int b = set; b < blocks; b += 4, xb += 4 * TWeights.Size, rec += 4 * record)
            {
                var u = TWeights.Unsigned(xb);
                var wd = Vector256.Create(f16[TWeights.ScaleBits(xb)]);
                float* scales = (float*)(rec + scalesAt);
                int* offsets = (int*)(rec + offsetsAt);
                acc0 = Block(u, wd, rec, scales, offsets, acc0);
                acc1 = Block(u, wd, rec + 32, scales + 1, offsets + 8, acc1);
                acc2 = Block(u, wd, rec + 64, scales + 2, offsets + 16, acc2);
                acc3 = Block(u, wd, rec + 96, scales + 3, offsets + 24, acc3);
                if (TWeights.HasMin)
                {
                    float mw = f16[TWeights.MinBits(xb)];
                    float* sums = (float*)(rec + sumsAt);
                    m0 = MathF.FusedMultiplyAdd(mw, sums[0], m0);
                    m1 = MathF.FusedMultiplyAdd(mw, sums[1], m1);
                    m2 = MathF.FusedMultiplyAdd(mw, sums[2], m2);
                    m3 = MathF.FusedMultiplyAdd(mw, sums[3], m3);
                }
            }
            Keep(set, pairs, acc0, acc1, acc2, acc3);
            mins[4 * set] = m0; mins[4 * set + 1] = m1; mins[4 * set + 2] = m2; mins[4 * set + 3] = m3;
        }
        Finish(pairs, mins, results);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block(Vector256<byte> u, Vector256<float> wd, byte* values, float* scale, int* offsets, Vector256<float> acc)
    {
        var start = TWeights.Offset != 0 ? Avx.LoadVector256(offsets) : Vector256<int>.Zero;
        var sums = Int8Dot.Vnni(start, u, Avx.LoadVector256((sbyte*)values));
        return Fma.MultiplyAdd(Avx.Multiply(wd, Vector256.Create(*scale)), Avx.ConvertToVector256Single(sums), acc);
    }
}

/// <summary>32-block tiles with AVX2: <c>vpmaddubsw</c> + <c>vpmaddwd</c>; signed formats through the abs/sign trick.</summary>
internal abstract unsafe class Block32GemmAvx2<TWeights> : Block32Gemm<TWeights> where TWeights : struct, IBlock32Weights
{
    public override IsaLevel Isa => IsaLevel.Avx2;
    protected override bool UsesOffsets => TWeights.Offset is > 0 and < 128;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Tile(byte* x, int blocks, byte* group, float* results)
    {
        float* f16 = Fp16.Table;
        var pairs = stackalloc Vector256<float>[2 * Group];
        float* mins = stackalloc float[16];
        int record = RecordBytes, offsetsAt = OffsetsAt, scalesAt = ScalesAt, sumsAt = SumsAt;
        for (int set = 0; set < 4; set++)
        {
            Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
            byte* xb = x + set * TWeights.Size;
            byte* rec = group + (long)set * record;
            for (int b = set; b < blocks; b += 4, xb += 4 * TWeights.Size, rec += 4 * record)
            {
                var wd = Vector256.Create(f16[TWeights.ScaleBits(xb)]);
                float* scales = (float*)(rec + scalesAt);
                if (TWeights.Offset == 128)
                {
                    var sw = TWeights.Signed(xb);
                    var abs = Avx2.Abs(sw);
                    acc0 = Signed(abs, sw, wd, rec, scales, acc0);
                    acc1 = Signed(abs, sw, wd, rec + 32, scales + 1, acc1);
                    acc2 = Signed(abs, sw, wd, rec + 64, scales + 2, acc2);
                    acc3 = Signed(abs, sw, wd, rec + 96, scales + 3, acc3);
                }
                else
                {
                    var u = TWeights.Unsigned(xb);
                    int* offsets = (int*)(rec + offsetsAt);
                    acc0 = Unsigned(u, wd, rec, scales, offsets, acc0);
                    acc1 = Unsigned(u, wd, rec + 32, scales + 1, offsets + 8, acc1);
                    acc2 = Unsigned(u, wd, rec + 64, scales + 2, offsets + 16, acc2);
                    acc3 = Unsigned(u, wd, rec + 96, scales + 3, offsets + 24, acc3);
                }
                if (TWeights.HasMin)
                {
                    float mw = f16[TWeights.MinBits(xb)];
                    float* sums = (float*)(rec + sumsAt);
                    m0 = MathF.FusedMultiplyAdd(mw, sums[0], m0);
                    m1 = MathF.FusedMultiplyAdd(mw, sums[1], m1);
                    m2 = MathF.FusedMultiplyAdd(mw, sums[2], m2);
                    m3 = MathF.FusedMultiplyAdd(mw, sums[3], m3);
                }
            }
            Keep(set, pairs, acc0, acc1, acc2, acc3);
            mins[4 * set] = m0; mins[4 * set + 1] = m1; mins[4 * set + 2] = m2; mins[4 * set + 3] = m3;
        }
        Finish(pairs, mins, results);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Signed(Vector256<byte> abs, Vector256<sbyte> w, Vector256<float> wd, byte* values, float* scale, Vector256<float> acc)
    {
        var sums = Int8Dot.Madd(abs, Avx2.Sign(Avx.LoadVector256((sbyte*)values), w));
        return Fma.MultiplyAdd(Avx.Multiply(wd, Vector256.Create(*scale)), Avx.ConvertToVector256Single(sums), acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Unsigned(Vector256<byte> u, Vector256<float> wd, byte* values, float* scale, int* offsets, Vector256<float> acc)
    {
        var sums = Int8Dot.Madd(u, Avx.LoadVector256((sbyte*)values));
        if (TWeights.Offset != 0) sums = Avx2.Add(sums, Avx.LoadVector256(offsets));
        return Fma.MultiplyAdd(Avx.Multiply(wd, Vector256.Create(*scale)), Avx.ConvertToVector256Single(sums), acc);
    }
}

internal sealed class Q8_0GemmAvxVnni : Block32GemmAvxVnni<BlockQ8_0> { public static readonly Q8_0GemmAvxVnni Instance = new(); }
internal sealed class Q8_0GemmAvx2 : Block32GemmAvx2<BlockQ8_0> { public static readonly Q8_0GemmAvx2 Instance = new(); }
internal sealed class Q4_0GemmAvxVnni : Block32GemmAvxVnni<BlockQ4_0> { public static readonly Q4_0GemmAvxVnni Instance = new(); }
internal sealed class Q4_0GemmAvx2 : Block32GemmAvx2<BlockQ4_0> { public static readonly Q4_0GemmAvx2 Instance = new(); }
internal sealed class Q5_0GemmAvxVnni : Block32GemmAvxVnni<BlockQ5_0> { public static readonly Q5_0GemmAvxVnni Instance = new(); }
internal sealed class Q5_0GemmAvx2 : Block32GemmAvx2<BlockQ5_0> { public static readonly Q5_0GemmAvx2 Instance = new(); }
internal sealed class IQ4_NLGemmAvxVnni : Block32GemmAvxVnni<BlockIQ4_NL> { public static readonly IQ4_NLGemmAvxVnni Instance = new(); }
internal sealed class IQ4_NLGemmAvx2 : Block32GemmAvx2<BlockIQ4_NL> { public static readonly IQ4_NLGemmAvx2 Instance = new(); }
internal sealed class Q4_1GemmAvxVnni : Block32GemmAvxVnni<BlockQ4_1> { public static readonly Q4_1GemmAvxVnni Instance = new(); }
internal sealed class Q4_1GemmAvx2 : Block32GemmAvx2<BlockQ4_1> { public static readonly Q4_1GemmAvx2 Instance = new(); }
internal sealed class Q5_1GemmAvxVnni : Block32GemmAvxVnni<BlockQ5_1> { public static readonly Q5_1GemmAvxVnni Instance = new(); }
internal sealed class Q5_1GemmAvx2 : Block32GemmAvx2<BlockQ5_1> { public static readonly Q5_1GemmAvx2 Instance = new(); }
