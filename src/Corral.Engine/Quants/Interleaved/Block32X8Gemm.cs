using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// The 32-block formats' interleaved products (<see cref="Block32X8"/>) against Q8_0 activation rows, in the layout's
/// arithmetic. Preparation keeps per (token, block) the f32 scale and, where the kernel feeds value + Offset as unsigned
/// bytes, the integer sum's start −Offset·Σa.
/// </summary>
internal abstract unsafe class Block32X8Gemm<TFormat> : InterleavedGemm where TFormat : struct, IBlock32X8Format
{
    public override GgmlType WeightType => TFormat.Type;
    public override GgmlType ActivationType => GgmlType.Q8_0;
    protected override int BlockElements => 32;
    protected override int GroupBlockBytes => TFormat.QuantBytes + 16;

    /// <summary>Per (token, block): the f32 scale and the integer sum's start.</summary>
    protected const int Record = 8;
    protected override int RecordBytes => Record;

    /// <summary>True when this kernel's integer sums start from −Offset·Σa (it feeds value + Offset as unsigned bytes).</summary>
    protected abstract bool UsesOffset { get; }

    public override void Prepare(byte* a, nint aStride, int n, byte* prepared, int first, int count)
    {
        int blocks = n / 32;
        float* f16 = Fp16.Table;
        int factor = UsesOffset ? -TFormat.Offset : 0;
        for (int t = first; t < first + count; t++)
        {
            byte* row = a + t * aStride;
            byte* rec = prepared + (long)t * blocks * Record;
            for (int b = 0; b < blocks; b++, rec += Record)
            {
                byte* block = row + b * BlockQ8_0.Size;
                *(float*)rec = f16[*(ushort*)block];
                *(int*)(rec + 4) = factor == 0 ? 0 : factor * Sum32((sbyte*)block + 2);
            }
        }
    }

    /// <summary>Σ of 32 int8 values: sums of (q + 128) by 8-byte groups (<c>vpsadbw</c>), less 32·128.</summary>
    private static int Sum32(sbyte* q)
    {
        if (Avx2.IsSupported)
        {
            var biased = Avx2.Xor(Avx.LoadVector256((byte*)q), Vector256.Create((byte)0x80));
            var sums = Avx2.SumAbsoluteDifferences(biased, Vector256<byte>.Zero).AsInt64();
            return (int)(sums.GetElement(0) + sums.GetElement(1) + sums.GetElement(2) + sums.GetElement(3)) - 32 * 128;
        }
        int s = 0;
        for (int i = 0; i < 32; i++) s += q[i];
        return s;
    }

    /// <summary>Block b's f32 scales of 8 file rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<float> FileScales(byte** rows, nint at)
    {
        float* f16 = Fp16.Table;
        return Vector256.Create(f16[*(ushort*)(rows[0] + at)], f16[*(ushort*)(rows[1] + at)], f16[*(ushort*)(rows[2] + at)], f16[*(ushort*)(rows[3] + at)],
            f16[*(ushort*)(rows[4] + at)], f16[*(ushort*)(rows[5] + at)], f16[*(ushort*)(rows[6] + at)], f16[*(ushort*)(rows[7] + at)]);
    }

    /// <summary>Lane r of the result = the sum of <paramref name="s0"/> … <paramref name="s7"/>'s r-th vector's 8 lanes (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<int> Reduce8(Vector256<int> s0, Vector256<int> s1, Vector256<int> s2, Vector256<int> s3,
        Vector256<int> s4, Vector256<int> s5, Vector256<int> s6, Vector256<int> s7)
    {
        // Per 128-bit lane, rows 0..3 and 4..7 of the lane's half of each vector; the halves are then added.
        var q0 = Avx2.HorizontalAdd(Avx2.HorizontalAdd(s0, s1), Avx2.HorizontalAdd(s2, s3));
        var q1 = Avx2.HorizontalAdd(Avx2.HorizontalAdd(s4, s5), Avx2.HorizontalAdd(s6, s7));
        return Avx2.Add(Avx2.Permute2x128(q0, q1, 0x20), Avx2.Permute2x128(q0, q1, 0x31));
    }

    /// <summary>Requests the weights <see cref="WeightPrefetch.Distance"/> past a block's quants (the stream the tiles walk).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static void Ahead(byte* quants) => WeightPrefetch.Lines(quants + WeightPrefetch.Distance, TFormat.QuantBytes);
}

/// <summary>The reference: element by element from the interleaved bytes, in the layout's order.</summary>
internal sealed unsafe class Block32X8GemmScalar<TFormat> : Block32X8Gemm<TFormat> where TFormat : struct, IBlock32X8Format
{
    public static readonly Block32X8GemmScalar<TFormat> Instance = new();
    public override IsaLevel Isa => IsaLevel.Scalar;
    protected override bool UsesOffset => false;

    protected override void Tile1(byte* group, int blocks, byte* a, byte* p, float* y)
    {
        ushort* scales = (ushort*)(group + (long)blocks * TFormat.QuantBytes);
        for (int r = 0; r < Block32X8.Rows; r++)
        {
            float acc = 0;
            for (int b = 0; b < blocks; b++)
            {
                byte* quants = group + (long)b * TFormat.QuantBytes;
                sbyte* q = (sbyte*)(a + b * BlockQ8_0.Size + 2);
                int sum = 0;
                for (int e = 0; e < 32; e++) sum += TFormat.Value(quants, r, e) * q[e];
                float s = Fp16.ToSingle(scales[Block32X8.Rows * b + r]) * *(float*)(p + b * Record);
                acc = MathF.FusedMultiplyAdd(sum, s, acc);
            }
            y[r] = acc;
        }
    }

    protected override void FileTile1(byte** rows, int blocks, byte* a, byte* p, float* y)
    {
        for (int r = 0; r < Block32X8.Rows; r++)
        {
            float acc = 0;
            for (int b = 0; b < blocks; b++)
            {
                byte* block = rows[r] + (long)b * TFormat.SourceSize;
                sbyte* q = (sbyte*)(a + b * BlockQ8_0.Size + 2);
                int sum = 0;
                for (int e = 0; e < 32; e++) sum += TFormat.FileValue(block, e) * q[e];
                float s = Fp16.ToSingle(*(ushort*)block) * *(float*)(p + b * Record);
                acc = MathF.FusedMultiplyAdd(sum, s, acc);
            }
            y[r] = acc;
        }
    }

    protected override void Tile4(byte* group, int blocks, byte* a0, byte* a1, byte* a2, byte* a3,
        byte* p0, byte* p1, byte* p2, byte* p3, float* y0, float* y1, float* y2, float* y3)
    {
        Tile1(group, blocks, a0, p0, y0);
        Tile1(group, blocks, a1, p1, y1);
        Tile1(group, blocks, a2, p2, y2);
        Tile1(group, blocks, a3, p3, y3);
    }
}

/// <summary>Four tokens' int32 sums (or f32 accumulators), one lane per row.</summary>
internal struct X8Four<T> where T : struct
{
    public Vector256<T> T0, T1, T2, T3;
}

/// <summary>
/// AVX-VNNI: per quant part one <c>vpdpbusd</c> per token advances the 8 rows, against the token's 4 activations of that
/// part broadcast from memory. A token's integer sum runs in several chains (4 for one token, 2 each for four) that meet
/// before the conversion: one chain of 8 dependent <c>vpdpbusd</c> per block left the kernel waiting on latency.
/// </summary>
internal sealed unsafe class Block32X8GemmAvxVnni<TFormat> : Block32X8Gemm<TFormat> where TFormat : struct, IBlock32X8Format
{
    public static readonly Block32X8GemmAvxVnni<TFormat> Instance = new();
    public override IsaLevel Isa => IsaLevel.Avx2;
    public override bool IsSupported => AvxVnni.IsSupported && base.IsSupported;
    protected override bool UsesOffset => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void FileTile1(byte** rows, int blocks, byte* a, byte* p, float* y)
    {
        Vector256<float> acc = default;
        for (int b = 0; b < blocks; b++, a += BlockQ8_0.Size, p += Record)
        {
            nint at = (nint)b * TFormat.SourceSize;
            var values = Avx.LoadVector256((sbyte*)(a + 2));
            var sums = Reduce8(
                AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, TFormat.FileUnsigned(rows[0] + at), values),
                AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, TFormat.FileUnsigned(rows[1] + at), values),
                AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, TFormat.FileUnsigned(rows[2] + at), values),
                AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, TFormat.FileUnsigned(rows[3] + at), values),
                AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, TFormat.FileUnsigned(rows[4] + at), values),
                AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, TFormat.FileUnsigned(rows[5] + at), values),
                AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, TFormat.FileUnsigned(rows[6] + at), values),
                AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, TFormat.FileUnsigned(rows[7] + at), values));
            sums = Avx2.Add(sums, Vector256.Create(*(int*)(p + 4)));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), Avx.Multiply(FileScales(rows, at), Vector256.Create(*(float*)p)), acc);
        }
        Avx.Store(y, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Tile1(byte* group, int blocks, byte* a, byte* p, float* y)
    {
        ushort* scales = (ushort*)(group + (long)blocks * TFormat.QuantBytes);
        Vector256<float> acc = default;
        for (int b = 0; b < blocks; b++) acc = Block1(group, scales, b, a, p, acc);
        Avx.Store(y, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block1(byte* group, ushort* scales, int b, byte* a, byte* p, Vector256<float> acc)
    {
        byte* quants = group + (long)b * TFormat.QuantBytes;
        Ahead(quants);
        byte* q = a + b * BlockQ8_0.Size + 2;
        byte* rec = p + b * Record;
        // Four chains (part k mod 4): a block's 8 dependent vpdpbusd take 2 latencies.
        var c0 = Vector256.Create(*(int*)(rec + 4));
        Vector256<int> c1 = default, c2 = default, c3 = default;
        c0 = Part(c0, TFormat.Unsigned(quants, 0), q);
        c1 = Part(c1, TFormat.Unsigned(quants, 1), q + 4);
        c2 = Part(c2, TFormat.Unsigned(quants, 2), q + 8);
        c3 = Part(c3, TFormat.Unsigned(quants, 3), q + 12);
        c0 = Part(c0, TFormat.Unsigned(quants, 4), q + 16);
        c1 = Part(c1, TFormat.Unsigned(quants, 5), q + 20);
        c2 = Part(c2, TFormat.Unsigned(quants, 6), q + 24);
        c3 = Part(c3, TFormat.Unsigned(quants, 7), q + 28);
        var dw = Fp16.ToSingleFast(Sse2.LoadVector128(scales + Block32X8.Rows * b));
        var scale = Avx.Multiply(dw, Vector256.Create(*(float*)rec));
        return Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.Add(Avx2.Add(c0, c2), Avx2.Add(c1, c3))), scale, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Part(Vector256<int> acc, Vector256<byte> u, byte* q) =>
        AvxVnni.MultiplyWideningAndAdd(acc, u, Vector256.Create(*(int*)q).AsSByte());

    /// <summary>Per block: 8 integer chains (2 per token), 4 accumulators and the part being multiplied, all in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Tile4(byte* group, int blocks, byte* a0, byte* a1, byte* a2, byte* a3,
        byte* p0, byte* p1, byte* p2, byte* p3, float* y0, float* y1, float* y2, float* y3)
    {
        ushort* scales = (ushort*)(group + (long)blocks * TFormat.QuantBytes);
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        // The activation blocks' values start 2 bytes in (after the f16 scale).
        a0 += 2; a1 += 2; a2 += 2; a3 += 2;
        for (int b = 0; b < blocks; b++, a0 += BlockQ8_0.Size, a1 += BlockQ8_0.Size, a2 += BlockQ8_0.Size, a3 += BlockQ8_0.Size,
             p0 += Record, p1 += Record, p2 += Record, p3 += Record)
        {
            byte* quants = group + (long)b * TFormat.QuantBytes;
            Ahead(quants);
            // Two chains per token (even and odd parts), so a block's 8 dependent vpdpbusd take 4 latencies, not 8.
            var e0 = Vector256.Create(*(int*)(p0 + 4));
            var e1 = Vector256.Create(*(int*)(p1 + 4));
            var e2 = Vector256.Create(*(int*)(p2 + 4));
            var e3 = Vector256.Create(*(int*)(p3 + 4));
            Vector256<int> o0 = default, o1 = default, o2 = default, o3 = default;
            // Written out: each part's decoding depends on k being a constant.
            Part4(TFormat.Unsigned(quants, 0), a0, a1, a2, a3, ref e0, ref e1, ref e2, ref e3);
            Part4(TFormat.Unsigned(quants, 1), a0 + 4, a1 + 4, a2 + 4, a3 + 4, ref o0, ref o1, ref o2, ref o3);
            Part4(TFormat.Unsigned(quants, 2), a0 + 8, a1 + 8, a2 + 8, a3 + 8, ref e0, ref e1, ref e2, ref e3);
            Part4(TFormat.Unsigned(quants, 3), a0 + 12, a1 + 12, a2 + 12, a3 + 12, ref o0, ref o1, ref o2, ref o3);
            Part4(TFormat.Unsigned(quants, 4), a0 + 16, a1 + 16, a2 + 16, a3 + 16, ref e0, ref e1, ref e2, ref e3);
            Part4(TFormat.Unsigned(quants, 5), a0 + 20, a1 + 20, a2 + 20, a3 + 20, ref o0, ref o1, ref o2, ref o3);
            Part4(TFormat.Unsigned(quants, 6), a0 + 24, a1 + 24, a2 + 24, a3 + 24, ref e0, ref e1, ref e2, ref e3);
            Part4(TFormat.Unsigned(quants, 7), a0 + 28, a1 + 28, a2 + 28, a3 + 28, ref o0, ref o1, ref o2, ref o3);
            var s0 = Avx2.Add(e0, o0);
            var s1 = Avx2.Add(e1, o1);
            var s2 = Avx2.Add(e2, o2);
            var s3 = Avx2.Add(e3, o3);
            var dw = Fp16.ToSingleFast(Sse2.LoadVector128(scales + Block32X8.Rows * b));
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s0), Avx.Multiply(dw, Vector256.Create(*(float*)p0)), acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s1), Avx.Multiply(dw, Vector256.Create(*(float*)p1)), acc1);
            acc2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s2), Avx.Multiply(dw, Vector256.Create(*(float*)p2)), acc2);
            acc3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s3), Avx.Multiply(dw, Vector256.Create(*(float*)p3)), acc3);
        }
        Avx.Store(y0, acc0);
        Avx.Store(y1, acc1);
        Avx.Store(y2, acc2);
        Avx.Store(y3, acc3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Part4(Vector256<byte> u, byte* q0, byte* q1, byte* q2, byte* q3,
        ref Vector256<int> s0, ref Vector256<int> s1, ref Vector256<int> s2, ref Vector256<int> s3)
    {
        s0 = AvxVnni.MultiplyWideningAndAdd(s0, u, Vector256.Create(*(int*)q0).AsSByte());
        s1 = AvxVnni.MultiplyWideningAndAdd(s1, u, Vector256.Create(*(int*)q1).AsSByte());
        s2 = AvxVnni.MultiplyWideningAndAdd(s2, u, Vector256.Create(*(int*)q2).AsSByte());
        s3 = AvxVnni.MultiplyWideningAndAdd(s3, u, Vector256.Create(*(int*)q3).AsSByte());
    }
}

/// <summary>
/// AVX2 without VNNI: <c>vpmaddubsw</c> + <c>vpmaddwd</c> per part and token. Formats whose unsigned bytes could overflow
/// the 16-bit pairs (Q8_0, IQ4_NL) go through the abs/sign trick with no offset; the integer sums are the same.
/// </summary>
internal sealed unsafe class Block32X8GemmAvx2<TFormat> : Block32X8Gemm<TFormat> where TFormat : struct, IBlock32X8Format
{
    public static readonly Block32X8GemmAvx2<TFormat> Instance = new();
    public override IsaLevel Isa => IsaLevel.Avx2;
    protected override bool UsesOffset => !TFormat.Signed;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void FileTile1(byte** rows, int blocks, byte* a, byte* p, float* y)
    {
        Vector256<float> acc = default;
        for (int b = 0; b < blocks; b++, a += BlockQ8_0.Size, p += Record)
        {
            nint at = (nint)b * TFormat.SourceSize;
            var values = Avx.LoadVector256((sbyte*)(a + 2));
            var sums = Reduce8(FileRow(rows[0] + at, values), FileRow(rows[1] + at, values), FileRow(rows[2] + at, values), FileRow(rows[3] + at, values),
                FileRow(rows[4] + at, values), FileRow(rows[5] + at, values), FileRow(rows[6] + at, values), FileRow(rows[7] + at, values));
            sums = Avx2.Add(sums, Vector256.Create(*(int*)(p + 4)));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), Avx.Multiply(FileScales(rows, at), Vector256.Create(*(float*)p)), acc);
        }
        Avx.Store(y, acc);
    }

    /// <summary>One file block's 8 lane sums against the token's values (abs/sign for the signed formats, which start from 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> FileRow(byte* block, Vector256<sbyte> values)
    {
        if (TFormat.Signed)
        {
            var w = TFormat.FileSigned(block);
            return Int8Dot.Madd(Avx2.Abs(w), Avx2.Sign(values, w));
        }
        return Int8Dot.Madd(TFormat.FileUnsigned(block), values);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Tile1(byte* group, int blocks, byte* a, byte* p, float* y)
    {
        ushort* scales = (ushort*)(group + (long)blocks * TFormat.QuantBytes);
        Vector256<float> acc = default;
        a += 2;
        for (int b = 0; b < blocks; b++) acc = Block1(group, scales, b, a, p, acc);
        Avx.Store(y, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block1(byte* group, ushort* scales, int b, byte* a, byte* p, Vector256<float> acc)
    {
        byte* quants = group + (long)b * TFormat.QuantBytes;
        Ahead(quants);
        byte* q = a + b * BlockQ8_0.Size;
        byte* rec = p + b * Record;
        var sums = Vector256.Create(*(int*)(rec + 4));
        // Written out: each part's decoding depends on k being a constant.
        sums = Part1(sums, quants, q, 0); sums = Part1(sums, quants, q, 1); sums = Part1(sums, quants, q, 2); sums = Part1(sums, quants, q, 3);
        sums = Part1(sums, quants, q, 4); sums = Part1(sums, quants, q, 5); sums = Part1(sums, quants, q, 6); sums = Part1(sums, quants, q, 7);
        var dw = Fp16.ToSingleFast(Sse2.LoadVector128(scales + Block32X8.Rows * b));
        return Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), Avx.Multiply(dw, Vector256.Create(*(float*)rec)), acc);
    }

    /// <summary>Part k of one token: <c>vpmaddubsw</c> + <c>vpmaddwd</c> (abs/sign for the signed formats).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Part1(Vector256<int> sums, byte* quants, byte* q, int k)
    {
        var values = Vector256.Create(*(int*)(q + 4 * k)).AsSByte();
        if (TFormat.Signed)
        {
            var w = TFormat.SignedValues(quants, k);
            return Avx2.Add(sums, Int8Dot.Madd(Avx2.Abs(w), Avx2.Sign(values, w)));
        }
        return Avx2.Add(sums, Int8Dot.Madd(TFormat.Unsigned(quants, k), values));
    }

    /// <summary>Part k of four tokens, the weights decoded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static X8Four<int> Part4(X8Four<int> sums, byte* quants, byte* q0, byte* q1, byte* q2, byte* q3, int k)
    {
        int o = 4 * k;
        if (TFormat.Signed)
        {
            var w = TFormat.SignedValues(quants, k);
            var abs = Avx2.Abs(w);
            sums.T0 = Avx2.Add(sums.T0, Int8Dot.Madd(abs, Avx2.Sign(Vector256.Create(*(int*)(q0 + o)).AsSByte(), w)));
            sums.T1 = Avx2.Add(sums.T1, Int8Dot.Madd(abs, Avx2.Sign(Vector256.Create(*(int*)(q1 + o)).AsSByte(), w)));
            sums.T2 = Avx2.Add(sums.T2, Int8Dot.Madd(abs, Avx2.Sign(Vector256.Create(*(int*)(q2 + o)).AsSByte(), w)));
            sums.T3 = Avx2.Add(sums.T3, Int8Dot.Madd(abs, Avx2.Sign(Vector256.Create(*(int*)(q3 + o)).AsSByte(), w)));
            return sums;
        }
        var u = TFormat.Unsigned(quants, k);
        sums.T0 = Avx2.Add(sums.T0, Int8Dot.Madd(u, Vector256.Create(*(int*)(q0 + o)).AsSByte()));
        sums.T1 = Avx2.Add(sums.T1, Int8Dot.Madd(u, Vector256.Create(*(int*)(q1 + o)).AsSByte()));
        sums.T2 = Avx2.Add(sums.T2, Int8Dot.Madd(u, Vector256.Create(*(int*)(q2 + o)).AsSByte()));
        sums.T3 = Avx2.Add(sums.T3, Int8Dot.Madd(u, Vector256.Create(*(int*)(q3 + o)).AsSByte()));
        return sums;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Tile4(byte* group, int blocks, byte* a0, byte* a1, byte* a2, byte* a3,
        byte* p0, byte* p1, byte* p2, byte* p3, float* y0, float* y1, float* y2, float* y3)
    {
        ushort* scales = (ushort*)(group + (long)blocks * TFormat.QuantBytes);
        X8Four<float> acc = default;
        a0 += 2; a1 += 2; a2 += 2; a3 += 2;
        for (int b = 0; b < blocks; b++) acc = Block4(group, scales, b, a0, a1, a2, a3, p0, p1, p2, p3, acc);
        Avx.Store(y0, acc.T0);
        Avx.Store(y1, acc.T1);
        Avx.Store(y2, acc.T2);
        Avx.Store(y3, acc.T3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static X8Four<float> Block4(byte* group, ushort* scales, int b, byte* a0, byte* a1, byte* a2, byte* a3,
        byte* p0, byte* p1, byte* p2, byte* p3, X8Four<float> acc)
    {
        byte* quants = group + (long)b * TFormat.QuantBytes;
        Ahead(quants);
        nint at = b * BlockQ8_0.Size;
        nint rec = b * Record;
        X8Four<int> sums;
        sums.T0 = Vector256.Create(*(int*)(p0 + rec + 4));
        sums.T1 = Vector256.Create(*(int*)(p1 + rec + 4));
        sums.T2 = Vector256.Create(*(int*)(p2 + rec + 4));
        sums.T3 = Vector256.Create(*(int*)(p3 + rec + 4));
        sums = Part4(sums, quants, a0 + at, a1 + at, a2 + at, a3 + at, 0);
        sums = Part4(sums, quants, a0 + at, a1 + at, a2 + at, a3 + at, 1);
        sums = Part4(sums, quants, a0 + at, a1 + at, a2 + at, a3 + at, 2);
        sums = Part4(sums, quants, a0 + at, a1 + at, a2 + at, a3 + at, 3);
        sums = Part4(sums, quants, a0 + at, a1 + at, a2 + at, a3 + at, 4);
        sums = Part4(sums, quants, a0 + at, a1 + at, a2 + at, a3 + at, 5);
        sums = Part4(sums, quants, a0 + at, a1 + at, a2 + at, a3 + at, 6);
        sums = Part4(sums, quants, a0 + at, a1 + at, a2 + at, a3 + at, 7);
        var dw = Fp16.ToSingleFast(Sse2.LoadVector128(scales + Block32X8.Rows * b));
        acc.T0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums.T0), Avx.Multiply(dw, Vector256.Create(*(float*)(p0 + rec))), acc.T0);
        acc.T1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums.T1), Avx.Multiply(dw, Vector256.Create(*(float*)(p1 + rec))), acc.T1);
        acc.T2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums.T2), Avx.Multiply(dw, Vector256.Create(*(float*)(p2 + rec))), acc.T2);
        acc.T3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums.T3), Avx.Multiply(dw, Vector256.Create(*(float*)(p3 + rec))), acc.T3);
        return acc;
    }
}
