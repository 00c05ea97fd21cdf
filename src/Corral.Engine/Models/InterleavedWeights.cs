using System.Runtime.InteropServices;
using Corral.Engine.Gguf;
using Corral.Engine.Quants;

namespace Corral.Engine.Models;

/// <summary>
/// The row-interleaved copies (<see cref="RowInterleaving"/>) of a model's Q8_0, Q4_0, Q5_0 and IQ4_NL matrices, built once at
/// load in one anonymous arena and owned by the <see cref="Model"/>. Each copy takes the bytes its file rows take; the
/// file pages it replaces are handed back to the kernel (<c>madvise(MADV_DONTNEED)</c>), so resident memory stays about
/// the file's size. The file stays mapped: an embedding lookup of a tied output matrix still reads its rows from there.
/// </summary>
internal sealed unsafe partial class InterleavedWeights : IDisposable
{
    private byte* _arena;

    /// <summary>Bytes of interleaved copies.</summary>
    public long ByteSize { get; }

    /// <summary>The file ranges (offset, length from the mapping's base) that the copies replace, in file order.</summary>
    public IReadOnlyList<(long Offset, long Length)> ReplacedRanges { get; }

    public byte* Arena => _arena;

    private InterleavedWeights(byte* arena, long bytes, List<(long, long)> replaced)
    {
        _arena = arena;
        ByteSize = bytes;
        ReplacedRanges = replaced;
    }

    /// <summary>Matrices of one repack: all that share the same file rows (a tied output is the embedding's object).</summary>
    private sealed class Source(byte* data, GgmlTypeRows shape, long offset, WeightMatrix first)
    {
        public byte* Data { get; } = data;
        public GgmlTypeRows Shape { get; } = shape;
        public long Offset { get; } = offset;
        public List<WeightMatrix> Matrices { get; } = [first];
    }

    private readonly record struct GgmlTypeRows(Tensors.GgmlType Type, int Rows, int Cols);

    /// <summary>Interleaves every matrix the layout takes (whole groups of 8 rows); returns null when there is none.</summary>
    public static InterleavedWeights? Build(GgufFile file, TransformerWeights weights)
    {
        var sources = new List<Source>();
        var byRows = new Dictionary<(nint, GgmlTypeRows), Source>();
        long total = 0;
        foreach (var m in Products(weights))
        {
            if (!RowInterleaving.CanInterleave(m.Type, m.Rows, m.Cols)) continue;
            var shape = new GgmlTypeRows(m.Type, m.Rows, m.Cols);
            if (byRows.TryGetValue(((nint)m.Data, shape), out var known))
            {
                known.Matrices.Add(m);
                continue;
            }
            var source = new Source(m.Data, shape, total, m);
            byRows.Add(((nint)m.Data, shape), source);
            sources.Add(source);
            total += (m.ByteSize + 63) & ~63L;
        }
        if (sources.Count == 0) return null;

        // 2 MB aligned: transparent huge pages back the arena with few page faults.
        byte* arena = (byte*)NativeMemory.AlignedAlloc((nuint)total, 2 << 20);
        try
        {
            // Work items of about 256 KB, so every core repacks and no matrix is a straggler.
            var items = new List<(Source Source, int FirstGroup, int Groups)>();
            foreach (var s in sources)
            {
                long groupBytes = RowInterleaving.GroupBytes(s.Shape.Type, s.Shape.Cols);
                int groups = s.Shape.Rows / RowInterleaving.Rows;
                int step = (int)Math.Max(1, (256 << 10) / groupBytes);
                for (int g = 0; g < groups; g += step) items.Add((s, g, Math.Min(step, groups - g)));
            }
            Parallel.For(0, items.Count, i =>
            {
                var (s, first, groups) = items[i];
                long rowBytes = Tensors.GgmlTypeInfo.RowSize(s.Shape.Type, s.Shape.Cols);
                RowInterleaving.Repack(s.Shape.Type, s.Data, rowBytes, s.Shape.Cols, arena + s.Offset, first, groups);
            });
        }
        catch
        {
            NativeMemory.AlignedFree(arena);
            throw;
        }

        var replaced = new List<(long, long)>();
        foreach (var s in sources)
        {
            foreach (var m in s.Matrices) m.Interleaved = arena + s.Offset;
            long bytes = Tensors.GgmlTypeInfo.RowSize(s.Shape.Type, s.Shape.Cols) * s.Shape.Rows;
            replaced.Add((s.Data - file.BasePointer, bytes));
            ReleasePages(s.Data, bytes);
        }
        replaced.Sort();
        return new InterleavedWeights(arena, total, replaced);
    }

    /// <summary>The matrices the forward pass multiplies (the token embedding is only read row by row).</summary>
    private static IEnumerable<WeightMatrix> Products(TransformerWeights w)
    {
        yield return w.Output;
        foreach (var l in w.Layers)
        {
            yield return l.Wq; yield return l.Wk; yield return l.Wv; yield return l.Wo;
            yield return l.Gate; yield return l.Up; yield return l.Down;
        }
    }

    /// <summary>Drops the whole pages of a replaced file range from this process (they are clean: the kernel rereads them if asked).</summary>
    private static void ReleasePages(byte* data, long bytes)
    {
        if (!OperatingSystem.IsLinux()) return;
        long page = Environment.SystemPageSize;
        long start = ((long)data + page - 1) & ~(page - 1);
        long end = ((long)data + bytes) & ~(page - 1);
        if (end > start) madvise((void*)start, (nuint)(end - start), MadvDontNeed);
    }

    private const int MadvDontNeed = 4;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(void* address, nuint length, int advice);

    public void Dispose()
    {
        if (_arena == null) return;
        NativeMemory.AlignedFree(_arena);
        _arena = null;
    }
}
