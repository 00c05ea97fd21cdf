using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Engine.Kernels;

/// <summary>One layer's K or V cells of one sequence: cell j of KV head h starts at <c>Data + j·RowBytes + h·HeadBytes</c>.</summary>
public readonly unsafe struct KvRows(GgmlType type, byte* data, long rowBytes, long headBytes)
{
    public readonly GgmlType Type = type;
    public readonly byte* Data = data;
    public readonly long RowBytes = rowBytes;
    public readonly long HeadBytes = headBytes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Cell(int cell, int head) => Data + cell * RowBytes + head * HeadBytes;
}

/// <summary>What attention needs besides the cache: head sizes, score scale, soft-cap.</summary>
public readonly record struct AttentionShape(int HeadDimK, int HeadDimV, int GroupSize, float Scale, float Softcap);

/// <summary>
/// Flash attention over one sequence's KV cache, in the two numerical flavours of llama.cpp's CPU backend (engine.md §6.4).
/// All query heads that share a KV head are processed together, so every cached cell is read and converted once per
/// step, not once per query head.
/// <list type="bullet">
/// <item><see cref="DecodeGroup"/>: fewer than 64 query rows. Q rounded to f16 (or quantized to Q8_0 for a quantized K
/// cache); one online-softmax step per cell with libm <c>expf</c>; with an f16 V cache the V accumulator is kept in f16
/// and rounded after every update, otherwise in f32.</item>
/// <item><see cref="PromptBlock"/>: 64 or more query rows. Q stays f32, K and V are widened to f32, and the online
/// softmax advances one 64-cell tile at a time with the SIMD exp (<see cref="ExpApprox"/>).</item>
/// </list>
/// Both visit only visible cells (causal mask, sliding window), so padding and invisible cells have no numeric effect.
/// The vector code uses 256-bit cross-platform vectors with fixed lane orders, so every instruction-set tier gives the
/// same bits; <see cref="AttentionReference"/> holds the same arithmetic written one element at a time.
/// </summary>
public static unsafe class Attention
{
    /// <summary>Query rows of one sequence in a batch at or above which its attention uses the f32 (prompt) path.</summary>
    public const int F32PathMinRows = 64;

    /// <summary>Cells per online-softmax step of the prompt path.</summary>
    public const int TileCells = 64;

    /// <summary>Floats of per-thread scratch <see cref="DecodeGroup"/> and <see cref="PromptBlock"/> need.</summary>
    public static int ScratchFloats(AttentionShape shape, int maxBlockTokens) =>
        TileCells * (shape.HeadDimK + shape.HeadDimV) + TileCells * shape.GroupSize * maxBlockTokens
        + shape.GroupSize * maxBlockTokens * (shape.HeadDimK + shape.HeadDimV + 2) + 2 * (shape.HeadDimK + shape.HeadDimV) + 64;

    /// <summary>
    /// The decode flavour for the <c>GroupSize</c> query heads of KV head <paramref name="kvHead"/>, one query position.
    /// </summary>
    /// <param name="q">GroupSize query heads, HeadDimK apart (f32, already rotated).</param>
    /// <param name="output">GroupSize outputs, HeadDimV apart.</param>
    /// <param name="first">First visible cell, inclusive.</param>
    /// <param name="last">Last visible cell, inclusive.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DecodeGroup(AttentionShape shape, KvRows keys, KvRows values, int kvHead, float* q, float* output,
        int first, int last, float* scratch)
    {
        int dk = shape.HeadDimK, dv = shape.HeadDimV, groups = shape.GroupSize;
        float scale = shape.Scale, softcap = shape.Softcap;
        if (softcap != 0) scale /= softcap; // ggml folds 1/c into the kernel scale
        bool f16K = keys.Type == GgmlType.F16, f16V = values.Type == GgmlType.F16;
        var isa = CpuIsa.Current;

        float* qs = scratch;                          // groups × dk: Q rounded to f16 (f16 K cache)
        float* acc = qs + groups * dk;                // groups × dv: V accumulators
        float* m = acc + groups * dv;                 // groups running maxima
        float* s = m + groups;                        // groups running sums
        float* kf = s + groups;                       // DecodeCells × dk: the cells' keys as f32
        float* vf = kf + DecodeCells * dk;            // DecodeCells × dv: the cells' values as f32
        float* dots = vf + DecodeCells * dv;          // DecodeCells × groups: q·k before scaling
        byte* qq = (byte*)(dots + DecodeCells * groups); // groups × Q8_0 rows (quantized K cache)
        int qqBytes = f16K ? 0 : ActivationQuantizer.RowSize(GgmlType.Q8_0, dk);
        RowDot? kDot = f16K ? null : RowDotKernels.For(keys.Type);

        for (int g = 0; g < groups; g++)
        {
            if (f16K) RoundToHalf(q + g * dk, qs + g * dk, dk);
            else ActivationQuantizer.QuantizeRow(GgmlType.Q8_0, new ReadOnlySpan<float>(q + g * dk, dk), new Span<byte>(qq + g * qqBytes, qqBytes));
            m[g] = float.NegativeInfinity;
            s[g] = 0;
        }
        new Span<float>(acc, groups * dv).Clear();

        long kBytes = GgmlTypeInfo.RowSize(keys.Type, dk), vBytes = GgmlTypeInfo.RowSize(values.Type, dv);
        // Per cell of a head: the accumulator's rescale factor (in [0, 1]), or −1 for none; and the value's weight.
        float* rescale = stackalloc float[DecodeCells];
        float* weight = stackalloc float[DecodeCells];
        // A few cells at a time: first every head's dot product with each cell (independent, so they overlap), then
        // each head's online-softmax steps over those cells in order, exactly as one cell at a time would do them.
        for (int j0 = first; j0 <= last; j0 += DecodeCells)
        {
            int cells = Math.Min(DecodeCells, last - j0 + 1);
            for (int c = 0; c < cells; c++)
            {
                int j = j0 + c;
                byte* k = keys.Cell(j, kvHead);
                byte* v = values.Cell(j, kvHead);
                if (j + PrefetchCells <= last) PrefetchCell(keys.Cell(j + PrefetchCells, kvHead), kBytes, values.Cell(j + PrefetchCells, kvHead), vBytes);
                float* kc = kf + c * dk;
                if (f16K) Fp16.ToSingle((ushort*)k, kc, dk, isa);
                if (f16V) Fp16.ToSingle((ushort*)v, vf + c * dv, dv, isa);
                else Dequantize.Row(values.Type, v, vf + c * dv, dv);
                for (int g = 0; g < groups; g++)
                    dots[c * groups + g] = f16K ? DotExact(qs + g * dk, kc, dk) : kDot!.Dot(k, qq + g * qqBytes, dk);
            }
            for (int g = 0; g < groups; g++)
            {
                float mg = m[g], sg = s[g];
                for (int c = 0; c < cells; c++)
                {
                    float score = dots[c * groups + g] * scale;
                    if (softcap != 0) score = softcap * MathF.Tanh(score);
                    float ms = 1f, vs = 1f;
                    rescale[c] = -1f;
                    if (score > mg)
                    {
                        float mOld = mg;
                        mg = score;
                        ms = MathF.Exp(mOld - score);
                        rescale[c] = ms;
                    }
                    else
                    {
                        vs = MathF.Exp(score - mg);
                    }
                    weight[c] = vs;
                    sg = sg * ms + vs;
                }
                m[g] = mg;
                s[g] = sg;
                if (f16V) AccumulateHalf(acc + g * dv, vf, rescale, weight, cells, dv);
                else Accumulate(acc + g * dv, vf, rescale, weight, cells, dv);
            }
        }
        for (int g = 0; g < groups; g++)
        {
            float inv = s[g] == 0f ? 0f : 1.0f / s[g];
            Scale(acc + g * dv, inv, dv, output + g * dv);
        }
    }

    /// <summary>
    /// The prompt flavour for <paramref name="tokens"/> query positions of one sequence × the GroupSize query heads of KV
    /// head <paramref name="kvHead"/>. Token t's heads start at <c>q + t·qTokenStride</c>; it sees cells
    /// [<paramref name="first"/>[t], <paramref name="last"/>[t]].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PromptBlock(AttentionShape shape, KvRows keys, KvRows values, int kvHead, int tokens,
        float* q, long qTokenStride, float* output, long outTokenStride, int* first, int* last, float* scratch)
    {
        int dk = shape.HeadDimK, dv = shape.HeadDimV, groups = shape.GroupSize;
        float scale = shape.Scale, softcap = shape.Softcap;
        if (softcap != 0) scale /= softcap;
        int rows = tokens * groups;

        float* kTile = scratch;                       // TileCells × dk
        float* vTile = kTile + TileCells * dk;        // TileCells × dv
        float* scores = vTile + TileCells * dv;       // TileCells per row
        float* acc = scores + TileCells;              // rows × dv
        float* m = acc + rows * dv;
        float* s = m + rows;

        int lo = int.MaxValue, hi = -1;
        for (int t = 0; t < tokens; t++)
        {
            lo = Math.Min(lo, first[t]);
            hi = Math.Max(hi, last[t]);
        }
        new Span<float>(acc, rows * dv).Clear();
        for (int r = 0; r < rows; r++)
        {
            m[r] = float.NegativeInfinity;
            s[r] = 0;
        }

        for (int c0 = lo - lo % TileCells; c0 <= hi; c0 += TileCells)
        {
            int c1 = Math.Min(c0 + TileCells, hi + 1);
            int cStart = Math.Max(c0, lo);
            for (int j = cStart; j < c1; j++)
            {
                WidenRow(keys, keys.Cell(j, kvHead), kTile + (j - c0) * dk, dk);
                WidenRow(values, values.Cell(j, kvHead), vTile + (j - c0) * dv, dv);
            }
            for (int t = 0; t < tokens; t++)
            {
                int jFirst = Math.Max(first[t], c0), jEnd = Math.Min(last[t] + 1, c1);
                if (jFirst >= jEnd) continue;
                for (int g = 0; g < groups; g++)
                {
                    int r = t * groups + g;
                    float* qr = q + t * qTokenStride + g * dk;
                    int j = jFirst;
                    // Four cells at a time: four independent FMA chains instead of one latency-bound chain.
                    for (; j + 4 <= jEnd; j += 4)
                        Dot4(qr, kTile + (j - c0) * dk, dk, scores + (j - c0));
                    for (; j < jEnd; j++) scores[j - c0] = Dot(qr, kTile + (j - c0) * dk, dk);
                    float tileMax = float.NegativeInfinity;
                    for (j = jFirst; j < jEnd; j++)
                    {
                        float score = scores[j - c0] * scale;
                        if (softcap != 0) score = softcap * MathF.Tanh(score);
                        scores[j - c0] = score;
                        tileMax = MathF.Max(tileMax, score);
                    }
                    float mNew = MathF.Max(m[r], tileMax);
                    float ms = m[r] == float.NegativeInfinity ? 0f : ExpScalar(m[r] - mNew);
                    m[r] = mNew;
                    float sum = ExpTile(scores + (jFirst - c0), jEnd - jFirst, mNew);
                    s[r] = s[r] * ms + sum;
                    float* a = acc + r * dv;
                    Scale(a, ms, dv);
                    MultiplyAddCells(a, vTile + (jFirst - c0) * dv, scores + (jFirst - c0), jEnd - jFirst, dv);
                }
            }
        }
        for (int t = 0; t < tokens; t++)
        {
            for (int g = 0; g < groups; g++)
            {
                int r = t * groups + g;
                float inv = s[r] == 0f ? 0f : 1.0f / s[r];
                Scale(acc + r * dv, inv, dv, output + t * outTokenStride + g * dv);
            }
        }
    }

    /// <summary>Cells the decode flavour converts and scores before it runs the heads' softmax steps over them.</summary>
    private const int DecodeCells = 8;

    /// <summary>
    /// The f16 accumulator's steps over <paramref name="cells"/> cells (values <paramref name="dv"/> apart): where a step
    /// has a rescale factor (not −1), <see cref="ScaleHalf"/>, then <see cref="MultiplyAddHalf"/> with its weight. Per element the
    /// same operations in the same order, with 32 accumulators held in registers across the cells.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateHalf(float* acc, float* v, float* rescale, float* weight, int cells, int dv)
    {
        int i = 0;
        for (; i + 32 <= dv; i += 32)
        {
            Vector256<float> a0 = Vector256.Load(acc + i), a1 = Vector256.Load(acc + i + 8), a2 = Vector256.Load(acc + i + 16), a3 = Vector256.Load(acc + i + 24);
            for (int c = 0; c < cells; c++)
            {
                if (rescale[c] >= 0f)
                {
                    var f = Vector256.Create(rescale[c]);
                    a0 = RoundToHalf(a0 * f); a1 = RoundToHalf(a1 * f); a2 = RoundToHalf(a2 * f); a3 = RoundToHalf(a3 * f);
                }
                var w = Vector256.Create(weight[c]);
                float* vc = v + c * dv + i;
                a0 = RoundToHalf(Vector256.FusedMultiplyAdd(Vector256.Load(vc), w, a0));
                a1 = RoundToHalf(Vector256.FusedMultiplyAdd(Vector256.Load(vc + 8), w, a1));
                a2 = RoundToHalf(Vector256.FusedMultiplyAdd(Vector256.Load(vc + 16), w, a2));
                a3 = RoundToHalf(Vector256.FusedMultiplyAdd(Vector256.Load(vc + 24), w, a3));
            }
            a0.Store(acc + i); a1.Store(acc + i + 8); a2.Store(acc + i + 16); a3.Store(acc + i + 24);
        }
        if (i == dv) return;
        for (int c = 0; c < cells; c++)
        {
            if (rescale[c] >= 0f) ScaleHalf(acc + i, rescale[c], dv - i);
            MultiplyAddHalf(acc + i, v + c * dv + i, weight[c], dv - i);
        }
    }

    /// <summary><see cref="AccumulateHalf"/> for an f32 accumulator (<see cref="Scale(float*, float, int)"/>, <see cref="MultiplyAdd"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(float* acc, float* v, float* rescale, float* weight, int cells, int dv)
    {
        for (int c = 0; c < cells; c++)
        {
            if (rescale[c] >= 0f) Scale(acc, rescale[c], dv);
            MultiplyAdd(acc, v + c * dv, weight[c], dv);
        }
    }

    /// <summary>Cells a decode step requests ahead: the cache rows of one head are a whole row apart, too far for the hardware to guess.</summary>
    private const int PrefetchCells = 6;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchCell(byte* k, long kBytes, byte* v, long vBytes)
    {
        if (!Sse.IsSupported) return;
        for (long o = 0; o < kBytes; o += 64) Sse.Prefetch0(k + o);
        for (long o = 0; o < vBytes; o += 64) Sse.Prefetch0(v + o);
    }

    private static void WidenRow(KvRows rows, byte* src, float* dst, int n)
    {
        if (rows.Type == GgmlType.F16) Fp16.ToSingle((ushort*)src, dst, n, CpuIsa.Current);
        else Dequantize.Row(rows.Type, src, dst, n);
    }

    /// <summary>
    /// Σ a_i·b_i of f16-exact inputs: every product is exact in f32 and is summed in double, lane i % 8, the 8 lanes
    /// folded (0+4, 1+5, 2+6, 3+7) then ((0+2)+(1+3)); the result rounded once to f32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float DotExact(float* a, float* b, int n)
    {
        int i = 0;
        Vector256<double> lo = default, hi = default;
        for (; i + 8 <= n; i += 8)
        {
            var p = Vector256.Load(a + i) * Vector256.Load(b + i);
            var (pl, ph) = Vector256.Widen(p);
            lo += pl;
            hi += ph;
        }
        var h = lo + hi;
        double sum = (h.GetElement(0) + h.GetElement(2)) + (h.GetElement(1) + h.GetElement(3));
        for (; i < n; i++) sum += a[i] * b[i];
        return (float)sum;
    }

    /// <summary>Σ a_i·b_i in f32: fused multiply-adds into 8 lanes (lane i % 8), folded 8 → 4 → 2 → 1; tail added in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Dot(float* a, float* b, int n)
    {
        int i = 0;
        var acc = Vector256<float>.Zero;
        for (; i + 8 <= n; i += 8) acc = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc);
        float sum = Fold(acc);
        for (; i < n; i++) sum = MathF.FusedMultiplyAdd(a[i], b[i], sum);
        return sum;
    }

    /// <summary><see cref="Dot"/> of <paramref name="a"/> with 4 consecutive rows of <paramref name="b"/> (n apart), each in <see cref="Dot"/>'s order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4(float* a, float* b, int n, float* results)
    {
        int i = 0;
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        float* b1 = b + n, b2 = b1 + n, b3 = b2 + n;
        for (; i + 8 <= n; i += 8)
        {
            var x = Vector256.Load(a + i);
            acc0 = Vector256.FusedMultiplyAdd(x, Vector256.Load(b + i), acc0);
            acc1 = Vector256.FusedMultiplyAdd(x, Vector256.Load(b1 + i), acc1);
            acc2 = Vector256.FusedMultiplyAdd(x, Vector256.Load(b2 + i), acc2);
            acc3 = Vector256.FusedMultiplyAdd(x, Vector256.Load(b3 + i), acc3);
        }
        float s0 = Fold(acc0), s1 = Fold(acc1), s2 = Fold(acc2), s3 = Fold(acc3);
        for (; i < n; i++)
        {
            s0 = MathF.FusedMultiplyAdd(a[i], b[i], s0);
            s1 = MathF.FusedMultiplyAdd(a[i], b1[i], s1);
            s2 = MathF.FusedMultiplyAdd(a[i], b2[i], s2);
            s3 = MathF.FusedMultiplyAdd(a[i], b3[i], s3);
        }
        results[0] = s0; results[1] = s1; results[2] = s2; results[3] = s3;
    }

    /// <summary>
    /// <c>acc ← fma(v_j, w_j, acc)</c> for cells j = 0 .. <paramref name="cells"/> − 1 in order (<see cref="MultiplyAdd"/>
    /// per cell), 64 accumulators at a time kept in registers across the cells instead of loaded and stored per cell.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAddCells(float* acc, float* v, float* w, int cells, int n)
    {
        int i = 0;
        for (; i + 64 <= n; i += 64)
        {
            float* a = acc + i;
            Vector256<float> a0 = Vector256.Load(a), a1 = Vector256.Load(a + 8), a2 = Vector256.Load(a + 16), a3 = Vector256.Load(a + 24);
            Vector256<float> a4 = Vector256.Load(a + 32), a5 = Vector256.Load(a + 40), a6 = Vector256.Load(a + 48), a7 = Vector256.Load(a + 56);
            float* vj = v + i;
            for (int j = 0; j < cells; j++, vj += n)
            {
                var f = Vector256.Create(w[j]);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(vj), f, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(vj + 8), f, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(vj + 16), f, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(vj + 24), f, a3);
                a4 = Vector256.FusedMultiplyAdd(Vector256.Load(vj + 32), f, a4);
                a5 = Vector256.FusedMultiplyAdd(Vector256.Load(vj + 40), f, a5);
                a6 = Vector256.FusedMultiplyAdd(Vector256.Load(vj + 48), f, a6);
                a7 = Vector256.FusedMultiplyAdd(Vector256.Load(vj + 56), f, a7);
            }
            a0.Store(a); a1.Store(a + 8); a2.Store(a + 16); a3.Store(a + 24);
            a4.Store(a + 32); a5.Store(a + 40); a6.Store(a + 48); a7.Store(a + 56);
        }
        for (; i + 8 <= n; i += 8)
        {
            var a0 = Vector256.Load(acc + i);
            for (int j = 0; j < cells; j++) a0 = Vector256.FusedMultiplyAdd(Vector256.Load(v + j * n + i), Vector256.Create(w[j]), a0);
            a0.Store(acc + i);
        }
        for (; i < n; i++)
        {
            float a0 = acc[i];
            for (int j = 0; j < cells; j++) a0 = MathF.FusedMultiplyAdd(v[j * n + i], w[j], a0);
            acc[i] = a0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Fold(Vector256<float> v)
    {
        var a = v.GetLower() + v.GetUpper();
        return (a.GetElement(0) + a.GetElement(2)) + (a.GetElement(1) + a.GetElement(3));
    }

    /// <summary>
    /// <c>x_j ← exp(x_j − max)</c> over <paramref name="n"/> scores, 8 at a time with the SIMD exp (the tail through the
    /// same vector code, padded), and returns their sum: 8 lanes of partial sums folded like <see cref="Fold"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float ExpTile(float* x, int n, float max)
    {
        var vmax = Vector256.Create(max);
        var sum = Vector256<float>.Zero;
        int j = 0;
        for (; j + 8 <= n; j += 8)
        {
            var e = ExpApprox.Exp(Vector256.Load(x + j) - vmax);
            e.Store(x + j);
            sum += e;
        }
        if (j < n)
        {
            float* tail = stackalloc float[8];
            for (int i = 0; i < 8; i++) tail[i] = j + i < n ? x[j + i] - max : 0f; // padding lanes are dropped below
            var e = ExpApprox.Exp(Vector256.Load(tail));
            e = Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(n - j)).AsSingle(), e, Vector256<float>.Zero);
            e.Store(tail);
            for (int i = 0; j + i < n; i++) x[j + i] = tail[i];
            sum += e;
        }
        return Fold(sum);
    }

    /// <summary>The SIMD exp of one value (lane 0 of a broadcast), so the tile path uses one exp function throughout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float ExpScalar(float x) => ExpApprox.Exp(Vector256.Create(x)).ToScalar();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scale(float* a, float factor, int n) => Scale(a, factor, n, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scale(float* a, float factor, int n, float* result)
    {
        int i = 0;
        var f = Vector256.Create(factor);
        for (; i + 8 <= n; i += 8) (Vector256.Load(a + i) * f).Store(result + i);
        for (; i < n; i++) result[i] = a[i] * factor;
    }

    /// <summary><c>acc ← fma(v, w, acc)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd(float* acc, float* v, float w, int n)
    {
        int i = 0;
        var f = Vector256.Create(w);
        for (; i + 8 <= n; i += 8) Vector256.FusedMultiplyAdd(Vector256.Load(v + i), f, Vector256.Load(acc + i)).Store(acc + i);
        for (; i < n; i++) acc[i] = MathF.FusedMultiplyAdd(v[i], w, acc[i]);
    }

    /// <summary><c>acc ← f16(acc·factor)</c>: the f16 accumulator's rescale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaleHalf(float* acc, float factor, int n)
    {
        int i = 0;
        var f = Vector256.Create(factor);
        for (; i + 8 <= n; i += 8) RoundToHalf(Vector256.Load(acc + i) * f).Store(acc + i);
        for (; i < n; i++) acc[i] = RoundToHalf(acc[i] * factor);
    }

    /// <summary><c>acc ← f16(fma(v, w, acc))</c>: one step of the f16 accumulator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAddHalf(float* acc, float* v, float w, int n)
    {
        int i = 0;
        var f = Vector256.Create(w);
        for (; i + 8 <= n; i += 8) RoundToHalf(Vector256.FusedMultiplyAdd(Vector256.Load(v + i), f, Vector256.Load(acc + i))).Store(acc + i);
        for (; i < n; i++) acc[i] = RoundToHalf(MathF.FusedMultiplyAdd(v[i], w, acc[i]));
    }

    private static void RoundToHalf(float* x, float* result, int n)
    {
        int i = 0;
        for (; i + 8 <= n; i += 8) RoundToHalf(Vector256.Load(x + i)).Store(result + i);
        for (; i < n; i++) result[i] = RoundToHalf(x[i]);
    }

    /// <summary>f32 → nearest f16 (ties to even, F16C rules) → f32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float RoundToHalf(float x) => Fp16.ToSingle(Fp16.FromSingle(x));

    /// <summary>
    /// Eight values rounded through f16 and back. Normal f16 magnitudes take the short integer form (add half an ulp
    /// plus the kept bit, clear the dropped bits); anything else (zero, subnormal, overflow, NaN) the full conversion.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> RoundToHalf(Vector256<float> x)
    {
        var bits = x.AsUInt32();
        var magnitude = bits & Vector256.Create(0x7FFFFFFFu);
        // [2^-14, 65504]: every value here rounds to a normal f16 (65504 + half an ulp would round to infinity).
        var normal = Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(0x38800000u))
            & Vector256.LessThan(magnitude, Vector256.Create(0x477FF000u));
        if (normal.AsUInt32() == Vector256<uint>.AllBitsSet)
        {
            var rounded = (bits + Vector256.Create(0x0FFFu) + ((bits >> 13) & Vector256<uint>.One)) & Vector256.Create(0xFFFFE000u);
            return rounded.AsSingle();
        }
        return Fp16.ToSingle(Fp16.FromSingle(x));
    }
}
