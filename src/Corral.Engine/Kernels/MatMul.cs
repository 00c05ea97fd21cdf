using Corral.Engine.Models;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;
using Corral.Engine.Threading;

namespace Corral.Engine.Kernels;

/// <summary>
/// <c>Y[t, r] = W[r] · X[t]</c> for a batch of activation rows, as llama.cpp's CPU backend computes it
/// (engine.md §3.1, §3.3): every activation row is converted once to the weight's vec_dot type
/// (<see cref="ActivationQuantizer"/>), then chunks of output rows are claimed by the worker pool. One activation row
/// goes through the matrix–vector kernel (<see cref="RowDot"/>); several go through the tiled kernel
/// (<see cref="RowGemm"/>), which decodes each weight block once for several tokens but produces, for every
/// (row, token), the matrix–vector kernel's bits. So a sequence's results never depend on its batch companions,
/// on the thread count, or on whether its tokens arrived one at a time or as a prompt. A matrix with a planned
/// row-interleaved copy (<see cref="WeightMatrix.InterleavePlanned"/>) goes through <see cref="InterleavedGemm"/> for any
/// number of tokens instead: from the copy once it is published, from the file rows before, in the same arithmetic.
/// Up to three products that share their input (Q, K and V; gate and up) run as one dispatch, with the input
/// converted once per vec_dot type.
/// </summary>
public sealed unsafe class MatMul : ParallelWork
{
    private const int MaxTargets = 3;

    private readonly WorkerPool _pool;

    // Kernels by (tier, type), resolved once: the factories are not meant for every call.
    private readonly RowDot?[,] _dots = new RowDot?[3, 64];
    private readonly RowGemm?[,] _gemms = new RowGemm?[3, 64];
    private readonly InterleavedGemm?[,] _interleaved = new InterleavedGemm?[3, 64];
    private readonly sbyte[] _supported = new sbyte[64];

    private readonly Target[] _targets = [new(), new(), new()];
    private int _targetCount;

    private enum Phase { Quantize, Multiply }

    private Phase _phase;
    private IsaLevel _isa;
    private float* _x;
    private int _xStride;
    private int _cols;
    private int _tokens;
    private int _tokensPerChunk;
    private int _totalChunks;

    /// <summary>Below this many multiply-adds a product runs on the calling thread: waking workers would cost more.</summary>
    private const long ParallelThreshold = 1 << 17;

    /// <summary>Row chunks per thread for a matrix–vector product: a descheduled thread's share is picked up by the others.</summary>
    private const int ChunksPerThread = 8;

    /// <summary>Weight bytes per chunk of a tiled product: stays in L1/L2 while every token passes over it.</summary>
    private const int GemmChunkBytes = 24 * 1024;

    public MatMul(WorkerPool pool) => _pool = pool;

    /// <param name="x">Activations: <paramref name="tokens"/> rows of w.Cols floats, <paramref name="xStride"/> apart.</param>
    /// <param name="y">Outputs: <paramref name="tokens"/> rows of w.Rows floats, <paramref name="yStride"/> apart.</param>
    public void Run(WeightMatrix w, float* x, int xStride, int tokens, float* y, int yStride)
    {
        _targetCount = 0;
        Add(w, y, yStride);
        Run(x, xStride, tokens);
    }

    /// <summary>Two products of one input, in one dispatch (gate and up): outputs are <c>w.Rows</c> wide rows.</summary>
    public void Run(WeightMatrix w0, float* y0, WeightMatrix w1, float* y1, float* x, int xStride, int tokens)
    {
        _targetCount = 0;
        Add(w0, y0, w0.Rows);
        Add(w1, y1, w1.Rows);
        Run(x, xStride, tokens);
    }

    /// <summary>Three products of one input, in one dispatch (Q, K and V): outputs are <c>w.Rows</c> wide rows.</summary>
    public void Run(WeightMatrix w0, float* y0, WeightMatrix w1, float* y1, WeightMatrix w2, float* y2, float* x, int xStride, int tokens)
    {
        _targetCount = 0;
        Add(w0, y0, w0.Rows);
        Add(w1, y1, w1.Rows);
        Add(w2, y2, w2.Rows);
        Run(x, xStride, tokens);
    }

    private void Add(WeightMatrix w, float* y, int yStride)
    {
        var t = _targets[_targetCount++];
        t.W = w;
        t.Y = y;
        t.YStride = yStride;
    }

    private void Run(float* x, int xStride, int tokens)
    {
        if (tokens <= 0) return;
        _isa = CpuIsa.Current;
        _x = x;
        _xStride = xStride;
        _tokens = tokens;
        _cols = _targets[0].W!.Cols;
        long work = 0;
        for (int i = 0; i < _targetCount; i++)
        {
            var t = _targets[i];
            if (t.W!.Cols != _cols) throw new ArgumentException($"tensor '{t.W.Name}' has {t.W.Cols} inputs, '{_targets[0].W!.Name}' {_cols}: a fused product needs one input width");
            work += (long)t.W.Rows * _cols * tokens;
        }
        int threads = work < ParallelThreshold ? 1 : _pool.ThreadCount;
        try
        {
            Resolve();
            Quantize(threads);
            _totalChunks = 0;
            for (int i = 0; i < _targetCount; i++)
            {
                var t = _targets[i];
                var w = t.W!;
                t.RowsPerChunk = tokens == 1
                    ? (w.Rows + threads * ChunksPerThread - 1) / (threads * ChunksPerThread)
                    : (int)Math.Clamp(GemmChunkBytes / w.RowBytes, 1, Math.Max(1, w.Rows / (4 * threads)));
                // Interleaved rows come in groups of 8.
                if (t.Interleaved != null) t.RowsPerChunk = (t.RowsPerChunk + Block32X8.Rows - 1) & ~(Block32X8.Rows - 1);
                t.FirstChunk = _totalChunks;
                _totalChunks += (w.Rows + t.RowsPerChunk - 1) / t.RowsPerChunk;
            }
            _phase = Phase.Multiply;
            _pool.Run(this, _totalChunks, threads);
        }
        finally
        {
            for (int i = 0; i < _targetCount; i++) _targets[i].Clear();
        }
    }

    /// <summary>Picks each target's kernel and decides which targets share a converted input.</summary>
    private void Resolve()
    {
        int k = _cols;
        for (int i = 0; i < _targetCount; i++)
        {
            var t = _targets[i];
            int type = CheckType(t.W!);
            if (t.W!.InterleavePlanned)
            {
                t.Interleaved = _interleaved[(int)_isa, type] ??= InterleavedKernels.For(t.W.Type, _isa);
                t.VecDot = t.Interleaved.ActivationType;
            }
            else if (_tokens == 1)
            {
                t.Dot = _dots[(int)_isa, type] ??= RowDotKernels.For(t.W!.Type, _isa);
                t.VecDot = t.Dot.ActivationType;
            }
            else
            {
                t.Gemm = _gemms[(int)_isa, type] ??= RowGemmKernels.For(t.W!.Type, _isa);
                t.VecDot = t.Gemm.ActivationType;
            }
            // Share converted rows with an earlier target of the same vec_dot type, and tile preparation with one of the
            // same tiled kernel (the preparation depends on the weight format).
            t.ASource = t;
            t.PrepSource = t;
            for (int j = i - 1; j >= 0; j--)
            {
                var s = _targets[j];
                if (s.VecDot == t.VecDot) t.ASource = s.ASource;
                if ((t.Gemm != null && ReferenceEquals(s.Gemm, t.Gemm)) || (t.Interleaved != null && ReferenceEquals(s.Interleaved, t.Interleaved)))
                    t.PrepSource = s.PrepSource;
            }
            if (ReferenceEquals(t.ASource, t))
            {
                if (t.VecDot == GgmlType.F32 && t.Gemm == null)
                {
                    // f32 weights take the activations as they are.
                    t.A = (byte*)_x;
                    t.AStride = (long)_xStride * sizeof(float);
                    t.Converts = false;
                }
                else
                {
                    t.AStride = ActivationQuantizer.RowSize(t.VecDot, k);
                    t.A = t.Activations.Get(t.AStride * _tokens);
                    t.Converts = true;
                }
            }
            if (t.Gemm != null && ReferenceEquals(t.PrepSource, t))
            {
                t.Prep = t.Prepared.Get(t.Gemm.PreparedBytes(k, _tokens));
            }
            if (t.Interleaved != null && ReferenceEquals(t.PrepSource, t))
            {
                t.Prep = t.Prepared.Get(t.Interleaved.PreparedBytes(k, _tokens));
            }
        }
    }

    /// <summary>Converts every activation row to each vec_dot type (and prepares it for the tiles), in parallel for large batches.</summary>
    private void Quantize(int threads)
    {
        // Multiples of 4 tokens, so that no two threads prepare the same tile group.
        _tokensPerChunk = Math.Max(4, (_tokens + 4 * threads - 1) / (4 * threads) + 3 & ~3);
        int chunks = (_tokens + _tokensPerChunk - 1) / _tokensPerChunk;
        _phase = Phase.Quantize;
        if (chunks == 1 || _tokens * (long)_cols < 64 * 1024)
            for (int c = 0; c < chunks; c++) Execute(c, 0);
        else
            _pool.Run(this, chunks, threads);
    }

    public override void Execute(int chunk, int threadIndex)
    {
        if (_phase == Phase.Quantize)
        {
            // One token range for every target: rows are converted before any target prepares from them.
            int t0 = chunk * _tokensPerChunk, t1 = Math.Min(_tokens, t0 + _tokensPerChunk);
            for (int i = 0; i < _targetCount; i++)
            {
                var t = _targets[i];
                if (ReferenceEquals(t.ASource, t) && t.Converts)
                    for (int r = t0; r < t1; r++)
                        ActivationQuantizer.QuantizeRow(t.VecDot, _x + (long)r * _xStride, t.A + r * t.AStride, _cols, _isa);
            }
            for (int i = 0; i < _targetCount; i++)
            {
                var t = _targets[i];
                if (!ReferenceEquals(t.PrepSource, t)) continue;
                var a = t.ASource!;
                if (t.Gemm != null) t.Gemm.Prepare(a.A, (nint)a.AStride, _tokens, _cols, t.Prep, t0, t1 - t0);
                else t.Interleaved?.Prepare(a.A, (nint)a.AStride, _cols, t.Prep, t0, t1 - t0);
            }
            return;
        }

        int index = 0;
        while (index + 1 < _targetCount && chunk >= _targets[index + 1].FirstChunk) index++;
        var target = _targets[index];
        var w = target.W!;
        var source = target.ASource!;
        var prep = target.PrepSource!;
        int start = (chunk - target.FirstChunk) * target.RowsPerChunk;
        int rows = Math.Min(target.RowsPerChunk, w.Rows - start);
        if (target.Interleaved != null)
        {
            // Asked per chunk: the background builder may publish the copy while this product runs (same bits either way),
            // and chunks that take it leave the file pages it replaced alone.
            byte* interleaved = w.Interleaved;
            if (interleaved != null)
            {
                byte* groups = interleaved + start / Block32X8.Rows * Block32X8.GroupBytes(w.Type, _cols);
                target.Interleaved.DotTile(groups, rows, source.A, (nint)source.AStride, prep.Prep, _tokens, _cols, target.Y + start, target.YStride);
            }
            else
            {
                target.Interleaved.DotTileFileRows(w.Data + start * w.RowBytes, (nint)w.RowBytes, rows, source.A, (nint)source.AStride, prep.Prep,
                    _tokens, _cols, target.Y + start, target.YStride);
            }
            return;
        }
        byte* wRows = w.Data + start * w.RowBytes;
        if (target.Dot != null)
            DotRowsPrefetching(target.Dot, wRows, w.RowBytes, source.A, target.Y + start, rows);
        else
            target.Gemm!.DotTile(wRows, (nint)w.RowBytes, rows, source.A, (nint)source.AStride, prep.Prep, _tokens, _cols, target.Y + start, target.YStride);
    }

    /// <summary>Weight bytes per prefetch step of a matrix–vector product (at least one row): see <see cref="WeightPrefetch"/>.</summary>
    private const int StepBytes = 2 * 1024;

    /// <summary>The matrix–vector product over a chunk of rows, requesting the weights ahead of the rows it multiplies.</summary>
    private void DotRowsPrefetching(RowDot dot, byte* w, long rowBytes, byte* a, float* y, int rows)
    {
        int step = (int)Math.Max(1, StepBytes / rowBytes);
        dot.DotRowsPrefetching(w, (nint)rowBytes, a, y, rows, _cols, step);
    }

    private int CheckType(WeightMatrix w)
    {
        int type = (int)w.Type;
        if ((uint)type >= (uint)_supported.Length) throw new UnsupportedTensorTypeException(w.Name, w.Type);
        // Asked once per type: this runs for every product of every token.
        if (_supported[type] == 0) _supported[type] = QuantSupport.IsSupported(w.Type) ? (sbyte)1 : (sbyte)-1;
        if (_supported[type] < 0) throw new UnsupportedTensorTypeException(w.Name, w.Type);
        return type;
    }

    /// <summary>One product of a (possibly fused) dispatch, with the buffers its converted input lives in.</summary>
    private sealed class Target
    {
        public WeightMatrix? W;
        public float* Y;
        public int YStride;
        public RowDot? Dot;
        public RowGemm? Gemm;
        public InterleavedGemm? Interleaved;
        public GgmlType VecDot;
        public Target? ASource;
        public Target? PrepSource;
        public bool Converts;
        public byte* A;
        public long AStride;
        public byte* Prep;
        public int RowsPerChunk;
        public int FirstChunk;
        public readonly ScratchBuffer Activations = new();
        public readonly ScratchBuffer Prepared = new();

        public void Clear()
        {
            W = null;
            Dot = null;
            Gemm = null;
            Interleaved = null;
            ASource = null;
            PrepSource = null;
        }
    }

    /// <summary>A pinned, 64-byte aligned buffer that only grows.</summary>
    private sealed class ScratchBuffer
    {
        private byte[] _buffer = [];
        private byte* _aligned;

        public byte* Get(long bytes)
        {
            if (bytes + 64 > _buffer.Length)
            {
                _buffer = GC.AllocateUninitializedArray<byte>(checked((int)Math.Max(bytes + 64, 64 * 1024)), pinned: true);
                fixed (byte* p = _buffer) // pinned for good: fixed only reads the address
                    _aligned = (byte*)(((nint)p + 63) & ~(nint)63);
            }
            return _aligned;
        }
    }
}
