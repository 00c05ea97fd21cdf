using System.Runtime.CompilerServices;
using Corral.Engine.Kernels;
using Corral.Engine.Models;
using Corral.Engine.Quants;
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
    private readonly TokenOps _tokenOps;
    private readonly int _maxBatch;

    private readonly float[] _h, _x, _q, _k, _v, _attnOut, _proj, _gate, _up;

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
        int rows = Math.Min(maxBatch, PieceTokens);
        _h = Alloc(rows * nEmbd);
        _x = Alloc(rows * Math.Max(nEmbd, vOut));
        _q = Alloc(rows * qDim);
        _k = Alloc(rows * hp.EmbeddingLengthKv);
        _v = Alloc(rows * hp.EmbeddingLengthKvV);
        _attnOut = Alloc(rows * vOut);
        _proj = Alloc(rows * nEmbd);
        _gate = Alloc(rows * nFf);
        _up = Alloc(rows * nFf);
        _ropeVariants = model.Spec.Rope.Distinct(ReferenceEqualityComparer.Instance).Cast<RopeParameters>().ToArray();
        _ropeVariantOfLayer = model.Spec.Rope.Select(r => Array.IndexOf(_ropeVariants, r)).ToArray();
        _ropeCos = _ropeVariants.Select(r => Alloc(rows * (r.Dimensions / 2))).ToArray();
        _ropeSin = _ropeVariants.Select(r => Alloc(rows * (r.Dimensions / 2))).ToArray();
        _attention = new AttentionWork(pool, hp, rows);
        _tokenOps = new TokenOps(this);
    }

    /// <summary>
    /// Tokens per piece: a longer batch runs through the layers one piece of consecutive tokens at a time, so the
    /// per-token buffers are sized for 128 tokens instead of the whole batch (a 512-token batch's took 14 MB on
    /// Qwen2.5-0.5B, 30 MB on Llama-3.2-1B; a quarter of that now). Each token's results are unchanged: products give every
    /// (row, token) the same bits however tokens are grouped, attention reads only cells at or before a token's own
    /// position (stored by its piece or an earlier one), and each sequence keeps the attention flavour its rows in the
    /// whole batch give it. Prompt speed measured the same.
    /// </summary>
    private const int PieceTokens = 128;

    private static float[] Alloc(int n) => GC.AllocateArray<float>(Math.Max(n, 1), pinned: true);

    /// <summary>
    /// Evaluates <paramref name="batch"/> (at most <see cref="MaxBatch"/> tokens). K/V of every token are
    /// stored at (slot, position). A sequence's tokens must come in ascending position order: a long batch runs in
    /// pieces, and a token sees only the cells its own piece or an earlier one has stored. Logits of the entries with
    /// <c>WantLogits</c> are written to <paramref name="logits"/> in batch order, one vocab-sized row each.
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
        var w = _model.Weights;
        int nEmbd = _model.Hyperparameters.EmbeddingLength;
        int vocab = _model.VocabSize;
        int nOut = 0;
        foreach (var e in batch)
        {
            if ((uint)e.Token >= (uint)w.TokenEmbedding.Rows) throw new ArgumentOutOfRangeException(nameof(batch), $"token id {e.Token} is outside the vocabulary");
            if ((uint)e.Position >= (uint)_cache.ContextLength) throw new ArgumentOutOfRangeException(nameof(batch), $"position {e.Position} is outside the context ({_cache.ContextLength})");
            if (e.WantLogits) nOut++;
        }
        int width = hiddenOnly ? nEmbd : vocab;
        if (output.Length < (long)nOut * width) throw new ArgumentException(hiddenOnly ? "hidden buffer too small" : "logits buffer too small");

        _attention.CountRows(batch);
        int outRows = 0;
        for (int p = 0; p < n; p += PieceTokens)
        {
            var piece = batch.Slice(p, Math.Min(PieceTokens, n - p));
            outRows += RunPiece(piece, output[(outRows * width)..], hiddenOnly);
        }
    }

    /// <summary>One piece of a batch (at most <see cref="PieceTokens"/> tokens) through every layer; returns the output rows written.</summary>
    private int RunPiece(ReadOnlySpan<BatchEntry> batch, Span<float> output, bool hiddenOnly)
    {
        int n = batch.Length;
        var hp = _model.Hyperparameters;
        var w = _model.Weights;
        var spec = _model.Spec;
        int nEmbd = hp.EmbeddingLength;
        int vocab = _model.VocabSize;
        int nOut = 0;
        foreach (var e in batch)
            if (e.WantLogits) nOut++;

        fixed (float* h = _h, x = _x, q = _q, k = _k, v = _v, attnOut = _attnOut, proj = _proj, gate = _gate, up = _up)
        {
            var ops = _tokenOps;
            ops.Begin(batch, h, x, q, k, v, proj, gate, up);
            // Token embeddings (dequantized rows, optionally scaled).
            var emb = w.TokenEmbedding;
            for (int t = 0; t < n; t++)
            {
                var dst = new Span<float>(h + (long)t * nEmbd, nEmbd);
                // A tied output's interleaved copy holds the rows once its file pages are released (same values).
                byte* copy = emb.Interleaved;
                if (copy != null) Block32X8.DequantizeRow(emb.Type, copy, emb.Cols, batch[t].Token, dst);
                else Dequantize.Row(emb.Type, new ReadOnlySpan<byte>(emb.Data + batch[t].Token * emb.RowBytes, (int)emb.RowBytes), dst);
                if (spec.EmbeddingScale != 1f)
                    for (int i = 0; i < nEmbd; i++) dst[i] *= spec.EmbeddingScale;
            }
            _attention.Prepare(batch);
            for (int r = 0; r < _ropeVariants.Length; r++) ComputeRope(r, batch);

            int rows = n;
            for (int l = 0; l < w.Layers.Length; l++)
            {
                var layer = w.Layers[l];
                ops.Layer = l;
                // --- attention ---
                ops.Run(TokenOp.AttentionNorm, n);
                _matmul.Run(layer.Wq, q, layer.Wk, k, layer.Wv, v, x, nEmbd, n);
                // Biases, Q/K norms, RoPE, query scaling, then K/V into the cache (converted to the cache type).
                ops.Run(TokenOp.QkvPostprocess, n);
                _attention.Run(_cache, l, q, attnOut, spec.KqScale, spec.AttnSoftcap, spec.SlidingWindow[l]);
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
                if (rows == 0) break;
                // Attention output into the residual stream, then the FFN norm.
                ops.Run(TokenOp.AttentionResidualAndFfnNorm, rows);

                // --- feed-forward ---
                int nFf = layer.Up.Rows;
                _matmul.Run(layer.Gate, gate, layer.Up, up, x, nEmbd, rows);
                ops.Run(TokenOp.GatedActivation, rows);
                _matmul.Run(layer.Down, gate, nFf, rows, proj, nEmbd);
                ops.Run(TokenOp.FfnResidual, rows);
            }
            if (nOut == 0) return 0;
            if (rows != nOut) throw new InvalidOperationException("row bookkeeping error");

            // --- output ---
            ops.Run(TokenOp.OutputNorm, nOut);
            if (hiddenOnly)
            {
                new ReadOnlySpan<float>(x, nOut * nEmbd).CopyTo(output);
                return nOut;
            }
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
            return nOut;
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

    /// <summary>The element-wise steps between matrix products, each applied to every token of the batch.</summary>
    private enum TokenOp
    {
        AttentionNorm,
        QkvPostprocess,
        AttentionResidualAndFfnNorm,
        GatedActivation,
        FfnResidual,
        OutputNorm,
    }

    /// <summary>
    /// Runs one <see cref="TokenOp"/> over the batch: on the calling thread for a few tokens, in token chunks on the
    /// pool for prompts. Every token's result is computed the same way either way.
    /// </summary>
    private sealed class TokenOps(ForwardPass owner) : ParallelWork
    {
        private const int TokensPerChunk = 8;
        private BatchEntry[] _batch = [];
        private float* _h, _x, _q, _k, _v, _proj, _gate, _up;
        private TokenOp _op;
        private int _count;

        public int Layer;

        public void Begin(ReadOnlySpan<BatchEntry> batch, float* h, float* x, float* q, float* k, float* v, float* proj, float* gate, float* up)
        {
            if (_batch.Length < batch.Length) _batch = new BatchEntry[owner._maxBatch];
            batch.CopyTo(_batch);
            _h = h; _x = x; _q = q; _k = k; _v = v;
            _proj = proj; _gate = gate; _up = up;
        }

        public void Run(TokenOp op, int tokens)
        {
            _op = op;
            _count = tokens;
            int chunks = (tokens + TokensPerChunk - 1) / TokensPerChunk;
            if (chunks <= 1) Execute(0, 0);
            else owner._pool.Run(this, chunks);
        }

        public override void Execute(int chunk, int threadIndex)
        {
            int t0 = chunk * TokensPerChunk, t1 = Math.Min(_count, t0 + TokensPerChunk);
            var model = owner._model;
            var hp = model.Hyperparameters;
            var spec = model.Spec;
            int nEmbd = hp.EmbeddingLength;
            float eps = hp.RmsEps;
            var layer = _op == TokenOp.OutputNorm ? null : model.Weights.Layers[Layer];
            for (int t = t0; t < t1; t++)
            {
                var ht = new Span<float>(_h + (long)t * nEmbd, nEmbd);
                var xt = new Span<float>(_x + (long)t * nEmbd, nEmbd);
                switch (_op)
                {
                    case TokenOp.AttentionNorm:
                        RmsNorm.Apply(ht, layer!.AttnNorm, xt, eps);
                        break;
                    case TokenOp.QkvPostprocess:
                        owner.PostprocessQkv(layer!, Layer, t, _batch[t], _q, _k, _v);
                        break;
                    case TokenOp.AttentionResidualAndFfnNorm:
                    {
                        var pt = new Span<float>(_proj + (long)t * nEmbd, nEmbd);
                        if (layer!.Bo != null) AddInPlace(pt, layer.Bo);
                        if (layer.PostAttnNorm != null) RmsNorm.Apply(pt, layer.PostAttnNorm, pt, eps);
                        AddInPlace(ht, pt);
                        RmsNorm.Apply(ht, layer.FfnNorm, xt, eps);
                        break;
                    }
                    case TokenOp.GatedActivation:
                    {
                        int nFf = layer!.Up.Rows;
                        var g = new Span<float>(_gate + (long)t * nFf, nFf);
                        var u = new ReadOnlySpan<float>(_up + (long)t * nFf, nFf);
                        if (spec.Activation == FeedForwardActivation.GeGlu) Activations.GeGlu(g, u);
                        else Activations.SwiGlu(g, u);
                        break;
                    }
                    case TokenOp.FfnResidual:
                    {
                        var pt = new Span<float>(_proj + (long)t * nEmbd, nEmbd);
                        if (layer!.PostFfnNorm != null) RmsNorm.Apply(pt, layer.PostFfnNorm, pt, eps);
                        AddInPlace(ht, pt);
                        break;
                    }
                    case TokenOp.OutputNorm:
                        RmsNorm.Apply(ht, model.Weights.OutputNorm, xt, eps);
                        break;
                }
            }
        }
    }

    /// <summary>One token's Q/K/V after their projections: biases, per-head norms, RoPE, query scaling; K/V into the cache.</summary>
    private void PostprocessQkv(TransformerLayer layer, int l, int t, BatchEntry e, float* q, float* k, float* v)
    {
        var hp = _model.Hyperparameters;
        var spec = _model.Spec;
        var rope = spec.Rope[l];
        float[] ropeCos = _ropeCos[_ropeVariantOfLayer[l]], ropeSin = _ropeSin[_ropeVariantOfLayer[l]];
        int qDim = layer.Wq.Rows, kDim = layer.Wk.Rows, vDim = layer.Wv.Rows;
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
            float f = temperature.Factor(e.Position);
            if (f != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(qt, f, qt);
        }
        if (spec.QueryScale != 1f)
            System.Numerics.Tensors.TensorPrimitives.Multiply(qt, spec.QueryScale, qt);
        _cache.Store(e.Slot, l, e.Position, k + (long)t * kDim, v + (long)t * vDim);
    }

    /// <summary>
    /// Attention for every (token block, KV head) pair, spread over the worker pool: each work item runs all query heads
    /// of one KV head, so the cache is read once per step. A sequence with at least <see cref="Attention.F32PathMinRows"/>
    /// rows in the batch takes the prompt flavour in blocks of up to <see cref="BlockTokens"/> consecutive tokens;
    /// every other row the decode flavour. The flavour depends only on the sequence's own rows, so a sequence's
    /// results never depend on what else is in the batch.
    /// </summary>
    private sealed class AttentionWork : ParallelWork
    {
        private const int BlockTokens = 8;
        private const int MaxSlotsCounted = 256;

        private readonly WorkerPool _pool;
        private readonly ModelHyperparameters _hp;
        private readonly AttentionShape _shapeTemplate;
        private readonly float[][] _scratch;
        private readonly int[] _rowsPerSlot = new int[MaxSlotsCounted];
        private readonly BatchEntry[] _batch;
        private readonly int[] _itemStart, _itemCount;
        private readonly bool[] _itemPrompt;
        private readonly int[] _first, _last;
        private int _n, _items;
        private KvCache? _cache;
        private int _layer;
        private float* _q, _out;
        private AttentionShape _shape;

        public AttentionWork(WorkerPool pool, ModelHyperparameters hp, int maxBatch)
        {
            _pool = pool;
            _hp = hp;
            _shapeTemplate = new AttentionShape(hp.HeadDimK, hp.HeadDimV, hp.HeadCount / hp.HeadCountKv, 1f, 0f);
            _scratch = new float[pool.ThreadCount][];
            int scratchFloats = Attention.ScratchFloats(_shapeTemplate, BlockTokens);
            for (int i = 0; i < pool.ThreadCount; i++) _scratch[i] = GC.AllocateArray<float>(scratchFloats, pinned: true);
            _batch = new BatchEntry[maxBatch];
            _itemStart = new int[maxBatch];
            _itemCount = new int[maxBatch];
            _itemPrompt = new bool[maxBatch];
            _first = GC.AllocateArray<int>(maxBatch, pinned: true);
            _last = GC.AllocateArray<int>(maxBatch, pinned: true);
        }

        /// <summary>Counts each sequence's rows in the whole batch, which decide its attention flavour in every piece.</summary>
        public void CountRows(ReadOnlySpan<BatchEntry> batch)
        {
            Array.Clear(_rowsPerSlot);
            foreach (var e in batch)
                if ((uint)e.Slot < MaxSlotsCounted) _rowsPerSlot[e.Slot]++;
        }

        /// <summary>Groups a piece of the batch (after <see cref="CountRows"/>) into work items, once per piece.</summary>
        public void Prepare(ReadOnlySpan<BatchEntry> batch)
        {
            _n = batch.Length;
            batch.CopyTo(_batch);
            _items = 0;
            for (int t = 0; t < _n;)
            {
                var e = _batch[t];
                bool prompt = (uint)e.Slot < MaxSlotsCounted && _rowsPerSlot[e.Slot] >= Attention.F32PathMinRows;
                int count = 1;
                if (prompt)
                    while (count < BlockTokens && t + count < _n && _batch[t + count].Slot == e.Slot) count++;
                _itemStart[_items] = t;
                _itemCount[_items] = count;
                _itemPrompt[_items] = prompt;
                _items++;
                t += count;
            }
        }

        public void Run(KvCache cache, int layer, float* q, float* output, float scale, float softcap, int window)
        {
            _cache = cache;
            _layer = layer;
            _q = q;
            _out = output;
            _shape = _shapeTemplate with { Scale = scale, Softcap = softcap };
            long work = 0;
            for (int t = 0; t < _n; t++)
            {
                int pos = _batch[t].Position;
                _first[t] = window > 0 ? Math.Max(0, pos - window + 1) : 0;
                _last[t] = pos;
                work += (long)(pos + 1 - _first[t]);
            }
            // Short contexts of small models: one thread, the dispatch would cost more than the work.
            work *= (long)_hp.HeadCount * (_hp.HeadDimK + _hp.HeadDimV);
            _pool.Run(this, _items * _hp.HeadCountKv, work < (1 << 16) ? 1 : int.MaxValue);
            _cache = null;
        }

        public override void Execute(int chunk, int threadIndex)
        {
            var cache = _cache!;
            int kvHeads = _hp.HeadCountKv;
            int item = chunk / kvHeads, kvHead = chunk % kvHeads;
            int start = _itemStart[item];
            var e = _batch[start];
            var keys = cache.KeyRows(e.Slot, _layer);
            var values = cache.ValueRows(e.Slot, _layer);
            int nHead = _hp.HeadCount, dk = _hp.HeadDimK, dv = _hp.HeadDimV;
            int firstHead = kvHead * _shape.GroupSize;
            float* q = _q + ((long)start * nHead + firstHead) * dk;
            float* o = _out + ((long)start * nHead + firstHead) * dv;
            fixed (float* scratch = _scratch[threadIndex])
            fixed (int* first = _first, last = _last)
            {
                if (_itemPrompt[item])
                    Attention.PromptBlock(_shape, keys, values, kvHead, _itemCount[item], q, (long)nHead * dk, o, (long)nHead * dv,
                        first + start, last + start, scratch);
                else
                    Attention.DecodeGroup(_shape, keys, values, kvHead, q, o, _first[start], _last[start], scratch);
            }
        }
    }
}
