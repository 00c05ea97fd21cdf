using System.Runtime.CompilerServices;
using Corral.Engine.Kernels;
using Corral.Engine.Models;
using Corral.Engine.Threading;

namespace Corral.Engine.Inference;

/// <summary>
/// Runs the shared decoder skeleton (engine.md §4.0) over a batch of tokens that may belong to several
/// sequences: norms, projections, RoPE, f16 KV store, flash attention per (token, head), output
/// projection, gated FFN, final norm and lm_head for the rows that want logits. Scratch buffers are
/// allocated once for the largest batch, so evaluation allocates nothing.
/// </summary>
public sealed unsafe class ForwardPass
{
    private readonly Model _model;
    private readonly KvCache _cache;
    private readonly WorkerPool _pool;
    private readonly MatMul _matmul;
    private readonly AttentionWork _attention;
    private readonly int _maxBatch;

    private readonly float[] _h, _x, _q, _k, _v, _attnOut, _proj, _gate, _up, _outRows;

    /// <summary>The distinct RoPE variants of the spec (gemma2/3 alternate two) and each one's cos/sin per batch token.</summary>
    private readonly RopeParameters[] _ropeVariants;
    private readonly int[] _ropeVariantOfLayer;
    private readonly float[][] _ropeCos, _ropeSin;

    public int MaxBatch => _maxBatch;
    public Model Model => _model;
    public KvCache Cache => _cache;

    public ForwardPass(Model model, KvCache cache, WorkerPool pool, int maxBatch)
    {
        _model = model;
        _cache = cache;
        _pool = pool;
        _maxBatch = maxBatch;
        _matmul = new MatMul(pool);
        var hp = model.Hyperparameters;
        int nEmbd = hp.EmbeddingLength;
        int qDim = hp.HeadCount * hp.HeadDimK;
        int vOut = hp.HeadCount * hp.HeadDimV;
        int nFf = model.Weights.Layers.Max(l => l.Up.Rows);
        _h = Alloc(maxBatch * nEmbd);
        _x = Alloc(maxBatch * Math.Max(nEmbd, vOut));
        _q = Alloc(maxBatch * qDim);
        _k = Alloc(maxBatch * hp.EmbeddingLengthKv);
        _v = Alloc(maxBatch * hp.EmbeddingLengthKvV);
        _attnOut = Alloc(maxBatch * vOut);
        _proj = Alloc(maxBatch * nEmbd);
        _gate = Alloc(maxBatch * nFf);
        _up = Alloc(maxBatch * nFf);
        _outRows = Alloc(maxBatch);
        _ropeVariants = model.Spec.Rope.Distinct(ReferenceEqualityComparer.Instance).Cast<RopeParameters>().ToArray();
        _ropeVariantOfLayer = model.Spec.Rope.Select(r => Array.IndexOf(_ropeVariants, r)).ToArray();
        _ropeCos = _ropeVariants.Select(r => Alloc(maxBatch * (r.Dimensions / 2))).ToArray();
        _ropeSin = _ropeVariants.Select(r => Alloc(maxBatch * (r.Dimensions / 2))).ToArray();
        _attention = new AttentionWork(pool, hp, maxBatch);
    }

    private static float[] Alloc(int n) => GC.AllocateArray<float>(Math.Max(n, 1), pinned: true);

    /// <summary>
    /// Evaluates <paramref name="batch"/> (at most <see cref="MaxBatch"/> tokens). K/V of every token are
    /// stored at (slot, position). Logits of the entries with <c>WantLogits</c> are written to
    /// <paramref name="logits"/> in batch order, one vocab-sized row each.
    /// </summary>
    public void Evaluate(ReadOnlySpan<BatchEntry> batch, Span<float> logits) => Run(batch, logits, hiddenOnly: false);

    /// <summary>
    /// The embeddings tap (engine.md §9): the same forward as <see cref="Evaluate"/>, minus the lm_head.
    /// The final-norm hidden state of every entry with <c>WantLogits</c> is written to
    /// <paramref name="hidden"/> in batch order, one <c>n_embd</c>-sized row each.
    /// </summary>
    public void EvaluateHidden(ReadOnlySpan<BatchEntry> batch, Span<float> hidden) => Run(batch, hidden, hiddenOnly: true);

    private void Run(ReadOnlySpan<BatchEntry> batch, Span<float> output, bool hiddenOnly)
    {
        int n = batch.Length;
        if (n == 0) return;
        if (n > _maxBatch) throw new ArgumentException($"batch of {n} exceeds the maximum {_maxBatch}");
        var hp = _model.Hyperparameters;
        var w = _model.Weights;
        var spec = _model.Spec;
        int nEmbd = hp.EmbeddingLength;
        int vocab = _model.VocabSize;
        int nOut = 0;
        foreach (var e in batch)
        {
            if ((uint)e.Token >= (uint)w.TokenEmbedding.Rows) throw new ArgumentOutOfRangeException(nameof(batch), $"token id {e.Token} is outside the vocabulary");
            if ((uint)e.Position >= (uint)_cache.ContextLength) throw new ArgumentOutOfRangeException(nameof(batch), $"position {e.Position} is outside the context ({_cache.ContextLength})");
            if (e.WantLogits) nOut++;
        }
        if (output.Length < (long)nOut * (hiddenOnly ? nEmbd : vocab)) throw new ArgumentException(hiddenOnly ? "hidden buffer too small" : "logits buffer too small");

        fixed (float* h = _h, x = _x, q = _q, k = _k, v = _v, attnOut = _attnOut, proj = _proj, gate = _gate, up = _up)
        {
            // Token embeddings (dequantized rows, optionally scaled).
            var emb = w.TokenEmbedding;
            for (int t = 0; t < n; t++)
            {
                var dst = new Span<float>(h + (long)t * nEmbd, nEmbd);
                RowDequantizer.Dequantize(emb.Type, new ReadOnlySpan<byte>(emb.Data + batch[t].Token * emb.RowBytes, (int)emb.RowBytes), dst, emb.Name);
                if (spec.EmbeddingScale != 1f)
                    for (int i = 0; i < nEmbd; i++) dst[i] *= spec.EmbeddingScale;
            }
            _attention.Prepare(batch);
            for (int r = 0; r < _ropeVariants.Length; r++) ComputeRope(r, batch);

            int rows = n;
            for (int l = 0; l < w.Layers.Length; l++)
            {
                var layer = w.Layers[l];
                var rope = spec.Rope[l];
                float[] ropeCos = _ropeCos[_ropeVariantOfLayer[l]], ropeSin = _ropeSin[_ropeVariantOfLayer[l]];
                // --- attention ---
                for (int t = 0; t < n; t++)
                    RmsNorm.Apply(new ReadOnlySpan<float>(h + (long)t * nEmbd, nEmbd), layer.AttnNorm, new Span<float>(x + (long)t * nEmbd, nEmbd), hp.RmsEps);
                int qDim = layer.Wq.Rows, kDim = layer.Wk.Rows, vDim = layer.Wv.Rows;
                _matmul.Run(layer.Wq, x, nEmbd, n, q, qDim);
                _matmul.Run(layer.Wk, x, nEmbd, n, k, kDim);
                _matmul.Run(layer.Wv, x, nEmbd, n, v, vDim);
                for (int t = 0; t < n; t++)
                {
                    var qt = new Span<float>(q + (long)t * qDim, qDim);
                    var kt = new Span<float>(k + (long)t * kDim, kDim);
                    var vt = new Span<float>(v + (long)t * vDim, vDim);
                    if (layer.Bq != null) AddInPlace(qt, layer.Bq);
                    if (layer.Bk != null) AddInPlace(kt, layer.Bk);
                    if (layer.Bv != null) AddInPlace(vt, layer.Bv);
                    if (layer.QNorm != null) RmsNorm.ApplyPerHead(qt, hp.HeadDimK, layer.QNorm, hp.RmsEps);
                    if (layer.KNorm != null) RmsNorm.ApplyPerHead(kt, hp.HeadDimK, layer.KNorm, hp.RmsEps);
                    int half = rope.Dimensions / 2;
                    var cos = new ReadOnlySpan<float>(ropeCos, t * half, half);
                    var sin = new ReadOnlySpan<float>(ropeSin, t * half, half);
                    Rope.Apply(qt, hp.HeadDimK, rope.Mode, rope.Dimensions, cos, sin);
                    Rope.Apply(kt, hp.HeadDimK, rope.Mode, rope.Dimensions, cos, sin);
                    if (spec.AttentionTemperature is { } temperature)
                    {
                        float f = temperature.Factor(batch[t].Position);
                        if (f != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(qt, f, qt);
                    }
                    if (spec.QueryScale != 1f)
                        System.Numerics.Tensors.TensorPrimitives.Multiply(qt, spec.QueryScale, qt);
                    // Store K/V (rounded to f16) at the token's cell.
                    var e = batch[t];
                    Fp16.FromFloat(kt, new Span<ushort>(_cache.Keys(e.Slot, l) + (long)e.Position * _cache.KeyWidth, kDim));
                    Fp16.FromFloat(vt, new Span<ushort>(_cache.Values(e.Slot, l) + (long)e.Position * _cache.ValueWidth, vDim));
                }
                _attention.Run(_cache, l, q, attnOut, batch, spec.KqScale, spec.AttnSoftcap, spec.SlidingWindow[l]);
                int vOut = layer.Wo.Cols;
                _matmul.Run(layer.Wo, attnOut, vOut, n, proj, nEmbd);

                bool last = l == w.Layers.Length - 1;
                if (last && nOut < n)
                {
                    // Only rows whose logits are wanted go through the last FFN and the lm_head.
                    int r = 0;
                    for (int t = 0; t < n; t++)
                    {
                        if (!batch[t].WantLogits) continue;
                        if (r != t)
                        {
                            new Span<float>(h + (long)t * nEmbd, nEmbd).CopyTo(new Span<float>(h + (long)r * nEmbd, nEmbd));
                            new Span<float>(proj + (long)t * nEmbd, nEmbd).CopyTo(new Span<float>(proj + (long)r * nEmbd, nEmbd));
                        }
                        r++;
                    }
                    rows = nOut;
                }
                for (int t = 0; t < rows; t++)
                {
                    var pt = new Span<float>(proj + (long)t * nEmbd, nEmbd);
                    if (layer.Bo != null) AddInPlace(pt, layer.Bo);
                    if (layer.PostAttnNorm != null) RmsNorm.Apply(pt, layer.PostAttnNorm, pt, hp.RmsEps);
                    AddInPlace(new Span<float>(h + (long)t * nEmbd, nEmbd), pt);
                }
                if (rows == 0) break;

                // --- feed-forward ---
                for (int t = 0; t < rows; t++)
                    RmsNorm.Apply(new ReadOnlySpan<float>(h + (long)t * nEmbd, nEmbd), layer.FfnNorm, new Span<float>(x + (long)t * nEmbd, nEmbd), hp.RmsEps);
                int nFf = layer.Up.Rows;
                _matmul.Run(layer.Gate, x, nEmbd, rows, gate, nFf);
                _matmul.Run(layer.Up, x, nEmbd, rows, up, nFf);
                for (int t = 0; t < rows; t++)
                {
                    var g = new Span<float>(gate + (long)t * nFf, nFf);
                    var u = new ReadOnlySpan<float>(up + (long)t * nFf, nFf);
                    if (spec.Activation == FeedForwardActivation.GeGlu) Activations.GeGlu(g, u);
                    else Activations.SwiGlu(g, u);
                }
                _matmul.Run(layer.Down, gate, nFf, rows, proj, nEmbd);
                for (int t = 0; t < rows; t++)
                {
                    var pt = new Span<float>(proj + (long)t * nEmbd, nEmbd);
                    if (layer.PostFfnNorm != null) RmsNorm.Apply(pt, layer.PostFfnNorm, pt, hp.RmsEps);
                    AddInPlace(new Span<float>(h + (long)t * nEmbd, nEmbd), pt);
                }
            }
            if (nOut == 0) return;
            if (rows != nOut) throw new InvalidOperationException("row bookkeeping error");

            // --- output ---
            if (hiddenOnly)
            {
                for (int t = 0; t < nOut; t++)
                    RmsNorm.Apply(new ReadOnlySpan<float>(h + (long)t * nEmbd, nEmbd), w.OutputNorm, output.Slice(t * nEmbd, nEmbd), hp.RmsEps);
                return;
            }
            for (int t = 0; t < nOut; t++)
                RmsNorm.Apply(new ReadOnlySpan<float>(h + (long)t * nEmbd, nEmbd), w.OutputNorm, new Span<float>(x + (long)t * nEmbd, nEmbd), hp.RmsEps);
            fixed (float* lg = output)
            {
                _matmul.Run(w.Output, x, nEmbd, nOut, lg, vocab);
                for (int t = 0; t < nOut; t++)
                {
                    var row = new Span<float>(lg + (long)t * vocab, vocab);
                    if (w.OutputBias != null) AddInPlace(row, w.OutputBias);
                    if (spec.FinalSoftcap != 0)
                    {
                        float c = spec.FinalSoftcap, inv = 1f / c;
                        for (int i = 0; i < vocab; i++) row[i] = MathF.Tanh(row[i] * inv) * c;
                    }
                }
            }
        }
    }

    private void ComputeRope(int variant, ReadOnlySpan<BatchEntry> batch)
    {
        var rope = _ropeVariants[variant];
        int half = rope.Dimensions / 2;
        for (int t = 0; t < batch.Length; t++)
            Rope.ComputeCache(rope, batch[t].Position, new Span<float>(_ropeCos[variant], t * half, half), new Span<float>(_ropeSin[variant], t * half, half));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddInPlace(Span<float> x, ReadOnlySpan<float> y) => System.Numerics.Tensors.TensorPrimitives.Add(x, y, x);

    /// <summary>Attention for every (token, query head) pair, spread over the worker pool.</summary>
    private sealed class AttentionWork : ParallelWork
    {
        private readonly WorkerPool _pool;
        private readonly ModelHyperparameters _hp;
        private readonly float[][] _qScratch, _accScratch;
        private readonly int[] _rowsPerSlot;
        private readonly int _maxSlots = 64;
        private BatchEntry[] _batch;
        private int _n;
        private KvCache? _cache;
        private int _layer;
        private float* _q, _out;
        private float _scale, _softcap;
        private int _window;

        public AttentionWork(WorkerPool pool, ModelHyperparameters hp, int maxBatch)
        {
            _pool = pool;
            _hp = hp;
            _qScratch = new float[pool.ThreadCount][];
            _accScratch = new float[pool.ThreadCount][];
            for (int i = 0; i < pool.ThreadCount; i++)
            {
                _qScratch[i] = new float[hp.HeadDimK];
                _accScratch[i] = new float[hp.HeadDimV];
            }
            _rowsPerSlot = new int[_maxSlots];
            _batch = new BatchEntry[maxBatch];
        }

        public void Prepare(ReadOnlySpan<BatchEntry> batch)
        {
            _n = batch.Length;
            batch.CopyTo(_batch);
            Array.Clear(_rowsPerSlot);
            foreach (var e in batch)
                if ((uint)e.Slot < (uint)_maxSlots) _rowsPerSlot[e.Slot]++;
        }

        public void Run(KvCache cache, int layer, float* q, float* output, ReadOnlySpan<BatchEntry> batch, float scale, float softcap, int window)
        {
            _cache = cache;
            _layer = layer;
            _q = q;
            _out = output;
            _scale = scale;
            _softcap = softcap;
            _window = window;
            // Short contexts of small models: one thread, the dispatch would cost more than the work.
            long work = 0;
            for (int t = 0; t < _n; t++) work += (long)(_batch[t].Position + 1) * _hp.HeadCount * _hp.HeadDimK;
            _pool.Run(this, work < (1 << 16) ? 1 : int.MaxValue);
            _cache = null;
        }

        public override void Execute(int threadIndex, int threadCount)
        {
            var cache = _cache!;
            int nHead = _hp.HeadCount, dk = _hp.HeadDimK, dv = _hp.HeadDimV;
            int group = nHead / _hp.HeadCountKv;
            int total = _n * nHead;
            const int chunk = 4;
            int chunks = (total + chunk - 1) / chunk;
            var qs = _qScratch[threadIndex];
            var acc = _accScratch[threadIndex];
            for (int c = _pool.NextChunk(chunks); c >= 0; c = _pool.NextChunk(chunks))
            {
                int end = Math.Min(total, (c + 1) * chunk);
                for (int item = c * chunk; item < end; item++)
                {
                    int t = item / nHead, head = item % nHead;
                    var e = _batch[t];
                    int kvHead = head / group;
                    ushort* kBase = cache.Keys(e.Slot, _layer) + kvHead * dk;
                    ushort* vBase = cache.Values(e.Slot, _layer) + kvHead * dv;
                    int first = _window > 0 ? Math.Max(0, e.Position - _window + 1) : 0;
                    var q = new ReadOnlySpan<float>(_q + ((long)t * nHead + head) * dk, dk);
                    var o = new Span<float>(_out + ((long)t * nHead + head) * dv, dv);
                    int rowsOfSeq = (uint)e.Slot < (uint)_maxSlots ? _rowsPerSlot[e.Slot] : 1;
                    if (rowsOfSeq >= Attention.F32PathMinRows)
                        Attention.HeadF32(q, kBase, vBase, cache.KeyWidth, cache.ValueWidth, first, e.Position, _scale, _softcap, o, acc);
                    else
                        Attention.HeadF16Accumulate(q, kBase, vBase, cache.KeyWidth, cache.ValueWidth, first, e.Position, _scale, _softcap, o, qs, acc);
                }
            }
        }
    }
}
