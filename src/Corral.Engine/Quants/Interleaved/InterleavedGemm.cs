using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// Products of a row-interleaved matrix (<see cref="Block32X8"/>) with any number of activation rows (in
/// <see cref="ActivationType"/>), one token or a prompt alike: <c>y[t·yStride + r] = w_r · a_t</c>, in the layout's one
/// arithmetic per (row, token), reproduced bit for bit by every tier and by the file-row path, so single-token and batched
/// products agree. The non-generic face of <see cref="Block32X8Gemm{TFormat}"/> that <c>MatMul</c> holds; get instances from
/// <see cref="InterleavedKernels.For"/>.
/// </summary>
public abstract unsafe class InterleavedGemm
{
    public abstract GgmlType WeightType { get; }

    public abstract GgmlType ActivationType { get; }

    public abstract IsaLevel Isa { get; }

    public virtual bool IsSupported => CpuIsa.IsSupported(Isa);

    public string Name => GetType().Name;

    /// <summary>Elements per weight block.</summary>
    protected abstract int BlockElements { get; }

    /// <summary>Bytes of one block of a group of 8 rows.</summary>
    protected abstract int GroupBlockBytes { get; }

    /// <summary>Prepared bytes per (token, block).</summary>
    protected abstract int RecordBytes { get; }

    public long PreparedBytes(int n, int tokens) => (long)tokens * (n / BlockElements) * RecordBytes;

    /// <summary>
    /// Prepares activation rows [<paramref name="first"/>, first + <paramref name="count"/>) (each <paramref name="aStride"/>
    /// bytes apart, from <paramref name="a"/>) into <paramref name="prepared"/> (<see cref="PreparedBytes"/> for all the
    /// tokens). Threads may prepare disjoint ranges at once.
    /// </summary>
    public abstract void Prepare(byte* a, nint aStride, int n, byte* prepared, int first, int count);

    /// <summary>
    /// <paramref name="rows"/> rows (a multiple of 8) of an interleaved matrix from group pointer <paramref name="w"/>, against
    /// <paramref name="tokens"/> activation rows (<paramref name="aStride"/> apart) prepared by <see cref="Prepare"/>:
    /// groups of 8 rows, tokens in fours (a last one alone).
    /// </summary>
    public void DotTile(byte* w, int rows, byte* a, nint aStride, byte* prepared, int tokens, int n, float* y, nint yStride)
    {
        int blocks = n / BlockElements;
        long groupBytes = (long)blocks * GroupBlockBytes;
        long recordRow = (long)blocks * RecordBytes;
        int groups = rows / Block32X8.Rows;
        System.Diagnostics.Debug.Assert(rows % Block32X8.Rows == 0, "an interleaved copy holds whole groups of 8 rows");
        // Up to 4 tokens (decode, batched decode) pass over each group once: the tiles request the weights further on
        // block by block (a whole group's lines at once stalled on the fill buffers), after the first stretch here.
        if (tokens <= 4) WeightPrefetch.Start(w, w + groups * groupBytes);
        var discard = stackalloc float[Block32X8.Rows];
        for (int g = 0; g < groups; g++)
        {
            byte* group = w + g * groupBytes;
            float* yg = y + g * Block32X8.Rows;
            int t = 0;
            for (; t + 1 < tokens; t += 4)
            {
                // 2 or 3 tokens repeat the last one into a discarded result.
                int t1 = Math.Min(t + 1, tokens - 1), t2 = Math.Min(t + 2, tokens - 1), t3 = Math.Min(t + 3, tokens - 1);
                Tile4(group, blocks,
                    a + t * aStride, a + t1 * aStride, a + t2 * aStride, a + t3 * aStride,
                    prepared + t * recordRow, prepared + t1 * recordRow, prepared + t2 * recordRow, prepared + t3 * recordRow,
                    yg + t * yStride, t + 1 < tokens ? yg + t1 * yStride : discard,
                    t + 2 < tokens ? yg + t2 * yStride : discard, t + 3 < tokens ? yg + t3 * yStride : discard);
            }
            if (t < tokens) Tile1(group, blocks, a + t * aStride, prepared + t * recordRow, yg + t * yStride);
        }
    }

    /// <summary>
    /// The same products from the matrix's file rows (<paramref name="wStride"/> apart; any row count), in the same
    /// arithmetic, so results do not depend on whether (or when) the interleaved copy exists: 8 rows at a time, each
    /// block's 8 per-row sums gathered into one vector before the conversion and FMA. Slower than the interleaved copy
    /// (every token decodes the weights again); it serves until the copy is ready, and matrices without whole groups.
    /// </summary>
    public void DotTileFileRows(byte* w, nint wStride, int rows, byte* a, nint aStride, byte* prepared, int tokens, int n, float* y, nint yStride)
    {
        int blocks = n / BlockElements;
        long recordRow = (long)blocks * RecordBytes;
        if (tokens <= 4) WeightPrefetch.Start(w, w + rows * wStride);
        var rowPointers = stackalloc byte*[Block32X8.Rows];
        var partial = stackalloc float[Block32X8.Rows];
        byte* end = w + rows * wStride;
        for (int r0 = 0; r0 < rows; r0 += Block32X8.Rows)
        {
            int count = Math.Min(Block32X8.Rows, rows - r0);
            // A short last group repeats its last row; those results are dropped.
            for (int i = 0; i < Block32X8.Rows; i++) rowPointers[i] = w + (r0 + Math.Min(i, count - 1)) * wStride;
            if (tokens <= 4) WeightPrefetch.Ahead(rowPointers[0], count * wStride, end);
            for (int t = 0; t < tokens; t++)
            {
                float* yt = y + t * yStride + r0;
                FileTile1(rowPointers, blocks, a + t * aStride, prepared + t * recordRow, count == Block32X8.Rows ? yt : partial);
                if (count < Block32X8.Rows) new Span<float>(partial, count).CopyTo(new Span<float>(yt, count));
            }
        }
    }

    /// <summary>8 file rows (<paramref name="rows"/>) against one token: 8 results at <paramref name="y"/>.</summary>
    protected abstract void FileTile1(byte** rows, int blocks, byte* a, byte* p, float* y);

    /// <summary>One group against one token: 8 results at <paramref name="y"/>.</summary>
    protected abstract void Tile1(byte* group, int blocks, byte* a, byte* p, float* y);

    /// <summary>One group against four tokens.</summary>
    protected abstract void Tile4(byte* group, int blocks, byte* a0, byte* a1, byte* a2, byte* a3,
        byte* p0, byte* p1, byte* p2, byte* p3, float* y0, float* y1, float* y2, float* y3);

    public override string ToString() => Name;
}

/// <summary>Picks the interleaved kernel for a weight type once, by instruction-set tier.</summary>
public static class InterleavedKernels
{
    public static InterleavedGemm For(GgmlType weight, IsaLevel isa)
    {
        if (!CpuIsa.IsSupported(isa)) isa = CpuIsa.Supported;
        foreach (var k in Candidates(weight))
            if (k.Isa <= isa && k.IsSupported) return k;
        throw new ArgumentException($"{GgmlTypeInfo.Name(weight)} has no interleaved layout");
    }

    /// <summary>Every interleaved kernel this CPU runs for <paramref name="weight"/>, the scalar reference last.</summary>
    public static IReadOnlyList<InterleavedGemm> All(GgmlType weight) => Candidates(weight).Where(k => k.IsSupported).ToArray();

    private static InterleavedGemm[] Candidates(GgmlType weight) => weight switch
    {
        GgmlType.Q8_0 => s_q8_0,
        GgmlType.Q4_0 => s_q4_0,
        GgmlType.Q5_0 => s_q5_0,
        GgmlType.IQ4_NL => s_iq4_nl,
        _ => [],
    };

    private static readonly InterleavedGemm[] s_q8_0 = Block32Tiers<Q8_0X8>();
    private static readonly InterleavedGemm[] s_q4_0 = Block32Tiers<Q4_0X8>();
    private static readonly InterleavedGemm[] s_q5_0 = Block32Tiers<Q5_0X8>();
    private static readonly InterleavedGemm[] s_iq4_nl = Block32Tiers<IQ4_NLX8>();

    // Fastest first; the 256-bit kernels serve the AVX-512 tier too (EVEX-encoded, 32 registers).
    private static InterleavedGemm[] Block32Tiers<TFormat>() where TFormat : struct, IBlock32X8Format =>
        [Block32X8GemmAvxVnni<TFormat>.Instance, Block32X8GemmAvx2<TFormat>.Instance, Block32X8GemmScalar<TFormat>.Instance];
}
