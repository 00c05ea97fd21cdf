using System.Diagnostics;
using Corral.Server.Http;
using Microsoft.Extensions.Logging;

namespace Corral.Server.Scheduling;

/// <summary>Scheduler limits, from OLLAMA_* variables.</summary>
public sealed record SchedulerSettings
{
    /// <summary>OLLAMA_MAX_LOADED_MODELS; 0 = automatic (3 on a CPU-only machine).</summary>
    public int MaxLoadedModels { get; init; }
    /// <summary>OLLAMA_MAX_QUEUE: requests that may wait (for a load, or for a sequence slot) before 503.</summary>
    public int MaxQueue { get; init; } = 512;
    /// <summary>OLLAMA_KEEP_ALIVE; <see cref="TimeSpan.MaxValue"/> = forever.</summary>
    public TimeSpan DefaultKeepAlive { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Bytes the scheduler may commit to models; null = measured from the machine.</summary>
    public long? MemoryLimit { get; init; }
}

/// <summary>What the scheduler needs to (re)load a model.</summary>
public sealed record ModelLoadSpec
{
    /// <summary>Runner identity: the model blob path (two names for one blob share a runner).</summary>
    public required string Key { get; init; }
    public required string Name { get; init; }
    public required LoadOptions Options { get; init; }
    /// <summary>Bytes the load will take (weights + KV cache + scratch), for admission.</summary>
    public required long EstimatedBytes { get; init; }
    public required Func<LoadOptions, LoadedModel> Load { get; init; }
}

/// <summary>A request's hold on a loaded model; disposing it starts the keep-alive countdown when it was the last one.</summary>
public sealed class RunnerLease(ModelScheduler scheduler, LoadedModel model, TimeSpan loadDuration) : IDisposable
{
    private int _disposed;
    public LoadedModel Model { get; } = model;
    /// <summary>Time from arrival to a ready runner (queueing and loading), 0 when the model was already loaded.</summary>
    public TimeSpan LoadDuration { get; } = loadDuration;

    /// <summary>Idempotent: pipelines release before writing their final object, and <c>using</c> again at the end.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) scheduler.Release(Model);
    }
}

/// <summary>
/// Keeps models loaded between requests (runtime.md §8). Loads are serialised; requests waiting for a load
/// or for a sequence slot of a busy model form the queue that <c>OLLAMA_MAX_QUEUE</c> bounds (503 when
/// full). Before a load, idle models are evicted (shortest keep-alive first) while the model count or the
/// memory estimate would overflow; a busy victim is drained (no new requests, unloaded when its last one
/// ends). A model that cannot fit even on an empty machine is refused with a clear error. Keep-alive
/// timers unload idle models; runners are disposed off the lock, and loads wait for those disposals so
/// the memory is really back.
/// </summary>
public sealed class ModelScheduler : IDisposable
{
    /// <summary>Upstream's message (two spaces included).</summary>
    public const string QueueFullMessage = "server busy, please try again.  maximum pending requests exceeded";

    /// <summary>Expiry more than this far ahead is "forever": no timer runs.</summary>
    private static readonly TimeSpan s_foreverThreshold = TimeSpan.FromDays(365 * 100);
    /// <summary>System timers take at most ~49 days; longer keep-alives re-arm.</summary>
    private static readonly TimeSpan s_maxTimerDue = TimeSpan.FromDays(24);

    private readonly SchedulerSettings _settings;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Dictionary<string, LoadedModel> _loaded = new(StringComparer.Ordinal);
    private readonly HashSet<LoadedModel> _draining = [];
    private readonly List<Task> _disposals = [];
    private readonly SemaphoreSlim _loadLock = new(1, 1);
    private TaskCompletionSource _changed = NewSignal();
    private int _pendingLoads;
    private bool _disposed;

    public ModelScheduler(SchedulerSettings settings, ILogger logger)
    {
        _settings = settings;
        _logger = logger;
    }

    /// <summary>Test hook: overrides the measured memory budget (bytes).</summary>
    internal long? MemoryLimitOverride { get; set; }

    public int MaxLoaded => _settings.MaxLoadedModels > 0 ? _settings.MaxLoadedModels : 3;

    private int MaxQueue => Math.Max(1, _settings.MaxQueue);

    /// <summary>Models currently resident (busy, idle or draining), for /api/ps.</summary>
    public IReadOnlyList<LoadedModel> Snapshot()
    {
        lock (_gate) return _loaded.Values.Where(m => !m.Unloading).ToList();
    }

    /// <summary>Requests waiting for a model load (the OLLAMA_MAX_QUEUE queue), for the metrics' queue depth.</summary>
    public int PendingLoads
    {
        get { lock (_gate) return _pendingLoads; }
    }

    public bool TryGetLoaded(string key, out LoadedModel model)
    {
        lock (_gate)
        {
            if (_loaded.TryGetValue(key, out model!) && !model.Unloading) return true;
        }
        model = null!;
        return false;
    }

    /// <summary>Requests waiting for a load or for a sequence slot.</summary>
    public int QueuedRequests
    {
        get { lock (_gate) return QueuedLocked(); }
    }

    private int QueuedLocked()
    {
        int waiting = _pendingLoads;
        foreach (var m in _loaded.Values) waiting += Math.Max(0, m.RefCount - m.Options.Parallel);
        return waiting;
    }

    /// <summary>Gets a runner for <paramref name="spec"/>, loading (and evicting) as needed.</summary>
    /// <param name="keepAlive">The request's keep_alive, or null to keep the runner's current one (default on load).</param>
    public async Task<RunnerLease> AcquireAsync(ModelLoadSpec spec, TimeSpan? keepAlive, CancellationToken cancellation)
    {
        var started = Stopwatch.StartNew();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (TryLeaseLocked(spec, keepAlive, enforceQueue: true) is { } fast) return fast;
            if (QueuedLocked() >= MaxQueue) throw new ApiException(503, QueueFullMessage);
            _pendingLoads++;
        }
        try
        {
            await _loadLock.WaitAsync(cancellation);
        }
        catch (OperationCanceledException)
        {
            lock (_gate) _pendingLoads--;
            throw Canceled();
        }
        try
        {
            lock (_gate)
            {
                _pendingLoads--;
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (TryLeaseLocked(spec, keepAlive, enforceQueue: false) is { } loaded) return loaded;
            }

            // A runner of this blob with other load options (or being drained) goes first.
            LoadedModel? stale;
            lock (_gate) _loaded.TryGetValue(spec.Key, out stale);
            if (stale != null) await EvictAsync(stale, cancellation);

            await MakeRoomAsync(spec, cancellation);
            var model = await Task.Run(() => spec.Load(spec.Options), CancellationToken.None);
            var lease = Register(spec, model, keepAlive, started.Elapsed);
            _logger.LogInformation("loaded {Model} (context {Ctx}, parallel {Parallel}, {Size:F1} MiB) in {Ms} ms",
                spec.Name, spec.Options.ContextLength, spec.Options.Parallel, model.Size / 1048576.0, (int)started.Elapsed.TotalMilliseconds);
            if (cancellation.IsCancellationRequested)
            {
                // The client left during the load: keep the model (its keep-alive runs) but answer 499.
                lease.Dispose();
                throw Canceled();
            }
            return lease;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw Canceled();
        }
        finally
        {
            _loadLock.Release();
        }
    }

    private static ApiException Canceled() => new(499, "request canceled");

    private RunnerLease? TryLeaseLocked(ModelLoadSpec spec, TimeSpan? keepAlive, bool enforceQueue)
    {
        if (!_loaded.TryGetValue(spec.Key, out var m) || m.Unloading || _draining.Contains(m) || m.Options != spec.Options) return null;
        // All slots busy: this request waits inside the runner, which counts against the queue.
        if (enforceQueue && m.RefCount >= m.Options.Parallel && QueuedLocked() >= MaxQueue) throw new ApiException(503, QueueFullMessage);
        m.RefCount++;
        m.ExpiryTimer?.Dispose();
        m.ExpiryTimer = null;
        if (keepAlive is { } k) m.KeepAlive = k;
        return new RunnerLease(this, m, TimeSpan.Zero);
    }

    private RunnerLease Register(ModelLoadSpec spec, LoadedModel model, TimeSpan? keepAlive, TimeSpan loadDuration)
    {
        lock (_gate)
        {
            model.RefCount = 1;
            model.KeepAlive = keepAlive ?? _settings.DefaultKeepAlive;
            // While loading/busy, ps shows the estimate now + keep-alive (upstream does the same).
            model.ExpiresAt = ExpiryFrom(DateTimeOffset.Now, model.KeepAlive);
            _loaded[spec.Key] = model;
            SignalLocked();
        }
        return new RunnerLease(this, model, loadDuration);
    }

    internal void Release(LoadedModel m)
    {
        lock (_gate)
        {
            SignalLocked();
            if (--m.RefCount > 0 || m.Unloading) return;
            if (m.KeepAlive <= TimeSpan.Zero || _draining.Contains(m))
            {
                UnloadLocked(m, "keep-alive 0");
                return;
            }
            m.ExpiresAt = ExpiryFrom(DateTimeOffset.Now, m.KeepAlive);
            ArmExpiryLocked(m);
        }
    }

    /// <summary>keep_alive 0 on an empty request: unload now if idle, else as soon as its requests finish.</summary>
    public void Unload(string key)
    {
        lock (_gate)
        {
            if (!_loaded.TryGetValue(key, out var m) || m.Unloading) return;
            m.KeepAlive = TimeSpan.Zero;
            m.ExpiresAt = DateTimeOffset.Now;
            m.ExpiryTimer?.Dispose();
            m.ExpiryTimer = null;
            if (m.RefCount == 0) UnloadLocked(m, "unload requested");
        }
    }

    private void ArmExpiryLocked(LoadedModel m)
    {
        m.ExpiryTimer?.Dispose();
        m.ExpiryTimer = null;
        var due = m.ExpiresAt - DateTimeOffset.Now;
        if (due > s_foreverThreshold) return;
        if (due < TimeSpan.Zero) due = TimeSpan.Zero;
        if (due > s_maxTimerDue) due = s_maxTimerDue;
        m.ExpiryTimer = new Timer(_ => OnExpiryTimer(m), null, due, Timeout.InfiniteTimeSpan);
    }

    private void OnExpiryTimer(LoadedModel m)
    {
        lock (_gate)
        {
            if (m.Unloading || m.RefCount > 0) return;
            if (DateTimeOffset.Now >= m.ExpiresAt) UnloadLocked(m, "keep-alive expired");
            else ArmExpiryLocked(m); // a keep-alive longer than one timer period
        }
    }

    /// <summary>Takes the model out of service now; its runner and mapping are released on a worker thread.</summary>
    private void UnloadLocked(LoadedModel m, string why)
    {
        m.Unloading = true;
        _draining.Remove(m);
        if (_loaded.TryGetValue(m.Key, out var cur) && ReferenceEquals(cur, m)) _loaded.Remove(m.Key);
        m.ExpiryTimer?.Dispose();
        m.ExpiryTimer = null;
        _logger.LogInformation("unloading {Model} ({Why})", m.Name, why);
        Task disposal = null!;
        disposal = Task.Run(() =>
        {
            try { m.Dispose(); }
            catch (Exception e) { _logger.LogError(e, "unloading {Model} failed", m.Name); }
            lock (_gate)
            {
                _disposals.Remove(disposal);
                SignalLocked();
            }
        });
        _disposals.Add(disposal);
        SignalLocked();
    }

    /// <summary>Unloads <paramref name="m"/> once idle (draining it meanwhile) and waits until its memory is released.</summary>
    private async Task EvictAsync(LoadedModel m, CancellationToken cancellation)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (m.Unloading) break;
                if (m.RefCount == 0) { UnloadLocked(m, "evicted"); break; }
                _draining.Add(m);
                changed = _changed.Task;
            }
            await changed.WaitAsync(cancellation);
        }
        await DisposalsAsync();
    }

    private async Task MakeRoomAsync(ModelLoadSpec spec, CancellationToken cancellation)
    {
        while (true)
        {
            await DisposalsAsync();
            LoadedModel? busyVictim = null;
            lock (_gate)
            {
                var resident = _loaded.Values.Where(m => !m.Unloading).ToList();
                long committed = resident.Sum(m => m.Size);
                long limit = MemoryLimitOverride ?? _settings.MemoryLimit ?? SystemMemory.AvailableForModels(committed);
                if (spec.EstimatedBytes > limit)
                {
                    // Even with every other model unloaded it would not fit: refuse instead of running out of memory.
                    throw new ApiException(500,
                        $"model requires more system memory ({SystemMemory.Format(spec.EstimatedBytes)}) than is available ({SystemMemory.Format(limit)})");
                }
                bool tooMany = resident.Count >= MaxLoaded;
                bool tooBig = committed + spec.EstimatedBytes > limit;
                if (!tooMany && !tooBig) return;

                var order = resident.OrderBy(m => m.KeepAlive).ThenBy(m => m.Key, StringComparer.Ordinal).ToList();
                if (order.FirstOrDefault(m => m.RefCount == 0) is { } idle)
                {
                    UnloadLocked(idle, "evicted to make room");
                    continue;
                }
                busyVictim = order.FirstOrDefault(m => _draining.Contains(m)) ?? order[0];
            }
            await EvictAsync(busyVictim, cancellation);
        }
    }

    private async Task DisposalsAsync()
    {
        Task[] pending;
        lock (_gate) pending = _disposals.ToArray();
        if (pending.Length > 0) await Task.WhenAll(pending);
    }

    private void SignalLocked()
    {
        _changed.TrySetResult();
        _changed = NewSignal();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal static DateTimeOffset ExpiryFrom(DateTimeOffset now, TimeSpan keepAlive)
    {
        if (keepAlive <= TimeSpan.Zero) return now;
        // "Forever" shows as now + max int64 nanoseconds (≈ 292 years), as upstream does.
        var max = TimeSpan.FromTicks(long.MaxValue / 100);
        return keepAlive >= max ? now + max : now + keepAlive;
    }

    /// <summary>Unloads everything and waits for the runners to stop (server shutdown).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var m in _loaded.Values.ToList()) UnloadLocked(m, "shutdown");
        }
        DisposalsAsync().GetAwaiter().GetResult();
    }
}
