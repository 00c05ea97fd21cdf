using System.Diagnostics;
using System.Threading.Channels;
using Corral.Engine.Models;
using Corral.Engine.Sampling;
using Corral.Engine.Threading;

namespace Corral.Engine.Inference;

/// <summary>How a runner is sized.</summary>
public sealed record RunnerOptions
{
    /// <summary>Context (cells) per sequence slot.</summary>
    public int ContextLength { get; init; } = 4096;

    /// <summary>Sequences decoded together (OLLAMA_NUM_PARALLEL).</summary>
    public int Slots { get; init; } = 1;

    /// <summary>Prompt tokens per forward chunk (num_batch).</summary>
    public int BatchSize { get; init; } = 512;

    public int Threads { get; init; } = WorkerPool.DefaultThreadCount();

    /// <summary>KV cache cell type: F16 (default), Q8_0 or Q4_0 (OLLAMA_KV_CACHE_TYPE, see <see cref="KvCache.ParseType"/>).</summary>
    public Tensors.GgmlType KvCacheType { get; init; } = Tensors.GgmlType.F16;

    /// <summary>End-of-generation test for sampled tokens.</summary>
    public Func<int, bool> IsEndOfGeneration { get; init; } = _ => false;

    /// <summary>Token ids never sampled (tokenizer.ggml.suppress_tokens).</summary>
    public IReadOnlyCollection<int>? SuppressTokens { get; init; }
}

/// <summary>The caller's view of one running sequence.</summary>
public sealed class GenerationStream
{
    private readonly Channel<GeneratedToken> _tokens = Channel.CreateUnbounded<GeneratedToken>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource<GenerationStats> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    internal volatile bool StopRequested;

    /// <summary>Generated tokens, in order. Completes when the sequence ends.</summary>
    public ChannelReader<GeneratedToken> Tokens => _tokens.Reader;

    /// <summary>Final counters; completes after the last token was written.</summary>
    public Task<GenerationStats> Completion => _done.Task;

    /// <summary>Ends the sequence after the current step with <see cref="FinishReason.Stop"/> (e.g. a stop sequence matched).</summary>
    public void Stop() => StopRequested = true;

    internal void Emit(GeneratedToken t) => _tokens.Writer.TryWrite(t);

    internal void Finish(GenerationStats stats)
    {
        _tokens.Writer.TryComplete();
        _done.TrySetResult(stats);
    }

    internal void Fail(Exception e)
    {
        _tokens.Writer.TryComplete(e);
        _done.TrySetException(e);
    }
}

/// <summary>
/// Owns one loaded model, its KV cache slots and a loop thread that decodes every active sequence in
/// one batch per step (continuous batching): a new request joins at the next step, a finished or
/// cancelled one leaves at once. A request reuses the slot whose cached tokens share the longest
/// prefix with its prompt, so a repeated system prompt or the next chat turn is not recomputed.
/// </summary>
public sealed class InferenceRunner : IDisposable
{
    private readonly Model _model;
    private readonly RunnerOptions _options;
    private readonly WorkerPool _pool;
    private readonly KvCache _cache;
    private readonly ForwardPass _forward;
    private readonly Slot[] _slots;
    private readonly Queue<Pending> _pending = new();
    private readonly object _gate = new();
    private readonly Thread _loop;
    private readonly float[] _logits;
    private readonly BatchEntry[] _batch;
    private readonly Slot?[] _batchOwner;
    /// <summary>Final-norm hidden rows of an embedding chunk; allocated with the first embedding request.</summary>
    private float[]? _hidden;
    private volatile bool _disposed;
    private bool _served;
    private readonly SemaphoreSlim _wake = new(0);

    public Model Model => _model;
    public RunnerOptions Options => _options;
    public long KvCacheBytes => _cache.ByteSize;

    /// <summary>Requests admitted or waiting (for scheduling decisions).</summary>
    public int ActiveCount
    {
        get
        {
            lock (_gate) return _pending.Count + _slots.Count(s => s.Stream != null);
        }
    }

    public InferenceRunner(Model model, RunnerOptions options)
    {
        _model = model;
        _options = options;
        int ctx = Math.Max(4, options.ContextLength);
        _pool = new WorkerPool(Math.Max(1, options.Threads));
        _cache = new KvCache(model.Hyperparameters, ctx, Math.Max(1, options.Slots), options.KvCacheType);
        int maxBatch = Math.Max(1, options.BatchSize) + _cache.Slots;
        _forward = new ForwardPass(model, _cache, _pool, maxBatch);
        _slots = new Slot[_cache.Slots];
        for (int i = 0; i < _slots.Length; i++) _slots[i] = new Slot(i, ctx);
        _logits = new float[(long)_cache.Slots * model.VocabSize];
        _batch = new BatchEntry[maxBatch];
        _batchOwner = new Slot?[maxBatch];
        _loop = new Thread(Loop) { IsBackground = true, Name = "corral-runner" };
        _loop.Start();
    }

    /// <summary>Queues a request. The stream completes with <see cref="FinishReason.Cancelled"/> when <paramref name="cancellation"/> fires.</summary>
    public GenerationStream Submit(GenerationRequest request, CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (request.PromptTokens.Length == 0) throw new ArgumentException("the prompt has no tokens");
        if (request.Pooling is { } pooling && pooling is not (PoolingType.Mean or PoolingType.Cls or PoolingType.Last))
            throw new ArgumentException($"pooling type {pooling} does not give one embedding per input");
        // A generated token needs a free cell after the prompt; an embedding may fill the context.
        if (request.PromptTokens.Length > _cache.ContextLength || (request.Pooling == null && request.PromptTokens.Length == _cache.ContextLength))
            throw new ArgumentException($"the prompt has {request.PromptTokens.Length} tokens but the context holds {_cache.ContextLength}");
        foreach (var t in request.PromptTokens)
            if ((uint)t >= (uint)_model.VocabSize) throw new ArgumentException($"token id {t} is outside the vocabulary ({_model.VocabSize})");
        var stream = new GenerationStream();
        var pending = new Pending(request, stream, cancellation);
        lock (_gate) _pending.Enqueue(pending);
        if (cancellation.CanBeCanceled) cancellation.Register(() => _wake.Release());
        _wake.Release();
        return stream;
    }

    private void Loop()
    {
        while (!_disposed)
        {
            try
            {
                Admit();
                if (Step()) _served = true;
                else
                {
                    // Idle after the first request: the model's interleaved weight copies can be built now without
                    // delaying that request's first token.
                    if (_served) _model.StartInterleaving();
                    _wake.Wait(100);
                }
            }
            catch (Exception e)
            {
                // A failing forward pass ends every active sequence with the error; the runner keeps serving.
                foreach (var s in _slots)
                    if (s.Stream != null) End(s, FinishReason.Error, e.Message);
            }
        }
        lock (_gate)
        {
            while (_pending.Count > 0) _pending.Dequeue().Stream.Finish(new GenerationStats { Reason = FinishReason.Cancelled });
        }
        foreach (var s in _slots)
            if (s.Stream != null) End(s, FinishReason.Cancelled, null);
    }

    private void Admit()
    {
        lock (_gate)
        {
            while (_pending.Count > 0)
            {
                var p = _pending.Peek();
                if (p.Cancellation.IsCancellationRequested)
                {
                    _pending.Dequeue();
                    p.Stream.Finish(new GenerationStats { Reason = FinishReason.Cancelled, PromptTokens = p.Request.PromptTokens.Length });
                    continue;
                }
                Slot? best = null;
                int bestLcp = -1;
                foreach (var s in _slots)
                {
                    if (s.Stream != null) continue;
                    int lcp = s.CommonPrefix(p.Request.PromptTokens);
                    if (lcp > bestLcp) { best = s; bestLcp = lcp; }
                }
                if (best == null) return;
                _pending.Dequeue();
                best.Start(p, _model.VocabSize, _model.Hyperparameters.EmbeddingLength, _options);
            }
        }
    }

    /// <summary>One forward pass over every active sequence. Returns false when there was nothing to do.</summary>
    private bool Step()
    {
        // Embedding chunks first: they reuse the batch arrays, which the generation batch fills next.
        bool embedded = StepEmbeddings();
        int n = 0;
        int budget = _options.BatchSize;
        foreach (var s in _slots)
        {
            if (s.Stream == null) continue;
            if (s.Cancellation.IsCancellationRequested) { End(s, FinishReason.Cancelled, null); continue; }
            if (s.Stream.StopRequested) { End(s, FinishReason.Stop, null); continue; }
            if (s.PendingPrompt > 0 || s.IsEmbedding) continue;
            // Decoding: feed the last sampled token.
            _batch[n] = new BatchEntry(s.LastToken, s.Length, s.Index, true);
            _batchOwner[n++] = s;
        }
        foreach (var s in _slots)
        {
            if (s.Stream == null || s.PendingPrompt == 0 || s.IsEmbedding) continue;
            int chunk = Math.Min(s.PendingPrompt, _options.BatchSize);
            if (chunk > budget) continue;
            budget -= chunk;
            for (int i = 0; i < chunk; i++)
            {
                int pos = s.Length + i;
                bool last = i == chunk - 1 && chunk == s.PendingPrompt;
                _batch[n] = new BatchEntry(s.Tokens[pos], pos, s.Index, last && !s.Request.PromptOnly);
                _batchOwner[n++] = s;
            }
        }
        if (n == 0) return embedded;

        var sw = Stopwatch.StartNew();
        _forward.Evaluate(_batch.AsSpan(0, n), _logits);
        var elapsed = sw.Elapsed;

        int row = 0;
        Slot? prev = null;
        for (int i = 0; i < n; i++)
        {
            var s = _batchOwner[i]!;
            var e = _batch[i];
            bool isPrompt = s.PendingPrompt > 0;
            if (isPrompt)
            {
                s.Length++;
                s.PendingPrompt--;
                if (!ReferenceEquals(prev, s)) s.PromptTime += elapsed;
            }
            prev = s;
            if (isPrompt && s.PendingPrompt == 0 && s.Request.PromptOnly)
            {
                End(s, FinishReason.Stop, null);
                continue;
            }
            if (!e.WantLogits) continue;
            var logits = _logits.AsSpan(row * _model.VocabSize, _model.VocabSize);
            row++;
            if (!isPrompt)
            {
                s.Length++;
                s.GenTime += elapsed;
            }
            else
            {
                s.GenStarted = true;
            }
            SampleNext(s, logits);
        }
        return true;
    }

    /// <summary>
    /// One chunk of each embedding sequence that fits the batch budget, evaluated apart from the generation
    /// batch (its rows want hidden states, not logits). Returns false when there was none.
    /// </summary>
    private bool StepEmbeddings()
    {
        int n = 0, budget = _options.BatchSize;
        foreach (var s in _slots)
        {
            if (s.Stream == null || !s.IsEmbedding || s.PendingPrompt == 0) continue;
            if (s.Cancellation.IsCancellationRequested) { End(s, FinishReason.Cancelled, null); continue; }
            int chunk = Math.Min(s.PendingPrompt, budget);
            if (chunk == 0) break;
            budget -= chunk;
            int lastPos = s.Tokens.Count - 1;
            for (int i = 0; i < chunk; i++)
            {
                int pos = s.Length + i;
                bool wanted = s.Request.Pooling switch
                {
                    PoolingType.Cls => pos == 0,
                    PoolingType.Last => pos == lastPos,
                    _ => true,
                };
                _batch[n] = new BatchEntry(s.Tokens[pos], pos, s.Index, wanted);
                _batchOwner[n++] = s;
            }
        }
        if (n == 0) return false;

        int width = _model.Hyperparameters.EmbeddingLength;
        _hidden ??= new float[(long)_forward.MaxBatch * width];
        var sw = Stopwatch.StartNew();
        _forward.EvaluateHidden(_batch.AsSpan(0, n), _hidden);
        var elapsed = sw.Elapsed;

        int row = 0;
        Slot? prev = null;
        for (int i = 0; i < n; i++)
        {
            var s = _batchOwner[i]!;
            if (!ReferenceEquals(prev, s)) s.PromptTime += elapsed;
            prev = s;
            s.Length++;
            s.PendingPrompt--;
            if (_batch[i].WantLogits)
            {
                var h = _hidden.AsSpan(row++ * width, width);
                var sum = s.EmbeddingSum!;
                for (int j = 0; j < width; j++) sum[j] += h[j];
            }
            if (s.PendingPrompt == 0) End(s, FinishReason.Stop, null);
        }
        return true;
    }

    private void SampleNext(Slot s, ReadOnlySpan<float> logits)
    {
        if (s.Request.NumPredict == 0)
        {
            End(s, FinishReason.Length, null);
            return;
        }
        int token = s.Sampler!.Sample(logits);
        GeneratedToken gt = s.Request.TopLogprobs >= 0 ? WithLogprobs(token, logits, s.Request.TopLogprobs) : new GeneratedToken(token, 0, null);
        if (_options.IsEndOfGeneration(token))
        {
            End(s, FinishReason.Stop, null);
            return;
        }
        s.Sampler.Accept(token, advanceConstraint: true);
        s.Generated++;
        s.LastToken = token;
        s.Tokens.Add(token);
        s.Stream!.Emit(gt);
        int limit = s.Request.NumPredict < 0 ? 10 * _cache.ContextLength : Math.Min(s.Request.NumPredict, 10 * _cache.ContextLength);
        if (s.Generated >= limit)
        {
            End(s, FinishReason.Length, null);
            return;
        }
        if (s.Length + 1 >= _cache.ContextLength)
        {
            if (!s.Request.ShiftContext) { End(s, FinishReason.Length, null); return; }
            s.Shift();
        }
    }

    private static GeneratedToken WithLogprobs(int token, ReadOnlySpan<float> logits, int top)
    {
        float max = float.NegativeInfinity;
        foreach (var l in logits) max = MathF.Max(max, l);
        double sum = 0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        float logZ = max + (float)Math.Log(sum);
        (int, float)[]? tops = null;
        if (top > 0)
        {
            var best = new List<(int, float)>(top + 1);
            for (int i = 0; i < logits.Length; i++)
            {
                if (best.Count < top || logits[i] > best[^1].Item2)
                {
                    int at = best.Count;
                    while (at > 0 && best[at - 1].Item2 < logits[i]) at--;
                    best.Insert(at, (i, logits[i]));
                    if (best.Count > top) best.RemoveAt(best.Count - 1);
                }
            }
            tops = best.Select(b => (b.Item1, b.Item2 - logZ)).ToArray();
        }
        return new GeneratedToken(token, logits[token] - logZ, tops);
    }

    private void End(Slot s, FinishReason reason, string? error)
    {
        var stream = s.Stream!;
        var stats = new GenerationStats
        {
            PromptTokens = s.Request.PromptTokens.Length,
            PromptEvaluated = s.PromptEvaluated,
            PromptDuration = s.PromptTime,
            Generated = s.Generated,
            GenerationDuration = s.GenTime,
            Reason = reason,
            Error = error,
            Shifted = s.ShiftedTokens,
            Embedding = s.IsEmbedding && reason == FinishReason.Stop ? s.PooledEmbedding() : null,
        };
        s.Release(keepCache: reason != FinishReason.Error);
        stream.Finish(stats);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _wake.Release();
        _loop.Join();
        _pool.Dispose();
        _cache.Dispose();
        _wake.Dispose();
    }

    private sealed record Pending(GenerationRequest Request, GenerationStream Stream, CancellationToken Cancellation);

    /// <summary>One KV slot: the tokens its cells hold and the sequence (if any) using it.</summary>
    private sealed class Slot(int index, int contextLength)
    {
        public readonly int Index = index;
        public readonly List<int> Tokens = new(contextLength);
        /// <summary>Cells [0, Length) hold valid K/V for Tokens[0..Length).</summary>
        public int Length;
        public int PendingPrompt;
        public GenerationStream? Stream;
        public GenerationRequest Request = null!;
        public CancellationToken Cancellation;
        public Sampler? Sampler;
        private SamplerWorkspace? _samplerWorkspace; // kept across requests: see SamplerWorkspace
        public int LastToken;
        public int Generated;
        public int PromptEvaluated;
        public int ShiftedTokens;
        public bool GenStarted;
        public TimeSpan PromptTime, GenTime;
        /// <summary>Sum of the pooled hidden rows of an embedding request (null for generation).</summary>
        public double[]? EmbeddingSum;

        public bool IsEmbedding => EmbeddingSum != null;

        public float[] PooledEmbedding()
        {
            var sum = EmbeddingSum!;
            double scale = Request.Pooling == PoolingType.Mean ? 1.0 / Request.PromptTokens.Length : 1.0;
            var result = new float[sum.Length];
            for (int i = 0; i < sum.Length; i++) result[i] = (float)(sum[i] * scale);
            return result;
        }

        public int CommonPrefix(int[] prompt)
        {
            int n = Math.Min(Length, prompt.Length);
            int i = 0;
            while (i < n && Tokens[i] == prompt[i]) i++;
            return i;
        }

        public void Start(Pending p, int vocab, int embeddingWidth, RunnerOptions options)
        {
            var prompt = p.Request.PromptTokens;
            // Keep the shared prefix but always evaluate at least the last prompt token (its logits are needed).
            // Embeddings need the hidden state of every token they pool, so they evaluate the whole prompt.
            bool embedding = p.Request.Pooling != null;
            int keep = embedding ? 0 : Math.Min(CommonPrefix(prompt), prompt.Length - 1);
            Tokens.RemoveRange(keep, Tokens.Count - keep);
            for (int i = keep; i < prompt.Length; i++) Tokens.Add(prompt[i]);
            Length = keep;
            PendingPrompt = prompt.Length - keep;
            PromptEvaluated = PendingPrompt;
            Stream = p.Stream;
            Request = p.Request;
            Cancellation = p.Cancellation;
            EmbeddingSum = embedding ? new double[embeddingWidth] : null;
            if (!embedding)
            {
                _samplerWorkspace ??= new SamplerWorkspace(vocab);
                Sampler = new Sampler(_samplerWorkspace, p.Request.Sampling, options.SuppressTokens) { Constraint = p.Request.Constraint };
                foreach (var t in prompt) Sampler.Accept(t, advanceConstraint: false);
            }
            Generated = 0;
            ShiftedTokens = 0;
            GenStarted = false;
            PromptTime = GenTime = TimeSpan.Zero;
        }

        /// <summary>
        /// Context full: keep the first NumKeep tokens, drop half of the rest and re-evaluate what remains
        /// at its new positions (equivalent to llama.cpp's K-shift, recomputed instead of re-rotated).
        /// </summary>
        public void Shift()
        {
            int nKeep = Math.Clamp(Request.NumKeep, 0, Length);
            int nLeft = Length - nKeep;
            int nDiscard = Math.Max(1, nLeft / 2);
            Tokens.RemoveRange(nKeep, nDiscard);
            ShiftedTokens += nDiscard;
            // Tokens now holds the kept history plus the last sampled token (never evaluated yet): recompute
            // them all; the logits of that last token then give the next sample, as in a normal decode step.
            Length = nKeep;
            PendingPrompt = Tokens.Count - nKeep;
        }

        public void Release(bool keepCache)
        {
            // The last sampled token was never evaluated; only Tokens[0..Length) are valid cells.
            if (Tokens.Count > Length) Tokens.RemoveRange(Length, Tokens.Count - Length);
            if (!keepCache) { Tokens.Clear(); Length = 0; }
            PendingPrompt = 0;
            Stream = null;
            Sampler = null;
            EmbeddingSum = null;
        }
    }
}
