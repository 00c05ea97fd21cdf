using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Corral.Engine.Models;
using Corral.Engine.Tensors;
using Corral.Engine.Threading;

namespace Corral.Engine.Kernels;

/// <summary>
/// <c>Y[t, r] = W[r] · X[t]</c> for a batch of activation rows. Activations are first converted to the
/// weight's vec_dot type (f16 for F16 weights, as llama.cpp does), then output rows are split across
/// the worker pool. Every output element is one full-length dot product computed the same way whatever
/// the batch holds, so a sequence's results never depend on what it is batched with.
/// </summary>
public sealed unsafe class MatMul : ParallelWork
{
    private readonly WorkerPool _pool;
    private float[] _converted = [];

    private WeightMatrix? _w;
    private float* _x;
    private float* _y;
    private int _tokens;
    private int _xStride;
    private int _yStride;

    /// <summary>Below this many multiply-adds a product runs on the calling thread: waking workers would cost more.</summary>
    private const long ParallelThreshold = 1 << 17;

    public MatMul(WorkerPool pool) => _pool = pool;

    private int ThreadsFor(WeightMatrix w, int tokens) => (long)w.Rows * w.Cols * tokens < ParallelThreshold ? 1 : int.MaxValue;

    /// <summary>True when a weight of <paramref name="type"/> can be multiplied.</summary>
    public static bool Supports(GgmlType type) => type is GgmlType.F32 or GgmlType.F16;

    /// <param name="x">Activations: <paramref name="tokens"/> rows of w.Cols floats, <paramref name="xStride"/> apart.</param>
    /// <param name="y">Outputs: <paramref name="tokens"/> rows of w.Rows floats, <paramref name="yStride"/> apart.</param>
    public void Run(WeightMatrix w, float* x, int xStride, int tokens, float* y, int yStride)
    {
        _w = w;
        _tokens = tokens;
        _yStride = yStride;
        _y = y;
        if (w.Type == GgmlType.F16)
        {
            // vec_dot_type of F16 is F16: round activations once, up front.
            int n = w.Cols * tokens;
            if (_converted.Length < n) _converted = new float[n];
            for (int t = 0; t < tokens; t++)
                for (int i = 0; i < w.Cols; i++) _converted[t * w.Cols + i] = Fp16.Round(x[(long)t * xStride + i]);
            fixed (float* c = _converted)
            {
                _x = c;
                _xStride = w.Cols;
                _pool.Run(this, ThreadsFor(w, tokens));
            }
        }
        else
        {
            _x = x;
            _xStride = xStride;
            _pool.Run(this, ThreadsFor(w, tokens));
        }
        _w = null;
    }

    public override void Execute(int threadIndex, int threadCount)
    {
        var w = _w!;
        var (start, end) = WorkerPool.Split(w.Rows, threadIndex, threadCount);
        long rowBytes = w.RowBytes;
        for (int r = start; r < end; r++)
        {
            byte* row = w.Data + r * rowBytes;
            for (int t = 0; t < _tokens; t++)
            {
                float* xt = _x + (long)t * _xStride;
                _y[(long)t * _yStride + r] = w.Type switch
                {
                    GgmlType.F32 => DotF32((float*)row, xt, w.Cols),
                    GgmlType.F16 => DotF16((ushort*)row, xt, w.Cols),
                    _ => throw new NotSupportedException($"tensor '{w.Name}' has type {GgmlTypeInfo.Name(w.Type)}, which this build cannot multiply yet"),
                };
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotF32(float* a, float* b, int n)
    {
        int i = 0;
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        for (; i + 16 <= n; i += 16)
        {
            acc0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc0);
            acc1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), acc1);
        }
        for (; i + 8 <= n; i += 8) acc0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc0);
        float sum = Vector256.Sum(acc0 + acc1);
        double tail = 0;
        for (; i < n; i++) tail += a[i] * b[i];
        return (float)(sum + tail);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotF16(ushort* a, float* b, int n)
    {
        float sum = 0;
        for (int i = 0; i < n; i++) sum = MathF.FusedMultiplyAdd(Fp16.ToFloat(a[i]), b[i], sum);
        return sum;
    }
}
