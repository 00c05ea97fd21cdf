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
/// on the thread count, or on whether its tokens arrived one at a time or as a prompt.
/// </summary>
public sealed unsafe class MatMul : ParallelWork
{
    private readonly WorkerPool _pool;

    // Kernels by (tier, type), resolved once: the factories are not meant for every call.
    private readonly RowDot?[,] _dots = new RowDot?[3, 64];
    private readonly RowGemm?[,] _gemms = new RowGemm?[3, 64];

    // Quantized activation rows and the tiled kernel's preparation, shared read-only by every thread (pinned, aligned).
    private readonly ScratchBuffer _activations = new();
    private readonly ScratchBuffer _prepared = new();

    private enum Phase { Quantize, Dot, Gemm }

    private Phase _phase;
    private WeightMatrix? _w;
    private RowDot? _dot;
    private RowGemm? _gemm;
    private GgmlType _vecDot;
    private IsaLevel _isa;
    private float* _x;
    private int _xStride;
    private byte* _a;
    private long _aStride;
    private byte* _prep;
    private long _prepStride;
    private float* _y;
    private int _tokens;
    private int _yStride;
    private int _rowsPerChunk;
    private int _tokensPerChunk;

    /// <summary>Below this many multiply-adds a product runs on the calling thread: waking workers would cost more.</summary>
    private const long ParallelThreshold = 1 << 17;

    /// <summary>Row chunks per thread for a matrix–vector product: a descheduled thread's share is picked up by the others.</summary>
    private const int ChunksPerThread = 8;

    /// <summary>Weight bytes per chunk of a tiled product: stays in L1/L2 while every token passes over it.</summary>
    private const int GemmChunkBytes = 24 * 1024;

    public MatMul(WorkerPool pool) => _pool = pool;

    /// <summary>True when a weight of <paramref name="type"/> can be multiplied.</summary>
    public static bool Supports(GgmlType type) => QuantSupport.IsSupported(type);

    /// <param name="x">Activations: <paramref name="tokens"/> rows of w.Cols floats, <paramref name="xStride"/> apart.</param>
    /// <param name="y">Outputs: <paramref name="tokens"/> rows of w.Rows floats, <paramref name="yStride"/> apart.</param>
    public void Run(WeightMatrix w, float* x, int xStride, int tokens, float* y, int yStride)
    {
        if (tokens <= 0) return;
        _isa = CpuIsa.Current;
        _w = w;
        _x = x;
        _xStride = xStride;
        _y = y;
        _tokens = tokens;
        _yStride = yStride;
        int k = w.Cols;
        int threads = (long)w.Rows * k * tokens < ParallelThreshold ? 1 : _pool.ThreadCount;
        try
        {
            if (tokens == 1)
            {
                _dot = DotFor(w, _isa);
                _vecDot = _dot.ActivationType;
                PrepareActivations(prepareGemm: false, threads: 1);
                int chunks = Math.Min(w.Rows, threads * ChunksPerThread);
                _rowsPerChunk = (w.Rows + chunks - 1) / chunks;
                _phase = Phase.Dot;
                _pool.Run(this, (w.Rows + _rowsPerChunk - 1) / _rowsPerChunk, threads);
            }
            else
            {
                _gemm = GemmFor(w, _isa);
                _vecDot = _gemm.ActivationType;
                PrepareActivations(prepareGemm: true, threads);
                _rowsPerChunk = (int)Math.Clamp(GemmChunkBytes / w.RowBytes, 1, Math.Max(1, w.Rows / (4 * threads)));
                _phase = Phase.Gemm;
                _pool.Run(this, (w.Rows + _rowsPerChunk - 1) / _rowsPerChunk, threads);
            }
        }
        finally
        {
            _w = null;
            _dot = null;
            _gemm = null;
        }
    }

    /// <summary>Converts every activation row to the vec_dot type (and prepares it for the tiles), in parallel for large batches.</summary>
    private void PrepareActivations(bool prepareGemm, int threads)
    {
        int k = _w!.Cols;
        if (_vecDot == GgmlType.F32 && !prepareGemm)
        {
            // f32 weights take the activations as they are.
            _a = (byte*)_x;
            _aStride = (long)_xStride * sizeof(float);
        }
        else
        {
            _aStride = ActivationQuantizer.RowSize(_vecDot, k);
            _a = _activations.Get(_aStride * _tokens);
        }
        if (prepareGemm)
        {
            _prepStride = _gemm!.PreparedBytes(k, 1);
            _prep = _prepared.Get(_prepStride * _tokens);
        }
        _tokensPerChunk = Math.Max(1, (_tokens + 4 * threads - 1) / (4 * threads));
        int chunks = (_tokens + _tokensPerChunk - 1) / _tokensPerChunk;
        _phase = Phase.Quantize;
        if (chunks == 1 || _tokens * (long)k < 64 * 1024) for (int c = 0; c < chunks; c++) Execute(c, 0);
        else _pool.Run(this, chunks, threads);
    }

    public override void Execute(int chunk, int threadIndex)
    {
        var w = _w!;
        int k = w.Cols;
        switch (_phase)
        {
            case Phase.Quantize:
            {
                int t0 = chunk * _tokensPerChunk, t1 = Math.Min(_tokens, t0 + _tokensPerChunk);
                if (!(_vecDot == GgmlType.F32 && _dot != null))
                    for (int t = t0; t < t1; t++)
                        ActivationQuantizer.QuantizeRow(_vecDot, _x + (long)t * _xStride, _a + t * _aStride, k, _isa);
                _gemm?.Prepare(_a + t0 * _aStride, (nint)_aStride, t1 - t0, k, _prep + t0 * _prepStride);
                break;
            }
            case Phase.Dot:
            {
                int start = chunk * _rowsPerChunk;
                int rows = Math.Min(_rowsPerChunk, w.Rows - start);
                _dot!.DotRows(w.Data + start * w.RowBytes, (nint)w.RowBytes, _a, _y + start, rows, k);
                break;
            }
            case Phase.Gemm:
            {
                int start = chunk * _rowsPerChunk;
                int rows = Math.Min(_rowsPerChunk, w.Rows - start);
                _gemm!.DotTile(w.Data + start * w.RowBytes, (nint)w.RowBytes, rows, _a, (nint)_aStride, _prep, 0, _tokens, k, _y + start, _yStride);
                break;
            }
        }
    }

    private RowDot DotFor(WeightMatrix w, IsaLevel isa)
    {
        int type = CheckType(w);
        return _dots[(int)isa, type] ??= RowDotKernels.For(w.Type, isa);
    }

    private RowGemm GemmFor(WeightMatrix w, IsaLevel isa)
    {
        int type = CheckType(w);
        return _gemms[(int)isa, type] ??= RowGemmKernels.For(w.Type, isa);
    }

    private int CheckType(WeightMatrix w)
    {
        int type = (int)w.Type;
        if ((uint)type >= (uint)_dots.GetLength(1) || !QuantSupport.IsSupported(w.Type)) throw new UnsupportedTensorTypeException(w.Name, w.Type);
        return type;
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
