using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Corral.Engine.Threading;

/// <summary>
/// A unit of parallel work split into chunks. <see cref="Execute"/> runs once per chunk index, on whichever thread
/// claims it; <c>threadIndex</c> (0 = the thread that called <see cref="WorkerPool.Run"/>) selects per-thread scratch.
/// Instances are preallocated and reused, so a dispatch allocates nothing.
/// </summary>
public abstract class ParallelWork
{
    public abstract void Execute(int chunk, int threadIndex);
}

/// <summary>
/// A persistent pool of worker threads for the inference hot path. The calling thread takes part as thread 0, and
/// every thread claims chunks from one atomic counter until none are left. The caller then waits only for chunks
/// already claimed: a worker that has not woken up yet (the machine is busy, or it went to sleep) is never waited
/// for, it just finds nothing left to do. So a dispatch costs a counter update when workers are awake, and at worst
/// the caller does everything itself, instead of stalling until the scheduler runs every worker.
/// Workers spin briefly between dispatches (the next one usually follows within microseconds), then sleep.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private readonly Worker[] _workers;

    // The claim word: generation in the high 32 bits, the next chunk index in the low 32 bits. A claim succeeds only
    // if the generation is still the one the claimer read its job from, so a late worker cannot take a chunk of a
    // later job with the parameters of an earlier one.
    private long _claim;

    // Job descriptors by generation parity: a descriptor is rewritten two generations later, by which time the claim
    // word has moved on and every claim against the old generation fails.
    private readonly Job[] _jobs = [new Job(), new Job()];
    private int _generation;
    private int _done;
    private Exception? _failure;
    private volatile bool _disposed;

    /// <summary>How long an idle worker spins before sleeping.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5_000; // 200 µs

    public int ThreadCount { get; }

    public WorkerPool(int threadCount)
    {
        ThreadCount = Math.Max(1, threadCount);
        _workers = new Worker[ThreadCount - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            var worker = new Worker(i + 1);
            _workers[i] = worker;
            worker.Thread = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"corral-worker-{i + 1}" };
            worker.Thread.Start();
        }
    }

    /// <summary>Number of physical cores (best effort; logical processors when unknown).</summary>
    public static int DefaultThreadCount()
    {
        int physical = PhysicalCoreCount();
        return Math.Max(1, physical > 0 ? physical : Environment.ProcessorCount);
    }

    private static int PhysicalCoreCount()
    {
        try
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/cpuinfo")) return 0;
            var cores = new HashSet<(string, string)>();
            string physicalId = "0";
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                int colon = line.IndexOf(':');
                if (colon < 0) continue;
                var key = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                if (key == "physical id") physicalId = value;
                else if (key == "core id") cores.Add((physicalId, value));
            }
            return Math.Min(cores.Count, Environment.ProcessorCount);
        }
        catch (IOException) { return 0; }
        catch (UnauthorizedAccessException) { return 0; }
    }

    /// <summary>
    /// Runs chunks [0, <paramref name="chunks"/>) of <paramref name="work"/> on up to <paramref name="maxThreads"/> threads
    /// (the caller included) and returns when all have finished. Not reentrant: one dispatch at a time per pool.
    /// </summary>
    public void Run(ParallelWork work, int chunks, int maxThreads = int.MaxValue)
    {
        if (chunks <= 0) return;
        int helpers = Math.Min(Math.Min(maxThreads, ThreadCount), chunks) - 1;
        if (helpers <= 0)
        {
            for (int c = 0; c < chunks; c++) work.Execute(c, 0);
            return;
        }

        int generation = _generation + 1;
        var job = _jobs[generation & 1];
        job.Work = work;
        job.Chunks = chunks;
        job.Helpers = helpers;
        _done = 0;
        _failure = null;
        _generation = generation;
        // Publishing the claim word releases the job; the full fence also orders it before the sleep checks below.
        Interlocked.Exchange(ref _claim, (long)generation << 32);
        for (int i = 0; i < helpers; i++) _workers[i].WakeIfSleeping();

        int executed = RunChunks(job, generation, 0);
        if (executed > 0) Interlocked.Add(ref _done, executed);
        var spin = new SpinWait();
        while (Volatile.Read(ref _done) != chunks) spin.SpinOnce(sleep1Threshold: -1);
        job.Work = null;
        if (_failure is { } failure)
        {
            _failure = null;
            throw new AggregateException("a parallel kernel failed", failure);
        }
    }

    /// <summary>Claims and runs chunks of <paramref name="generation"/> until none are left; returns how many it ran.</summary>
    private int RunChunks(Job job, int generation, int threadIndex)
    {
        var work = job.Work;
        int chunks = job.Chunks;
        if (work == null) return 0;
        int executed = 0;
        while (true)
        {
            long state = Volatile.Read(ref _claim);
            if ((int)(state >> 32) != generation) break;
            int chunk = (int)state;
            if (chunk >= chunks) break;
            if (Interlocked.CompareExchange(ref _claim, state + 1, state) != state) continue;
            try
            {
                work.Execute(chunk, threadIndex);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            executed++;
        }
        return executed;
    }

    private void WorkerLoop(Worker worker)
    {
        int seen = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            int generation;
            while ((generation = (int)(Volatile.Read(ref _claim) >> 32)) == seen)
            {
                if (_disposed) return;
                if (Stopwatch.GetTimestamp() - start < SpinTicks)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                // Announce the sleep, then look again: either Run sees the flag or we see its new generation.
                Interlocked.Exchange(ref worker.Sleeping, 1);
                if ((int)(Volatile.Read(ref _claim) >> 32) == seen && !_disposed) worker.Wake.Wait();
                Interlocked.Exchange(ref worker.Sleeping, 0);
                start = Stopwatch.GetTimestamp();
            }
            if (_disposed) return;
            seen = generation;
            var job = _jobs[generation & 1];
            if (worker.Index > job.Helpers) continue;
            int executed = RunChunks(job, generation, worker.Index);
            if (executed > 0) Interlocked.Add(ref _done, executed);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var w in _workers) w.Wake.Release();
        foreach (var w in _workers) w.Thread!.Join(1000);
        foreach (var w in _workers) w.Wake.Dispose();
    }


    private sealed class Job
    {
        public ParallelWork? Work;
        public int Chunks;
        public int Helpers;
    }

    private sealed class Worker(int index)
    {
        public readonly int Index = index;
        public readonly SemaphoreSlim Wake = new(0);
        public Thread? Thread;
        public int Sleeping;

        public void WakeIfSleeping()
        {
            if (Volatile.Read(ref Sleeping) == 1 && Interlocked.Exchange(ref Sleeping, 0) == 1) Wake.Release();
        }
    }
}
