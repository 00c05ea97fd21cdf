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
/// reduces the sets as the matrix–vector kernels do; the AVX-VNNI tile keeps all 16 live instead.
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Prepare(byte* a, nint aStride, int tokens, int n, byte* prepared, int first, int count)
    {
        int blocks = n / 32;
        int blockBytes = Q8_1 ? BlockQ8_1.Size : BlockQ8_0.Size;
        int qsAt = Q8_1 ? 4 : 2;
        int record = RecordBytes, offsetsAt = OffsetsAt, scalesAt = ScalesAt, sumsAt = SumsAt;
        bool offsets = UsesOffsets;
        // −offset·(q[4k] + … + q[4k+3]) per lane: exact through vpmaddubsw, since offset·(q + q') fits int16 for offset ≤ 128.
        var factor = Vector256.Create((byte)TWeights.Offset);
        float* f16 = Fp16.Table;
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
                    var values = Avx.LoadVector256((sbyte*)(block + qsAt));
                    Avx.Store((sbyte*)(rec + ValuesAt + 32 * i), values);
                    ((float*)(rec + scalesAt))[i] = f16[*(ushort*)block];
                    if (Q8_1) ((float*)(rec + sumsAt))[i] = f16[*(ushort*)(block + 2)];
                    if (offsets) Avx.Store((int*)(rec + offsetsAt) + 8 * i, Avx2.Subtract(Vector256<int>.Zero, Int8Dot.Madd(factor, values)));
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
        // One group (batched decode of up to 4 sequences) streams its rows: each requests the weights further on first.
        bool streaming = tokens <= Group;
        byte* end = w + rows * wStride;
        if (streaming) WeightPrefetch.Start(w, end);
        for (int t0 = 0; t0 < tokens; t0 += Group)
        {
            int count = Math.Min(Group, tokens - t0);
            byte* group = prepared + t0 / Group * groupBytes;
            for (int r = 0; r < rows; r++)
            {
                if (streaming) WeightPrefetch.Ahead(w + r * wStride, wStride, end);
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

/// <summary>
/// 32-block tiles with AVX-VNNI: <c>vpdpbusd</c> of the unsigned weights (decoded once per chunk, or in registers for a
/// single token group) against each token. All four
/// <see cref="LaneSums"/> sets of the 4 tokens stay in registers (16 accumulators, which the EVEX encoding's 32 ymm
/// registers allow), so a row is one pass over its blocks. Each block's 4 scale products come from one multiply and
/// reach the FMAs as broadcasts from memory: the vector ALU ports, which bound this kernel, do 3 operations per
/// (block, token) instead of 4.
/// </summary>
internal abstract unsafe class Block32GemmAvxVnni<TWeights> : Block32Gemm<TWeights> where TWeights : struct, IBlock32Weights
{
    public override IsaLevel Isa => IsaLevel.Avx2;
    public override bool IsSupported => AvxVnni.IsSupported && base.IsSupported;
    protected override bool UsesOffsets => TWeights.Offset != 0;

    // The record layout of Block32Gemm for this kernel, as constants the JIT folds (the base class's are virtual).
    private const int OffsetsAtConst = 4 * 32;
    private static int ScalesAtConst
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 4 * 32 + (TWeights.Offset != 0 ? 4 * 32 : 0);
    }
    private static int SumsAtConst
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ScalesAtConst + 16;
    }
    private static int RecordConst
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (SumsAtConst + (TWeights.HasMin ? 16 : 0) + 31) & ~31;
    }

    protected Block32GemmAvxVnni()
    {
        if (RecordConst != RecordBytes || ScalesAtConst != ScalesAt || SumsAtConst != SumsAt || OffsetsAtConst != OffsetsAt)
            throw new InvalidOperationException("record layout mismatch");
    }

    /// <summary>Per thread: the current chunk's weights decoded once (see <see cref="DotTile"/>).</summary>
    [ThreadStatic] private static byte[]? t_decoded;

    /// <summary>
    /// Decodes the chunk's weight rows once (unsigned bytes, f32 scales and minimums) into a per-thread buffer, then runs
    /// every token group over them: each block is read by all groups, so decoding it per group cost more than the
    /// products. The values and scales are the same, so the bits are too. A single group (batched decode of up to 4
    /// sequences) has nothing to share a decoded block with: it takes the base class's streaming rows, each through
    /// <see cref="Tile"/>.
    /// </summary>
    public override void DotTile(byte* w, nint wStride, int rows, byte* a, nint aStride, byte* prepared, int tokens, int n,
        float* y, nint yStride)
    {
        int blocks = n / 32;
        if (tokens <= Group)
        {
            base.DotTile(w, wStride, rows, a, aStride, prepared, tokens, n, y, yStride);
            return;
        }
        long rowDecoded = (long)blocks * DecodedBlockBytes;
        long need = rows * rowDecoded + 64;
        var buffer = t_decoded;
        if (buffer == null || buffer.Length < need)
            t_decoded = buffer = GC.AllocateUninitializedArray<byte>((int)Math.Max(need, 64 * 1024), pinned: true);
        var results = stackalloc float[Group];
        fixed (byte* start = buffer) // pinned: fixed only reads the address
        {
            byte* decoded = (byte*)(((nint)start + 31) & ~(nint)31);
            for (int r = 0; r < rows; r++) Decode(w + r * wStride, blocks, decoded + r * rowDecoded);
            long groupBytes = (long)blocks * RecordConst;
            for (int t0 = 0; t0 < tokens; t0 += Group)
            {
                int count = Math.Min(Group, tokens - t0);
                byte* group = prepared + t0 / Group * groupBytes;
                for (int r = 0; r < rows; r++)
                {
                    TileRow<DecodedRow>(decoded + r * rowDecoded, blocks, group, results);
                    for (int i = 0; i < count; i++) y[(t0 + i) * yStride + r] = results[i];
                }
            }
        }
    }

    /// <summary>A decoded row: per block 32 unsigned values, then per block its f32 scale and minimum (8 bytes).</summary>
    private const int DecodedBlockBytes = 32 + 8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Decode(byte* x, int blocks, byte* decoded)
    {
        float* f16 = Fp16.Table;
        float* scales = (float*)(decoded + blocks * 32);
        for (int b = 0; b < blocks; b++, x += TWeights.Size)
        {
            Avx.Store(decoded + b * 32, TWeights.Unsigned(x));
            scales[2 * b] = f16[TWeights.ScaleBits(x)];
            scales[2 * b + 1] = TWeights.HasMin ? f16[TWeights.MinBits(x)] : 0f;
        }
    }

    /// <summary>One row against the first 4 tokens of a group (the base class's per-row entry; <see cref="DotTile"/> does not use it).</summary>
    /// <summary>
    /// One row against one group, each weight block decoded in registers and used at once for the 4 tokens: the
    /// streaming path of batched decode, where the decode buffer's store and reload only added to the vector ports' load.
    /// </summary>
    protected override void Tile(byte* x, int blocks, byte* group, float* results) => TileRow<WeightRow>(x, blocks, group, results);

    /// <summary>Where a tile row's blocks come from: the decode buffer, or the weight row itself.</summary>
    private interface IRowBlocks
    {
        static abstract Vector256<byte> Values(byte* row, int blocks, int b);
        static abstract float Scale(byte* row, int blocks, int b);
        static abstract float Min(byte* row, int blocks, int b);
    }

    /// <summary>A row laid out by <see cref="Decode"/>.</summary>
    private readonly struct DecodedRow : IRowBlocks
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Values(byte* row, int blocks, int b) => Avx.LoadVector256(row + b * 32);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Scale(byte* row, int blocks, int b) => ((float*)(row + blocks * 32))[2 * b];
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Min(byte* row, int blocks, int b) => ((float*)(row + blocks * 32))[2 * b + 1];
    }

    /// <summary>A weight row as stored: each block decoded where it is used (the same values and scales as <see cref="Decode"/>).</summary>
    private readonly struct WeightRow : IRowBlocks
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Values(byte* row, int blocks, int b) => TWeights.Unsigned(row + b * TWeights.Size);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Scale(byte* row, int blocks, int b) => Fp16.Table[TWeights.ScaleBits(row + b * TWeights.Size)];
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Min(byte* row, int blocks, int b) => Fp16.Table[TWeights.MinBits(row + b * TWeights.Size)];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileRow<TRow>(byte* row, int blocks, byte* group, float* results) where TRow : struct, IRowBlocks
    {
        // Scale products of the current 4 blocks: [set·4 + token].
        float* products = stackalloc float[16];
        int record = RecordConst;
        Tokens4 set0 = default, set1 = default, set2 = default, set3 = default;
        Vector128<float> m0 = default, m1 = default, m2 = default, m3 = default; // minimum terms by set, tokens in lanes
        int b = 0;
        for (; b + 4 <= blocks; b += 4, group += 4 * record)
        {
            set0 = Block(TRow.Values(row, blocks, b), TRow.Scale(row, blocks, b), group, products, set0);
            set1 = Block(TRow.Values(row, blocks, b + 1), TRow.Scale(row, blocks, b + 1), group + record, products + 4, set1);
            set2 = Block(TRow.Values(row, blocks, b + 2), TRow.Scale(row, blocks, b + 2), group + 2 * record, products + 8, set2);
            set3 = Block(TRow.Values(row, blocks, b + 3), TRow.Scale(row, blocks, b + 3), group + 3 * record, products + 12, set3);
            if (TWeights.HasMin)
            {
                m0 = Mins(TRow.Min(row, blocks, b), group, m0);
                m1 = Mins(TRow.Min(row, blocks, b + 1), group + record, m1);
                m2 = Mins(TRow.Min(row, blocks, b + 2), group + 2 * record, m2);
                m3 = Mins(TRow.Min(row, blocks, b + 3), group + 3 * record, m3);
            }
        }
        // A tail of 1–3 blocks continues sets 0, 1, 2.
        if (b < blocks)
        {
            set0 = Block(TRow.Values(row, blocks, b), TRow.Scale(row, blocks, b), group, products, set0);
            if (TWeights.HasMin) m0 = Mins(TRow.Min(row, blocks, b), group, m0);
        }
        if (b + 1 < blocks)
        {
            set1 = Block(TRow.Values(row, blocks, b + 1), TRow.Scale(row, blocks, b + 1), group + record, products + 4, set1);
            if (TWeights.HasMin) m1 = Mins(TRow.Min(row, blocks, b + 1), group + record, m1);
        }
        if (b + 2 < blocks)
        {
            set2 = Block(TRow.Values(row, blocks, b + 2), TRow.Scale(row, blocks, b + 2), group + 2 * record, products + 8, set2);
            if (TWeights.HasMin) m2 = Mins(TRow.Min(row, blocks, b + 2), group + 2 * record, m2);
        }

        results[0] = LaneSums.Fold(Avx.Add(Avx.Add(set0.T0, set2.T0), Avx.Add(set1.T0, set3.T0)));
        results[1] = LaneSums.Fold(Avx.Add(Avx.Add(set0.T1, set2.T1), Avx.Add(set1.T1, set3.T1)));
        results[2] = LaneSums.Fold(Avx.Add(Avx.Add(set0.T2, set2.T2), Avx.Add(set1.T2, set3.T2)));
        results[3] = LaneSums.Fold(Avx.Add(Avx.Add(set0.T3, set2.T3), Avx.Add(set1.T3, set3.T3)));
        if (TWeights.HasMin)
        {
            var mins = Sse.Add(Sse.Add(m0, m2), Sse.Add(m1, m3));
            Sse.Store(results, Sse.Add(Sse.LoadVector128(results), mins));
        }
    }

    /// <summary>One <see cref="LaneSums"/> set's accumulators of the 4 tokens.</summary>
    private struct Tokens4
    {
        public Vector256<float> T0, T1, T2, T3;
    }

    /// <summary>One decoded weight block against the 4 tokens' records: one set's accumulators advance.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Tokens4 Block(Vector256<byte> u, float d, byte* rec, float* products, Tokens4 acc)
    {
        // d_w·d_a of each token, rounded as the matrix–vector kernel rounds it.
        Sse.Store(products, Sse.Multiply(Vector128.Create(d), Sse.LoadVector128((float*)(rec + ScalesAtConst))));
        int* offsets = (int*)(rec + OffsetsAtConst);
        acc.T0 = Pair(u, rec, offsets, products, acc.T0);
        acc.T1 = Pair(u, rec + 32, offsets + 8, products + 1, acc.T1);
        acc.T2 = Pair(u, rec + 64, offsets + 16, products + 2, acc.T2);
        acc.T3 = Pair(u, rec + 96, offsets + 24, products + 3, acc.T3);
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Mins(float dmin, byte* rec, Vector128<float> mins) =>
        Fma.MultiplyAdd(Vector128.Create(dmin), Sse.LoadVector128((float*)(rec + SumsAtConst)), mins);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Pair(Vector256<byte> u, byte* values, int* offsets, float* product, Vector256<float> acc)
    {
        var start = TWeights.Offset != 0 ? Avx.LoadVector256(offsets) : Vector256<int>.Zero;
        var sums = Int8Dot.Vnni(start, u, Avx.LoadVector256((sbyte*)values));
        return Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), Vector256.Create(*product), acc);
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
