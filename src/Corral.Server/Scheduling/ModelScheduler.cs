using Corral.Server.Http;
using Microsoft.Extensions.Logging;

namespace Corral.Server.Scheduling;

/// <summary>Scheduler limits, from OLLAMA_* variables.</summary>
public sealed record SchedulerSettings
{
    /// <summary>OLLAMA_MAX_LOADED_MODELS; 0 = automatic (3 on a CPU-only machine).</summary>
    public int MaxLoadedModels { get; init; }
    /// <summary>OLLAMA_MAX_QUEUE: requests that may wait for a load.</summary>
    public int MaxQueue { get; init; } = 512;
    /// <summary>OLLAMA_KEEP_ALIVE; negative = forever.</summary>
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
    public TimeSpan LoadDuration { get; } = loadDuration;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) scheduler.Release(Model);
    }
}

/// <summary>
/// Keeps models loaded between requests (runtime.md §8): one load at a time, a bounded queue of
/// requests waiting for loads (503 when full), eviction of idle models when the model count or memory
/// would overflow, keep-alive expiry, and reload when load-time options change. Requests for an
/// already-loaded model skip the queue and wait for a sequence slot inside its runner.
/// </summary>
public sealed class ModelScheduler : IDisposable
{
    /// <summary>Upstream's message (two spaces included).</summary>
    public const string QueueFullMessage = "server busy, please try again.  maximum pending requests exceeded";

    private static readonly TimeSpan Forever = TimeSpan.MaxValue;
    private readonly SchedulerSettings _settings;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Dictionary<string, LoadedModel> _loaded = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loadLock = new(1, 1);
    private int _pending;
    private bool _disposed;

    public ModelScheduler(SchedulerSettings settings, ILogger logger)
    {
        _settings = settings;
        _logger = logger;
    }

    private int MaxLoaded => _settings.MaxLoadedModels > 0 ? _settings.MaxLoadedModels : 3;

    /// <summary>Models currently resident, for /api/ps.</summary>
    public IReadOnlyList<LoadedModel> Snapshot()
    {
        lock (_gate) return _loaded.Values.Where(m => !m.Unloading).ToList();
    }

    /// <summary>Requests waiting for a model load (the OLLAMA_MAX_QUEUE queue), for the metrics' queue depth.</summary>
    public int PendingLoads
    {
        get { lock (_gate) return _pending; }
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

    /// <summary>Gets a runner for <paramref name="spec"/>, loading (and evicting) as needed.</summary>
    /// <param name="keepAlive">The request's keep_alive, or null to keep the runner's current one (default on load).</param>
    public async Task<RunnerLease> AcquireAsync(ModelLoadSpec spec, TimeSpan? keepAlive, CancellationToken cancellation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (TryLease(spec, keepAlive) is { } fast) return fast;

        lock (_gate)
        {
            if (_pending >= Math.Max(1, _settings.MaxQueue)) throw new ApiException(503, QueueFullMessage);
            _pending++;
        }
        var started = DateTimeOffset.UtcNow;
        try
        {
            await _loadLock.WaitAsync(cancellation);
        }
        catch (OperationCanceledException)
        {
            lock (_gate) _pending--;
            throw new ApiException(499, "request canceled");
        }
        try
        {
            lock (_gate) _pending--;
            if (TryLease(spec, keepAlive) is { } again) return again;

            // A loaded runner for this blob with other load options must go first.
            LoadedModel? stale;
            lock (_gate) _loaded.TryGetValue(spec.Key, out stale);
            if (stale != null) await UnloadWhenIdleAsync(stale, cancellation);

            await MakeRoomAsync(spec, cancellation);
            var model = await Task.Run(() => spec.Load(spec.Options), cancellation);
            var loadDuration = DateTimeOffset.UtcNow - started;
            lock (_gate)
            {
                model.RefCount = 1;
                model.KeepAlive = keepAlive ?? _settings.DefaultKeepAlive;
                model.ExpiresAt = ExpiryFrom(DateTimeOffset.Now, model.KeepAlive);
                _loaded[spec.Key] = model;
            }
            _logger.LogInformation("loaded {Model} (context {Ctx}, parallel {Parallel}) in {Ms} ms", spec.Name, spec.Options.ContextLength, spec.Options.Parallel, (int)loadDuration.TotalMilliseconds);
            return new RunnerLease(this, model, loadDuration);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new ApiException(499, "request canceled");
        }
        finally
        {
            _loadLock.Release();
        }
    }

    private RunnerLease? TryLease(ModelLoadSpec spec, TimeSpan? keepAlive)
    {
        lock (_gate)
        {
            if (!_loaded.TryGetValue(spec.Key, out var m) || m.Unloading || m.Options != spec.Options) return null;
            m.RefCount++;
            m.ExpiryTimer?.Dispose();
            m.ExpiryTimer = null;
            if (keepAlive is { } k) m.KeepAlive = k;
            return new RunnerLease(this, m, TimeSpan.Zero);
        }
    }

    internal void Release(LoadedModel m)
    {
        lock (_gate)
        {
            if (--m.RefCount > 0 || m.Unloading) return;
            if (m.KeepAlive <= TimeSpan.Zero)
            {
                UnloadLocked(m);
                return;
            }
            m.ExpiresAt = ExpiryFrom(DateTimeOffset.Now, m.KeepAlive);
            if (m.KeepAlive != Forever && m.KeepAlive < TimeSpan.FromDays(10000))
                m.ExpiryTimer = new Timer(_ => Expire(m), null, m.KeepAlive, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>keep_alive 0 on an empty request: unload now if idle, else as soon as its requests finish.</summary>
    public void Unload(string key)
    {
        lock (_gate)
        {
            if (!_loaded.TryGetValue(key, out var m)) return;
            m.KeepAlive = TimeSpan.Zero;
            m.ExpiresAt = DateTimeOffset.Now;
            if (m.RefCount == 0) UnloadLocked(m);
        }
    }

    private void Expire(LoadedModel m)
    {
        lock (_gate)
        {
            if (m.RefCount == 0 && !m.Unloading) UnloadLocked(m);
        }
    }

    private void UnloadLocked(LoadedModel m)
    {
        m.Unloading = true;
        if (_loaded.TryGetValue(m.Key, out var cur) && ReferenceEquals(cur, m)) _loaded.Remove(m.Key);
        _logger.LogInformation("unloading {Model}", m.Name);
        m.Dispose();
    }

    private async Task UnloadWhenIdleAsync(LoadedModel m, CancellationToken cancellation)
    {
        while (true)
        {
            lock (_gate)
            {
                if (m.Unloading) return;
                if (m.RefCount == 0) { UnloadLocked(m); return; }
            }
            await Task.Delay(20, cancellation);
        }
    }

    private async Task MakeRoomAsync(ModelLoadSpec spec, CancellationToken cancellation)
    {
        while (true)
        {
            LoadedModel? victim = null;
            lock (_gate)
            {
                var resident = _loaded.Values.Where(m => !m.Unloading).ToList();
                long committed = resident.Sum(m => m.Size);
                long limit = _settings.MemoryLimit ?? SystemMemory.AvailableForModels(committed);
                bool tooMany = resident.Count >= MaxLoaded;
                bool tooBig = committed + spec.EstimatedBytes > limit;
                if (!tooMany && !tooBig) return;
                if (resident.Count == 0)
                {
                    throw new ApiException(500,
                        $"model requires more system memory ({SystemMemory.Format(spec.EstimatedBytes)}) than is available ({SystemMemory.Format(limit)})");
                }
                // Evict the idle model with the shortest keep-alive first; otherwise wait for one to go idle.
                victim = resident.OrderBy(m => m.KeepAlive).ThenBy(m => m.Key, StringComparer.Ordinal).FirstOrDefault(m => m.RefCount == 0);
                if (victim != null) UnloadLocked(victim);
            }
            if (victim == null) await Task.Delay(20, cancellation);
        }
    }

    internal static DateTimeOffset ExpiryFrom(DateTimeOffset now, TimeSpan keepAlive)
    {
        if (keepAlive <= TimeSpan.Zero) return now;
        // "Forever" shows as now + max int64 nanoseconds (≈ 292 years), as upstream does.
        var max = TimeSpan.FromTicks(long.MaxValue / 100);
        return keepAlive >= max ? now + max : now + keepAlive;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var m in _loaded.Values.ToList()) UnloadLocked(m);
        }
    }
}
