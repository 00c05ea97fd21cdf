using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// Q6_K with rows interleaved in eights (<see cref="RowInterleaving"/>). A superblock of 8 rows (1,680 bytes, 8 file
/// superblocks' worth) holds 64 quant parts k, part k being elements 4k..4k+3 of rows 0..7 as unsigned 6-bit values at bytes
/// 4r..4r+3:
/// <list type="bullet">
/// <item>low nibbles, 32 vectors of 32 bytes: vector m has part m in its low nibbles and part m + 32 in its high ones;</item>
/// <item>high two bits, 16 vectors: vector m has parts m, m + 16, m + 32, m + 48 at bits 0–1, 2–3, 4–5, 6–7;</item>
/// <item>the 16 int8 group scales by group (8 rows each), then the 8 f16 scales d.</item>
/// </list>
/// The arithmetic per (row, token), identical in every tier: superblock s's exact integer sum
/// I_s = Σ_g scale_g · Σ_{e in g} (q_e − 32)·a_e, s_s = d_w · d_a rounded to f32, acc = fma(I_s as f32, s_s, acc) from
/// superblock 0 on. Activations are Q8_K.
/// </summary>
public static unsafe class Q6_KX8
{
    private const int Rows = RowInterleaving.Rows;
    internal const int LowAt = 0, HighAt = 1024, ScalesAt = 1536, DAt = 1664, SuperBlockBytes = 1680;

    /// <summary>See <see cref="RowInterleaving.Repack"/>.</summary>
    public static void Repack(byte* src, long rowBytes, int cols, byte* dst, int firstGroup, int groups)
    {
        int superBlocks = cols / 256;
        for (int g = firstGroup; g < firstGroup + groups; g++)
        {
            for (int s = 0; s < superBlocks; s++)
            {
                byte* sb = dst + ((long)g * superBlocks + s) * SuperBlockBytes;
                new Span<byte>(sb, SuperBlockBytes).Clear();
                for (int r = 0; r < Rows; r++)
                {
                    byte* block = src + (Rows * (long)g + r) * rowBytes + (long)s * BlockQ6_K.Size;
                    for (int e = 0; e < 256; e++)
                    {
                        int q = FileValue(block, e);
                        int k = e >> 2, i = 4 * r + (e & 3);
                        sb[LowAt + 32 * (k & 31) + i] |= (byte)((q & 0xF) << (4 * (k >> 5)));
                        sb[HighAt + 32 * (k & 15) + i] |= (byte)((q >> 4) << (2 * (k >> 4)));
                    }
                    for (int group = 0; group < 16; group++) sb[ScalesAt + Rows * group + r] = block[192 + group];
                    ((ushort*)(sb + DAt))[r] = *(ushort*)(block + 208);
                }
            }
        }
    }

    /// <summary>The unsigned 6-bit value (0..63) of element e of a file superblock (engine.md §2.3).</summary>
    internal static int FileValue(byte* block, int e)
    {
        int half = e >> 7, rest = e & 127, quarter = rest >> 5, l = rest & 31;
        int low = block[64 * half + l + 32 * (quarter & 1)];
        low = quarter < 2 ? low & 0xF : low >> 4;
        int high = block[128 + 32 * half + l] >> (2 * quarter) & 3;
        return low | high << 4;
    }

    /// <summary>Reference: the unsigned value of element e of row r in an interleaved superblock.</summary>
    internal static int Value(byte* sb, int row, int e)
    {
        int k = e >> 2, i = 4 * row + (e & 3);
        int low = sb[LowAt + 32 * (k & 31) + i] >> (4 * (k >> 5)) & 0xF;
        int high = sb[HighAt + 32 * (k & 15) + i] >> (2 * (k >> 4)) & 3;
        return low | high << 4;
    }

    /// <summary>
    /// Part k = 16·<paramref name="quarter"/> + m as unsigned bytes. <paramref name="quarter"/> must be a constant after inlining:
    /// it picks the nibble half and the high-bit shift.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<byte> Part(byte* sb, int quarter, int m)
    {
        var packed = Avx.LoadVector256(sb + LowAt + 32 * (16 * (quarter & 1) + m));
        var low = quarter < 2 ? packed : Avx2.ShiftRightLogical(packed.AsUInt16(), 4).AsByte();
        var high = Avx.LoadVector256(sb + HighAt + 32 * m).AsUInt16();
        // Bits 2·quarter, 2·quarter + 1 of each byte to bits 4, 5. 16-bit shifts carry bits across bytes, never into 4–5.
        high = quarter switch
        {
            0 => Avx2.ShiftLeftLogical(high, 4),
            1 => Avx2.ShiftLeftLogical(high, 2),
            2 => high,
            _ => Avx2.ShiftRightLogical(high, 2),
        };
        // (low & 0x0F) | (high & 0x30), one vpternlogd where AVX-512VL exists: A = low (0xF0), B = high (0xCC), C = 0x0F (0xAA),
        // (A & C) | (B & ~C & 0x30): the 0x30 mask has to be applied apart.
        var h = Avx2.And(high.AsByte(), Vector256.Create((byte)0x30));
        if (Avx512F.VL.IsSupported) return Avx512F.VL.TernaryLogic(low, Vector256.Create((byte)0x0F), h, 0xEA);
        return Avx2.Or(Avx2.And(low, Vector256.Create((byte)0x0F)), h);
    }
}

/// <summary>Q6_K interleaved products against Q8_K activations; preparation keeps per (token, superblock) −32·Σa of each group.</summary>
internal abstract unsafe class Q6_KX8Gemm : InterleavedGemm
{
    public override GgmlType WeightType => GgmlType.Q6_K;
    public override GgmlType ActivationType => GgmlType.Q8_K;
    protected override int BlockElements => 256;
    protected override int GroupBlockBytes => Q6_KX8.SuperBlockBytes;
    protected const int Record = 64;
    protected override int RecordBytes => Record;

    public override void Prepare(byte* a, nint aStride, int n, byte* prepared, int first, int count)
    {
        int superBlocks = n / 256;
        for (int t = first; t < first + count; t++)
        {
            int* rec = (int*)(prepared + (long)t * superBlocks * Record);
            for (int s = 0; s < superBlocks; s++)
            {
                sbyte* q = (sbyte*)(a + t * aStride + (long)s * BlockQ8_K.Size + 4);
                for (int group = 0; group < 16; group++, rec++)
                {
                    int sum = 0;
                    for (int i = 0; i < 16; i++) sum += q[16 * group + i];
                    *rec = -32 * sum;
                }
            }
        }
    }

    /// <summary>Requests the weights a superblock further on, two lines per group of 16 elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static void Ahead(byte* sb, int group) => WeightPrefetch.Lines(sb + WeightPrefetch.Distance + 128 * group, 128);
}

/// <summary>The reference: element by element from the interleaved bytes.</summary>
internal sealed unsafe class Q6_KX8GemmScalar : Q6_KX8Gemm
{
    public static readonly Q6_KX8GemmScalar Instance = new();
    public override IsaLevel Isa => IsaLevel.Scalar;

    protected override void Tile1(byte* group, int blocks, byte* a, byte* p, float* y)
    {
        for (int r = 0; r < RowInterleaving.Rows; r++)
        {
            float acc = 0;
            for (int s = 0; s < blocks; s++)
            {
                byte* sb = group + (long)s * Q6_KX8.SuperBlockBytes;
                byte* act = a + (long)s * BlockQ8_K.Size;
                sbyte* q = (sbyte*)(act + 4);
                int total = 0;
                for (int g = 0; g < 16; g++)
                {
                    int sum = 0;
                    for (int e = 16 * g; e < 16 * g + 16; e++) sum += (Q6_KX8.Value(sb, r, e) - 32) * q[e];
                    total += sum * ((sbyte*)(sb + Q6_KX8.ScalesAt))[RowInterleaving.Rows * g + r];
                }
                float scale = Fp16.ToSingle(((ushort*)(sb + Q6_KX8.DAt))[r]) * *(float*)act;
                acc = MathF.FusedMultiplyAdd(total, scale, acc);
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

/// <summary>
/// AVX-VNNI: per group of 16 elements and token, a chain of 4 <c>vpdpbusd</c> from the prepared −32·Σa, times the 8 rows'
/// group scales (<c>vpmulld</c>), into the superblock's integer sum; one conversion and FMA per superblock.
/// </summary>
internal sealed unsafe class Q6_KX8GemmAvxVnni : Q6_KX8Gemm
{
    public static readonly Q6_KX8GemmAvxVnni Instance = new();
    public override IsaLevel Isa => IsaLevel.Avx2;
    public override bool IsSupported => AvxVnni.IsSupported && base.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Tile1(byte* group, int blocks, byte* a, byte* p, float* y)
    {
        Vector256<float> acc = default;
        for (int s = 0; s < blocks; s++, a += BlockQ8_K.Size, p += Record)
        {
            byte* sb = group + (long)s * Q6_KX8.SuperBlockBytes;
            byte* q = a + 4;
            // Written out by quarter: each part's decoding depends on the quarter being a constant.
            var total = Quarter1(sb, 0, q, (int*)p, Vector256<int>.Zero);
            total = Quarter1(sb, 1, q, (int*)p, total);
            total = Quarter1(sb, 2, q, (int*)p, total);
            total = Quarter1(sb, 3, q, (int*)p, total);
            var dw = Fp16.ToSingleFast(Sse2.LoadVector128((ushort*)(sb + Q6_KX8.DAt)));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(total), Avx.Multiply(dw, Vector256.Create(*(float*)a)), acc);
        }
        Avx.Store(y, acc);
    }

    /// <summary>Parts 16·quarter .. 16·quarter + 15 (groups 4·quarter .. 4·quarter + 3) of one token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Quarter1(byte* sb, int quarter, byte* q, int* starts, Vector256<int> total)
    {
        for (int j = 0; j < 4; j++)
        {
            int g = 4 * quarter + j, m = 4 * j;
            Ahead(sb, g);
            var sum = Vector256.Create(starts[g]);
            sum = Dot(sum, Q6_KX8.Part(sb, quarter, m), q + 64 * quarter + 16 * j);
            sum = Dot(sum, Q6_KX8.Part(sb, quarter, m + 1), q + 64 * quarter + 16 * j + 4);
            sum = Dot(sum, Q6_KX8.Part(sb, quarter, m + 2), q + 64 * quarter + 16 * j + 8);
            sum = Dot(sum, Q6_KX8.Part(sb, quarter, m + 3), q + 64 * quarter + 16 * j + 12);
            total = Avx2.Add(total, Avx2.MultiplyLow(sum, Scales(sb, g)));
        }
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot(Vector256<int> acc, Vector256<byte> u, byte* q) =>
        AvxVnni.MultiplyWideningAndAdd(acc, u, Vector256.Create(*(int*)q).AsSByte());

    /// <summary>Group g's int8 scale of each of the 8 rows, widened.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> Scales(byte* sb, int g) =>
        Avx2.ConvertToVector256Int32((sbyte*)(sb + Q6_KX8.ScalesAt + RowInterleaving.Rows * g));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Tile4(byte* group, int blocks, byte* a0, byte* a1, byte* a2, byte* a3,
        byte* p0, byte* p1, byte* p2, byte* p3, float* y0, float* y1, float* y2, float* y3)
    {
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (int s = 0; s < blocks; s++, a0 += BlockQ8_K.Size, a1 += BlockQ8_K.Size, a2 += BlockQ8_K.Size, a3 += BlockQ8_K.Size,
             p0 += Record, p1 += Record, p2 += Record, p3 += Record)
        {
            byte* sb = group + (long)s * Q6_KX8.SuperBlockBytes;
            X8Four<int> total = default;
            total = Quarter4(sb, 0, a0 + 4, a1 + 4, a2 + 4, a3 + 4, (int*)p0, (int*)p1, (int*)p2, (int*)p3, total);
            total = Quarter4(sb, 1, a0 + 4, a1 + 4, a2 + 4, a3 + 4, (int*)p0, (int*)p1, (int*)p2, (int*)p3, total);
            total = Quarter4(sb, 2, a0 + 4, a1 + 4, a2 + 4, a3 + 4, (int*)p0, (int*)p1, (int*)p2, (int*)p3, total);
            total = Quarter4(sb, 3, a0 + 4, a1 + 4, a2 + 4, a3 + 4, (int*)p0, (int*)p1, (int*)p2, (int*)p3, total);
            var dw = Fp16.ToSingleFast(Sse2.LoadVector128((ushort*)(sb + Q6_KX8.DAt)));
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(total.T0), Avx.Multiply(dw, Vector256.Create(*(float*)a0)), acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(total.T1), Avx.Multiply(dw, Vector256.Create(*(float*)a1)), acc1);
            acc2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(total.T2), Avx.Multiply(dw, Vector256.Create(*(float*)a2)), acc2);
            acc3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(total.T3), Avx.Multiply(dw, Vector256.Create(*(float*)a3)), acc3);
        }
        Avx.Store(y0, acc0);
        Avx.Store(y1, acc1);
        Avx.Store(y2, acc2);
        Avx.Store(y3, acc3);
    }

    /// <summary>One quarter of a superblock for four tokens: each part decoded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static X8Four<int> Quarter4(byte* sb, int quarter, byte* q0, byte* q1, byte* q2, byte* q3,
        int* s0, int* s1, int* s2, int* s3, X8Four<int> total)
    {
        for (int j = 0; j < 4; j++)
        {
            int g = 4 * quarter + j, m = 4 * j, at = 64 * quarter + 16 * j;
            Ahead(sb, g);
            var c0 = Vector256.Create(s0[g]);
            var c1 = Vector256.Create(s1[g]);
            var c2 = Vector256.Create(s2[g]);
            var c3 = Vector256.Create(s3[g]);
            for (int i = 0; i < 4; i++)
            {
                var u = Q6_KX8.Part(sb, quarter, m + i);
                c0 = Dot(c0, u, q0 + at + 4 * i);
                c1 = Dot(c1, u, q1 + at + 4 * i);
                c2 = Dot(c2, u, q2 + at + 4 * i);
                c3 = Dot(c3, u, q3 + at + 4 * i);
            }
            var scales = Scales(sb, g);
            total.T0 = Avx2.Add(total.T0, Avx2.MultiplyLow(c0, scales));
            total.T1 = Avx2.Add(total.T1, Avx2.MultiplyLow(c1, scales));
            total.T2 = Avx2.Add(total.T2, Avx2.MultiplyLow(c2, scales));
            total.T3 = Avx2.Add(total.T3, Avx2.MultiplyLow(c3, scales));
        }
        return total;
    }
}

/// <summary>AVX2 without VNNI: <c>vpmaddubsw</c> + <c>vpmaddwd</c> per part and token (6-bit values keep the pairs exact).</summary>
internal sealed unsafe class Q6_KX8GemmAvx2 : Q6_KX8Gemm
{
    public static readonly Q6_KX8GemmAvx2 Instance = new();
    public override IsaLevel Isa => IsaLevel.Avx2;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Tile1(byte* group, int blocks, byte* a, byte* p, float* y)
    {
        Vector256<float> acc = default;
        for (int s = 0; s < blocks; s++, a += BlockQ8_K.Size, p += Record)
        {
            byte* sb = group + (long)s * Q6_KX8.SuperBlockBytes;
            var total = Quarter(sb, 0, a + 4, (int*)p, Vector256<int>.Zero);
            total = Quarter(sb, 1, a + 4, (int*)p, total);
            total = Quarter(sb, 2, a + 4, (int*)p, total);
            total = Quarter(sb, 3, a + 4, (int*)p, total);
            var dw = Fp16.ToSingleFast(Sse2.LoadVector128((ushort*)(sb + Q6_KX8.DAt)));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(total), Avx.Multiply(dw, Vector256.Create(*(float*)a)), acc);
        }
        Avx.Store(y, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Quarter(byte* sb, int quarter, byte* q, int* starts, Vector256<int> total)
    {
        for (int j = 0; j < 4; j++)
        {
            int g = 4 * quarter + j, m = 4 * j, at = 64 * quarter + 16 * j;
            Ahead(sb, g);
            var sum = Vector256.Create(starts[g]);
            for (int i = 0; i < 4; i++)
                sum = Avx2.Add(sum, Int8Dot.Madd(Q6_KX8.Part(sb, quarter, m + i), Vector256.Create(*(int*)(q + at + 4 * i)).AsSByte()));
            total = Avx2.Add(total, Avx2.MultiplyLow(sum, Q6_KX8GemmAvxVnni.Scales(sb, g)));
        }
        return total;
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
