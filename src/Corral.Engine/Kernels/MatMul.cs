using Corral.Engine.Models;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;
using Corral.Engine.Threading;

namespace Corral.Engine.Kernels;

/// <summary>
/// <c>Y[t, r] = W[r] · X[t]</c> for a batch of activation rows, as llama.cpp's CPU backend computes it
/// (engine.md §3.1, §3.3): every activation row is converted once to the weight's vec_dot type
/// (<see cref="ActivationQuantizer"/>), then chunks of output rows are claimed by the worker pool and
/// each output element is one full-length dot product from the <see cref="RowDot"/> kernel of the
/// weight type. That dot is computed the same way whatever else the batch holds and whichever thread
/// runs it, so a sequence's results never depend on its batch companions or the thread count.
/// </summary>
public sealed unsafe class MatMul : ParallelWork
{
    private readonly WorkerPool _pool;

    // Kernels by (tier, type), resolved once: RowDotKernels.For is not meant for every call.
    private readonly RowDot?[,] _kernels = new RowDot?[3, 64];

    // Quantized activation rows, shared read-only by every thread of one product (pinned, 64-byte aligned).
    private byte[] _activationBuffer = [];
    private byte* _activations;

    private WeightMatrix? _w;
    private RowDot? _kernel;
    private byte* _a;
    private long _aStride;
    private float* _y;
    private int _tokens;
    private int _yStride;
    private int _rowsPerChunk;

    /// <summary>Below this many multiply-adds a product runs on the calling thread: waking workers would cost more.</summary>
    private const long ParallelThreshold = 1 << 17;

    /// <summary>Output rows per work chunk: enough chunks per thread that a descheduled thread's share is picked up by the others.</summary>
    private const int ChunksPerThread = 8;

    public MatMul(WorkerPool pool) => _pool = pool;

    /// <summary>True when a weight of <paramref name="type"/> can be multiplied.</summary>
    public static bool Supports(GgmlType type) => QuantSupport.IsSupported(type);

    /// <param name="x">Activations: <paramref name="tokens"/> rows of w.Cols floats, <paramref name="xStride"/> apart.</param>
    /// <param name="y">Outputs: <paramref name="tokens"/> rows of w.Rows floats, <paramref name="yStride"/> apart.</param>
    public void Run(WeightMatrix w, float* x, int xStride, int tokens, float* y, int yStride)
    {
        if (tokens <= 0) return;
        var isa = CpuIsa.Current;
        var kernel = KernelFor(w, isa);
        var vecDot = kernel.ActivationType;
        int k = w.Cols;
        if (vecDot == GgmlType.F32)
        {
            // f32 weights take the activations as they are.
            _a = (byte*)x;
            _aStride = (long)xStride * sizeof(float);
        }
        else
        {
            long rowSize = ActivationQuantizer.RowSize(vecDot, k);
            EnsureActivationCapacity(rowSize * tokens);
            for (int t = 0; t < tokens; t++)
                ActivationQuantizer.QuantizeRow(vecDot, x + (long)t * xStride, _activations + t * rowSize, k, isa);
            _a = _activations;
            _aStride = rowSize;
        }

        _w = w;
        _kernel = kernel;
        _y = y;
        _tokens = tokens;
        _yStride = yStride;
        int threads = (long)w.Rows * k * tokens < ParallelThreshold ? 1 : _pool.ThreadCount;
        int chunks = Math.Min(w.Rows, threads * ChunksPerThread);
        _rowsPerChunk = (w.Rows + chunks - 1) / chunks;
        chunks = (w.Rows + _rowsPerChunk - 1) / _rowsPerChunk;
        _pool.Run(this, chunks, threads);
        _w = null;
        _kernel = null;
    }

    public override void Execute(int chunk, int threadIndex)
    {
        var w = _w!;
        var kernel = _kernel!;
        long rowBytes = w.RowBytes;
        int k = w.Cols;
        int start = chunk * _rowsPerChunk;
        int rows = Math.Min(_rowsPerChunk, w.Rows - start);
        byte* wRows = w.Data + start * rowBytes;
        for (int t = 0; t < _tokens; t++)
            kernel.DotRows(wRows, (nint)rowBytes, _a + t * _aStride, _y + (long)t * _yStride + start, rows, k);
    }

    private RowDot KernelFor(WeightMatrix w, IsaLevel isa)
    {
        int type = (int)w.Type;
        if ((uint)type >= (uint)_kernels.GetLength(1)) ThrowUnsupported(w);
        var kernel = _kernels[(int)isa, type];
        if (kernel == null)
        {
            if (!QuantSupport.IsSupported(w.Type)) ThrowUnsupported(w);
            _kernels[(int)isa, type] = kernel = RowDotKernels.For(w.Type, isa);
        }
        return kernel;
    }

    private void EnsureActivationCapacity(long bytes)
    {
        if (bytes + 64 <= _activationBuffer.Length) return;
        _activationBuffer = GC.AllocateUninitializedArray<byte>(checked((int)Math.Max(bytes + 64, 64 * 1024)), pinned: true);
        fixed (byte* p = _activationBuffer) // pinned for good: fixed only reads the address
            _activations = (byte*)(((nint)p + 63) & ~(nint)63);
    }

    private static void ThrowUnsupported(WeightMatrix w) => throw new UnsupportedTensorTypeException(w.Name, w.Type);
}
