using System.Runtime.InteropServices;
using Corral.Engine.Gguf;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Engine.Models;

/// <summary>
/// The row-interleaved copies (<see cref="Block32X8"/>) of a model's Q8_0, Q4_0, Q5_0 and IQ4_NL matrices, in one
/// anonymous arena owned by the <see cref="Model"/>. Each copy takes the bytes its file rows take; the file pages it
/// replaces are handed back to the kernel (<c>madvise(MADV_DONTNEED)</c>), so resident memory stays about the file's size.
/// (Linux only: elsewhere those file pages stay mapped and count until the system reclaims them; they are clean.)
/// <para>
/// The copies are built on a background thread after the model loads, one matrix at a time, each published when complete
/// (<see cref="WeightMatrix.Interleaved"/>). Until then the kernels read the file rows in the same arithmetic
/// (<see cref="InterleavedGemm.DotTileFileRows"/>), so results never depend on when a copy arrived: the first token is
/// not held up by ~300 MB of fresh memory (~0.2 s here), and nothing changes but speed once the copies are in.
/// </para>
/// </summary>
internal sealed unsafe partial class InterleavedWeights : IDisposable
{
    private readonly List<Source> _sources;
    private readonly GgufFile _file;
    private readonly object _gate = new();
    private Thread? _builder;
    private bool _started;
    private readonly ManualResetEventSlim _built = new(false);
    private readonly ManualResetEventSlim _stop = new(false);
    private volatile bool _stopping;
    private byte* _arena;
    private Exception? _failure;

    /// <summary>Bytes of interleaved copies.</summary>
    public long ByteSize { get; }

    public byte* Arena => _arena;

    /// <summary>When the copies are built.</summary>
    public enum When { Now, Background, Later }

    private InterleavedWeights(GgufFile file, List<Source> sources, byte* arena, long bytes, When when)
    {
        _file = file;
        _sources = sources;
        _arena = arena;
        ByteSize = bytes;
        if (when == When.Now)
        {
            _started = true;
            BuildAll();
        }
        else if (when == When.Background) Start();
    }

    /// <summary>Starts the background builder unless it has started (or the copies were built at load).</summary>
    public void Start()
    {
        if (Volatile.Read(ref _started)) return;
        lock (_gate)
        {
            if (_started || _stopping) return;
            _started = true;
            _builder = new Thread(BuildAll) { IsBackground = true, Name = "corral-interleave", Priority = ThreadPriority.BelowNormal };
            _builder.Start();
        }
    }

    /// <summary>Matrices of one repack: all that share the same file rows (a tied output is the embedding's object).</summary>
    private sealed class Source(byte* data, GgmlTypeRows shape, long offset, WeightMatrix first)
    {
        public byte* Data { get; } = data;
        public GgmlTypeRows Shape { get; } = shape;
        public long Offset { get; } = offset;
        public List<WeightMatrix> Matrices { get; } = [first];
        public long Bytes => Matrices[0].ByteSize;
    }

    private readonly record struct GgmlTypeRows(GgmlType Type, int Rows, int Cols);

    /// <summary>
    /// Plans the copies of every matrix the layout takes (whole groups of 8 rows) and builds them now, on a background
    /// thread, or later (<see cref="Start"/>). Null when no matrix takes the layout.
    /// </summary>
    public static InterleavedWeights? Create(GgufFile file, TransformerWeights weights, When when)
    {
        var sources = new List<Source>();
        var byRows = new Dictionary<(nint, GgmlTypeRows), Source>();
        long total = 0;
        foreach (var m in weights.Products())
        {
            if (!Block32X8.CanInterleave(m.Type, m.Rows, m.Cols)) continue;
            var shape = new GgmlTypeRows(m.Type, m.Rows, m.Cols);
            if (byRows.TryGetValue(((nint)m.Data, shape), out var known))
            {
                m.InterleavePlanned = true;
                known.Matrices.Add(m);
                continue;
            }
            m.InterleavePlanned = true;
            var source = new Source(m.Data, shape, total, m);
            byRows.Add(((nint)m.Data, shape), source);
            sources.Add(source);
            total += (m.ByteSize + 63) & ~63L;
        }
        if (sources.Count == 0) return null;
        // A token embedding tied to an interleaved output reads its rows from the copy too (its file pages are released).
        var embedding = weights.TokenEmbedding;
        if (!sources.Any(s => s.Matrices.Contains(embedding))
            && byRows.TryGetValue(((nint)embedding.Data, new GgmlTypeRows(embedding.Type, embedding.Rows, embedding.Cols)), out var tied))
            tied.Matrices.Add(embedding);
        // Address space only: pages arrive as the copies are written.
        byte* arena = (byte*)NativeMemory.AlignedAlloc((nuint)total, 64);
        return new InterleavedWeights(file, sources, arena, total, when);
    }

    /// <summary>Blocks until every copy is published (benchmarks and tests that want the steady state).</summary>
    public void WaitUntilBuilt() => _built.Wait();

    /// <summary>The file ranges (offset, length from the mapping's base) that the published copies replace, in file order.</summary>
    public List<(long Offset, long Length)> ReplacedRanges()
    {
        var ranges = new List<(long, long)>();
        foreach (var s in _sources)
            if (s.Matrices[0].Interleaved != null) ranges.Add((s.Data - _file.BasePointer, s.Bytes));
        ranges.Sort();
        return ranges;
    }

    /// <summary>Why building the copies stopped short, or null (the file rows then keep serving, in the same arithmetic).</summary>
    public Exception? Failure => _failure;

    private void BuildAll()
    {
        bool built = false;
        try
        {
            foreach (var s in _sources)
            {
                if (_stopping) return;
                int groups = s.Shape.Rows / Block32X8.Rows;
                long rowBytes = s.Matrices[0].RowBytes;
                byte* copy = _arena + s.Offset;
                // In stretches, so that disposing the model does not wait for a whole large matrix.
                int step = (int)Math.Max(1, (1 << 20) / Block32X8.GroupBytes(s.Shape.Type, s.Shape.Cols));
                for (int g = 0; g < groups; g += step)
                {
                    if (_stopping) return;
                    Block32X8.Repack(s.Shape.Type, s.Data, rowBytes, s.Shape.Cols, copy, g, Math.Min(step, groups - g));
                }
                // Publishing orders the copy's bytes before the pointer; chunks that started on the file rows finish there.
                foreach (var m in s.Matrices) m.Interleaved = copy;
                ReleasePages(s.Data, s.Bytes);
            }
            built = true;
            if (Thread.CurrentThread == _builder) WarmKernels();
        }
        catch (Exception e)
        {
            // The file rows keep serving in the same arithmetic; only the speed-up is lost (see Failure).
            _failure = e;
        }
        finally
        {
            _built.Set();
        }
        // In the background, chunks in flight at a publication read on into the file rows and fault some pages back in:
        // once they are long done, release every replaced range again (measured: ~40 MB resident otherwise, after a first
        // prompt that ran while the copies were built). A build at load ran alone.
        if (!built || Thread.CurrentThread != _builder || _stop.Wait(TimeSpan.FromSeconds(1))) return;
        foreach (var s in _sources) ReleasePages(s.Data, s.Bytes);
    }

    /// <summary>
    /// Runs each format's kernels once on its first copy (1 and 4 zero tokens), so that they are compiled here rather than
    /// in the middle of a request's forward pass, where every thread would wait for the compiler at the next barrier.
    /// </summary>
    private void WarmKernels()
    {
        foreach (var s in _sources.DistinctBy(s => s.Shape.Type))
        {
            if (_stopping) return;
            var kernel = InterleavedKernels.For(s.Shape.Type, Kernels.CpuIsa.Current);
            int n = s.Shape.Cols;
            int rowBytes = Quants.ActivationQuantizer.RowSize(kernel.ActivationType, n);
            var activations = GC.AllocateArray<byte>(4 * rowBytes, pinned: true);
            var prepared = GC.AllocateArray<byte>((int)kernel.PreparedBytes(n, 4) + 64, pinned: true);
            var results = new float[4 * Block32X8.Rows];
            fixed (byte* a = activations, p = prepared)
            fixed (float* y = results)
            {
                byte* aligned = (byte*)(((nint)p + 63) & ~(nint)63);
                kernel.Prepare(a, rowBytes, n, aligned, 0, 4);
                kernel.DotTile(_arena + s.Offset, Block32X8.Rows, a, rowBytes, aligned, 1, n, y, Block32X8.Rows);
                kernel.DotTile(_arena + s.Offset, Block32X8.Rows, a, rowBytes, aligned, 4, n, y, Block32X8.Rows);
            }
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

    /// <summary>Stops the builder and frees the copies; the model's products must have ended.</summary>
    public void Dispose()
    {
        if (_arena == null) return;
        // A copy never built leaves WaitUntilBuilt waiters nothing to wait for.
        if (!_started) _built.Set();
        lock (_gate)
        {
            _stopping = true;
            _stop.Set();
        }
        _builder?.Join();
        foreach (var s in _sources)
            foreach (var m in s.Matrices) m.Interleaved = null;
        NativeMemory.AlignedFree(_arena);
        _arena = null;
        _built.Dispose();
        _stop.Dispose();
    }
}
