using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// What a K-quant tile needs from a format: the 8 exact integer lanes (and minimum lanes) of one superblock against 4
/// tokens' Q8_K blocks, with the weights decoded once for all 4. The lanes are the integers
/// <see cref="ISuperBlockLanesScalar{TBlock}"/> defines, so any way of forming them gives the same values.
/// </summary>
internal unsafe interface ISuperBlockTileLanes<TBlock> where TBlock : struct, ISuperBlock
{
    static abstract void Lanes(byte* block, BlockQ8_K* a0, BlockQ8_K* a1, BlockQ8_K* a2, BlockQ8_K* a3, Vector256<int>* lanes, Vector256<int>* mins);
}

/// <summary>
/// Tiles of the K-quants: one weight row × 4 tokens. Per (row, token) the float steps are
/// <see cref="SuperBlockDotVector{TBlock, TLanes}"/>'s: each superblock's lanes are FMA'd into 8 accumulators with
/// <c>d_a·f(d)</c> (minimum lanes into 8 more with <c>d_a·f(dmin)</c>), then subtracted and folded.
/// </summary>
internal abstract unsafe class SuperBlockGemm<TBlock, TLanes> : RowGemm
    where TBlock : struct, ISuperBlock
    where TLanes : struct, ISuperBlockTileLanes<TBlock>
{
    private const int TileTokens = 4;

    public override GgmlType WeightType => TBlock.Type;
    public override IsaLevel Isa => IsaLevel.Avx2;

    public override void DotTile(byte* w, nint wStride, int rows, byte* a, nint aStride, byte* prepared, int tokens, int n,
        float* y, nint yStride)
    {
        int blocks = n / 256;
        var results = stackalloc float[TileTokens];
        // One tile of tokens (batched decode of a few sequences) streams the rows: each requests the weights further on first.
        bool streaming = tokens <= TileTokens;
        byte* end = w + rows * wStride;
        if (streaming) WeightPrefetch.Start(w, end);
        for (int t0 = 0; t0 < tokens; t0 += TileTokens)
        {
            int count = Math.Min(TileTokens, tokens - t0);
            // A short tile repeats its last token in the unused places and drops those results.
            var a0 = (BlockQ8_K*)(a + t0 * aStride);
            var a1 = (BlockQ8_K*)(a + (t0 + Math.Min(1, count - 1)) * aStride);
            var a2 = (BlockQ8_K*)(a + (t0 + Math.Min(2, count - 1)) * aStride);
            var a3 = (BlockQ8_K*)(a + (t0 + Math.Min(3, count - 1)) * aStride);
            for (int r = 0; r < rows; r++)
            {
                if (streaming) WeightPrefetch.Ahead(w + r * wStride, wStride, end);
                Tile(w + r * wStride, blocks, a0, a1, a2, a3, results);
                for (int i = 0; i < count; i++) y[(t0 + i) * yStride + r] = results[i];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(byte* x, int blocks, BlockQ8_K* a0, BlockQ8_K* a1, BlockQ8_K* a2, BlockQ8_K* a3, float* results)
    {
        float* f16 = Fp16.Table;
        var lanes = stackalloc Vector256<int>[2 * TileTokens];
        var mins = lanes + TileTokens;
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        Vector256<float> min0 = default, min1 = default, min2 = default, min3 = default;
        for (int i = 0; i < blocks; i++, x += TBlock.Size, a0++, a1++, a2++, a3++)
        {
            TLanes.Lanes(x, a0, a1, a2, a3, lanes, mins);
            var d = Vector256.Create(f16[TBlock.ScaleBits(x)]);
            acc0 = Fma.MultiplyAdd(Avx.Multiply(Vector256.Create(a0->D), d), Avx.ConvertToVector256Single(lanes[0]), acc0);
            acc1 = Fma.MultiplyAdd(Avx.Multiply(Vector256.Create(a1->D), d), Avx.ConvertToVector256Single(lanes[1]), acc1);
            acc2 = Fma.MultiplyAdd(Avx.Multiply(Vector256.Create(a2->D), d), Avx.ConvertToVector256Single(lanes[2]), acc2);
            acc3 = Fma.MultiplyAdd(Avx.Multiply(Vector256.Create(a3->D), d), Avx.ConvertToVector256Single(lanes[3]), acc3);
            if (TBlock.HasMin)
            {
                var dmin = Vector256.Create(f16[TBlock.MinBits(x)]);
                min0 = Fma.MultiplyAdd(Avx.Multiply(Vector256.Create(a0->D), dmin), Avx.ConvertToVector256Single(mins[0]), min0);
                min1 = Fma.MultiplyAdd(Avx.Multiply(Vector256.Create(a1->D), dmin), Avx.ConvertToVector256Single(mins[1]), min1);
                min2 = Fma.MultiplyAdd(Avx.Multiply(Vector256.Create(a2->D), dmin), Avx.ConvertToVector256Single(mins[2]), min2);
                min3 = Fma.MultiplyAdd(Avx.Multiply(Vector256.Create(a3->D), dmin), Avx.ConvertToVector256Single(mins[3]), min3);
            }
        }
        if (TBlock.HasMin)
        {
            acc0 = Avx.Subtract(acc0, min0);
            acc1 = Avx.Subtract(acc1, min1);
            acc2 = Avx.Subtract(acc2, min2);
            acc3 = Avx.Subtract(acc3, min3);
        }
        results[0] = LaneSums.Fold(acc0);
        results[1] = LaneSums.Fold(acc1);
        results[2] = LaneSums.Fold(acc2);
        results[3] = LaneSums.Fold(acc3);
    }
}

/// <summary>Q4_K lanes for 4 tokens: each 64-element chunk's nibbles and scale vectors decoded once.</summary>
internal unsafe struct Q4_KTileLanesAvx2 : ISuperBlockTileLanes<BlockQ4_K>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lanes(byte* block, BlockQ8_K* a0, BlockQ8_K* a1, BlockQ8_K* a2, BlockQ8_K* a3, Vector256<int>* lanes, Vector256<int>* mins)
    {
        var x = (BlockQ4_K*)block;
        var scalesMins = BlockQ4_K.UnpackScalesMinsVector(x->Scales);
        var sc = Q4_KLanesAvx2.ScalesInBothLanes(scalesMins);
        byte* qs = block + QsAt;
        sbyte* q0 = Q8_KValues(a0), q1 = Q8_KValues(a1), q2 = Q8_KValues(a2), q3 = Q8_KValues(a3);
        // Chunks written out with constant indices, so the scale shuffles are constants and nothing loops.
        var s = Chunk(qs, sc, 0, q0, q1, q2, q3, default);
        s = Chunk(qs, sc, 1, q0, q1, q2, q3, s);
        s = Chunk(qs, sc, 2, q0, q1, q2, q3, s);
        s = Chunk(qs, sc, 3, q0, q1, q2, q3, s);
        lanes[0] = s.T0; lanes[1] = s.T1; lanes[2] = s.T2; lanes[3] = s.T3;
        mins[0] = Q4_KLanesAvx2.MinLanes(scalesMins, a0);
        mins[1] = Q4_KLanesAvx2.MinLanes(scalesMins, a1);
        mins[2] = Q4_KLanesAvx2.MinLanes(scalesMins, a2);
        mins[3] = Q4_KLanesAvx2.MinLanes(scalesMins, a3);
    }

    private const int QsAt = 16; // d, dmin, 12 bytes of scales

    /// <summary>The 256 values of a Q8_K block (plain pointer arithmetic: no null check per access).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static sbyte* Q8_KValues(BlockQ8_K* a) => (sbyte*)a + sizeof(float);

    /// <summary>Integer lanes of the 4 tokens.</summary>
    internal struct Sums4
    {
        public Vector256<int> T0, T1, T2, T3;
    }

    /// <summary>64-element chunk <paramref name="c"/> of the superblock against the 4 tokens.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Sums4 Chunk(byte* qs, Vector256<short> sc, int c, sbyte* a0, sbyte* a1, sbyte* a2, sbyte* a3, Sums4 s)
    {
        var q = Avx.LoadVector256(qs + 32 * c);
        var lo = KQuantVectors.LowNibbles(q);
        var hi = KQuantVectors.HighNibbles(q);
        var scLo = Avx2.Shuffle(sc.AsByte(), KQuantVectors.ScaleAll(2 * c)).AsInt16();
        var scHi = Avx2.Shuffle(sc.AsByte(), KQuantVectors.ScaleAll(2 * c + 1)).AsInt16();
        int o = 64 * c;
        s.T0 = Pair(s.T0, lo, hi, scLo, scHi, a0 + o);
        s.T1 = Pair(s.T1, lo, hi, scLo, scHi, a1 + o);
        s.T2 = Pair(s.T2, lo, hi, scLo, scHi, a2 + o);
        s.T3 = Pair(s.T3, lo, hi, scLo, scHi, a3 + o);
        return s;
    }

    /// <summary><paramref name="sum"/> plus a 64-element chunk: low values against a[0..31], high values against a[32..63], each times its group scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> Pair(Vector256<int> sum, Vector256<byte> lo, Vector256<byte> hi, Vector256<short> scLo, Vector256<short> scHi, sbyte* a)
    {
        sum = Scaled(sum, Avx2.MultiplyAddAdjacent(lo, Avx.LoadVector256(a)), scLo);
        return Scaled(sum, Avx2.MultiplyAddAdjacent(hi, Avx.LoadVector256(a + 32)), scHi);
    }

    /// <summary><paramref name="sum"/> + pairwise products of int16 lanes with their scales: one <c>vpdpwssd</c> with AVX-VNNI.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> Scaled(Vector256<int> sum, Vector256<short> products, Vector256<short> scales) =>
        AvxVnni.IsSupported
            ? AvxVnni.MultiplyWideningAndAdd(sum, products, scales)
            : Avx2.Add(sum, Avx2.MultiplyAddAdjacent(products, scales));
}

/// <summary>Q5_K lanes for 4 tokens: the Q4_K tile with bit t of <c>qh</c> moved to 0x10 for group t.</summary>
internal unsafe struct Q5_KTileLanesAvx2 : ISuperBlockTileLanes<BlockQ5_K>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lanes(byte* block, BlockQ8_K* a0, BlockQ8_K* a1, BlockQ8_K* a2, BlockQ8_K* a3, Vector256<int>* lanes, Vector256<int>* mins)
    {
        var x = (BlockQ5_K*)block;
        var scalesMins = BlockQ4_K.UnpackScalesMinsVector(x->Scales);
        var sc = Q4_KLanesAvx2.ScalesInBothLanes(scalesMins);
        var qh = Avx.LoadVector256(x->Qh);
        byte* qs = x->Qs;
        sbyte* q0 = Q4_KTileLanesAvx2.Q8_KValues(a0), q1 = Q4_KTileLanesAvx2.Q8_KValues(a1);
        sbyte* q2 = Q4_KTileLanesAvx2.Q8_KValues(a2), q3 = Q4_KTileLanesAvx2.Q8_KValues(a3);
        var s = Chunk(qs, qh, sc, 0, q0, q1, q2, q3, default);
        s = Chunk(qs, qh, sc, 1, q0, q1, q2, q3, s);
        s = Chunk(qs, qh, sc, 2, q0, q1, q2, q3, s);
        s = Chunk(qs, qh, sc, 3, q0, q1, q2, q3, s);
        lanes[0] = s.T0; lanes[1] = s.T1; lanes[2] = s.T2; lanes[3] = s.T3;
        mins[0] = Q4_KLanesAvx2.MinLanes(scalesMins, a0);
        mins[1] = Q4_KLanesAvx2.MinLanes(scalesMins, a1);
        mins[2] = Q4_KLanesAvx2.MinLanes(scalesMins, a2);
        mins[3] = Q4_KLanesAvx2.MinLanes(scalesMins, a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Q4_KTileLanesAvx2.Sums4 Chunk(byte* qs, Vector256<byte> qh, Vector256<short> sc, int c,
        sbyte* a0, sbyte* a1, sbyte* a2, sbyte* a3, Q4_KTileLanesAvx2.Sums4 s)
    {
        var q = Avx.LoadVector256(qs + 32 * c);
        var lo = Avx2.Or(KQuantVectors.LowNibbles(q), KQuantVectors.MoveBit(qh, 2 * c, 4));
        var hi = Avx2.Or(KQuantVectors.HighNibbles(q), KQuantVectors.MoveBit(qh, 2 * c + 1, 4));
        var scLo = Avx2.Shuffle(sc.AsByte(), KQuantVectors.ScaleAll(2 * c)).AsInt16();
        var scHi = Avx2.Shuffle(sc.AsByte(), KQuantVectors.ScaleAll(2 * c + 1)).AsInt16();
        int o = 64 * c;
        s.T0 = Q4_KTileLanesAvx2.Pair(s.T0, lo, hi, scLo, scHi, a0 + o);
        s.T1 = Q4_KTileLanesAvx2.Pair(s.T1, lo, hi, scLo, scHi, a1 + o);
        s.T2 = Q4_KTileLanesAvx2.Pair(s.T2, lo, hi, scLo, scHi, a2 + o);
        s.T3 = Q4_KTileLanesAvx2.Pair(s.T3, lo, hi, scLo, scHi, a3 + o);
        return s;
    }
}

/// <summary>
/// Q6_K lanes for 4 tokens: per 128-element half the four 32-element value vectors and their scale pairs are decoded
/// once; the −32 offset returns as −32·Σ_g S_g·bsum_g per token.
/// </summary>
internal unsafe struct Q6_KTileLanesAvx2 : ISuperBlockTileLanes<BlockQ6_K>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Lanes(byte* block, BlockQ8_K* a0, BlockQ8_K* a1, BlockQ8_K* a2, BlockQ8_K* a3, Vector256<int>* lanes, Vector256<int>* mins)
    {
        var x = (BlockQ6_K*)block;
        var s16 = Avx2.ConvertToVector256Int16(Sse2.LoadVector128(x->Scales));
        sbyte* q0 = Q4_KTileLanesAvx2.Q8_KValues(a0), q1 = Q4_KTileLanesAvx2.Q8_KValues(a1);
        sbyte* q2 = Q4_KTileLanesAvx2.Q8_KValues(a2), q3 = Q4_KTileLanesAvx2.Q8_KValues(a3);
        // Both halves written out with constant indices: constant shuffles, no loop.
        var s = HalfOfBlock(x, Avx2.Permute2x128(s16, s16, 0x00).AsByte(), 0, q0, q1, q2, q3, default);
        s = HalfOfBlock(x, Avx2.Permute2x128(s16, s16, 0x11).AsByte(), 1, q0, q1, q2, q3, s);
        lanes[0] = Avx2.Subtract(s.T0, Offset(s16, a0));
        lanes[1] = Avx2.Subtract(s.T1, Offset(s16, a1));
        lanes[2] = Avx2.Subtract(s.T2, Offset(s16, a2));
        lanes[3] = Avx2.Subtract(s.T3, Offset(s16, a3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Q4_KTileLanesAvx2.Sums4 HalfOfBlock(BlockQ6_K* x, Vector256<byte> scales, int h,
        sbyte* a0, sbyte* a1, sbyte* a2, sbyte* a3, Q4_KTileLanesAvx2.Sums4 s)
    {
        byte* ql = (byte*)x + QlAt + 64 * h;
        var l0 = Avx.LoadVector256(ql);
        var l1 = Avx.LoadVector256(ql + 32);
        var qh = Avx.LoadVector256((byte*)x + QhAt + 32 * h);
        var top = Vector256.Create((byte)0x30);
        var q0 = Avx2.Or(KQuantVectors.LowNibbles(l0), Avx2.And((qh.AsUInt16() << 4).AsByte(), top));
        var q1 = Avx2.Or(KQuantVectors.LowNibbles(l1), Avx2.And((qh.AsUInt16() << 2).AsByte(), top));
        var q2 = Avx2.Or(KQuantVectors.HighNibbles(l0), Avx2.And(qh, top));
        var q3 = Avx2.Or(KQuantVectors.HighNibbles(l1), Avx2.And((qh.AsUInt16() >> 2).AsByte(), top));
        var p0 = Avx2.Shuffle(scales, KQuantVectors.ScalePair(0, 1)).AsInt16();
        var p1 = Avx2.Shuffle(scales, KQuantVectors.ScalePair(2, 3)).AsInt16();
        var p2 = Avx2.Shuffle(scales, KQuantVectors.ScalePair(4, 5)).AsInt16();
        var p3 = Avx2.Shuffle(scales, KQuantVectors.ScalePair(6, 7)).AsInt16();
        int o = 128 * h;
        s.T0 = Half(s.T0, q0, q1, q2, q3, p0, p1, p2, p3, a0 + o);
        s.T1 = Half(s.T1, q0, q1, q2, q3, p0, p1, p2, p3, a1 + o);
        s.T2 = Half(s.T2, q0, q1, q2, q3, p0, p1, p2, p3, a2 + o);
        s.T3 = Half(s.T3, q0, q1, q2, q3, p0, p1, p2, p3, a3 + o);
        return s;
    }

    private const int QlAt = 0, QhAt = 128; // ql[128], qh[64], scales[16], d

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Half(Vector256<int> sum, Vector256<byte> q0, Vector256<byte> q1, Vector256<byte> q2, Vector256<byte> q3,
        Vector256<short> p0, Vector256<short> p1, Vector256<short> p2, Vector256<short> p3, sbyte* a)
    {
        sum = Q4_KTileLanesAvx2.Scaled(sum, Avx2.MultiplyAddAdjacent(q0, Avx.LoadVector256(a)), p0);
        sum = Q4_KTileLanesAvx2.Scaled(sum, Avx2.MultiplyAddAdjacent(q1, Avx.LoadVector256(a + 32)), p1);
        sum = Q4_KTileLanesAvx2.Scaled(sum, Avx2.MultiplyAddAdjacent(q2, Avx.LoadVector256(a + 64)), p2);
        return Q4_KTileLanesAvx2.Scaled(sum, Avx2.MultiplyAddAdjacent(q3, Avx.LoadVector256(a + 96)), p3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Offset(Vector256<short> s16, BlockQ8_K* a) =>
        Avx2.ShiftLeftLogical(Avx2.MultiplyAddAdjacent(Avx.LoadVector256(a->BSums), s16), 5);
}

internal sealed class Q4_KGemmAvx2 : SuperBlockGemm<BlockQ4_K, Q4_KTileLanesAvx2> { public static readonly Q4_KGemmAvx2 Instance = new(); }
internal sealed class Q5_KGemmAvx2 : SuperBlockGemm<BlockQ5_K, Q5_KTileLanesAvx2> { public static readonly Q5_KGemmAvx2 Instance = new(); }
internal sealed class Q6_KGemmAvx2 : SuperBlockGemm<BlockQ6_K, Q6_KTileLanesAvx2> { public static readonly Q6_KGemmAvx2 Instance = new(); }
