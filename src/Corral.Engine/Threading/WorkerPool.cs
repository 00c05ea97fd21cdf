using System.Runtime.CompilerServices;

namespace Corral.Engine.Threading;

/// <summary>
/// A unit of parallel work. <see cref="Execute"/> is called once per participating thread with that
/// thread's index; the work item decides how to split (static ranges or <see cref="WorkerPool.NextChunk"/>).
/// Instances are preallocated and reused so dispatching allocates nothing.
/// </summary>
public abstract class ParallelWork
{
    public abstract void Execute(int threadIndex, int threadCount);
}

/// <summary>
/// A persistent pool of worker threads for the inference hot path: the calling thread takes part as
/// thread 0, workers spin briefly on a generation counter before falling back to a kernel wait, and a
/// dispatch costs two cache-line handoffs instead of a Task per operation.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _wake;
    private ParallelWork? _work;
    private long _generation;
    private int _pending;
    private volatile bool _disposed;
    private int _chunkCounter;
    private int _activeThreads;
    private Exception? _failure;

    /// <summary>Iterations a worker spins on the generation counter before sleeping on its semaphore.</summary>
    private const int SpinIterations = 4_000;

    public int ThreadCount { get; }

    public WorkerPool(int threadCount)
    {
        ThreadCount = Math.Max(1, threadCount);
        _threads = new Thread[ThreadCount - 1];
        _wake = new SemaphoreSlim[ThreadCount - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
            int index = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"corral-worker-{index}" };
            _threads[i].Start();
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

    /// <summary>Runs <paramref name="work"/> on <paramref name="threads"/> threads (≤ pool size) and waits for all.</summary>
    public void Run(ParallelWork work, int threads = int.MaxValue)
    {
        int n = Math.Clamp(threads, 1, ThreadCount);
        _chunkCounter = 0;
        if (n == 1)
        {
            work.Execute(0, 1);
            return;
        }
        _work = work;
        _activeThreads = n;
        _chunkCounter = 0;
        _failure = null;
        Volatile.Write(ref _pending, n - 1);
        Interlocked.Increment(ref _generation);
        for (int i = 0; i < n - 1; i++)
        {
            if (_wake[i].CurrentCount == 0) _wake[i].Release();
        }
        try
        {
            work.Execute(0, n);
        }
        catch (Exception e)
        {
            _failure ??= e;
        }
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(-1);
        _work = null;
        if (_failure is { } failure)
        {
            _failure = null;
            throw new AggregateException("a parallel kernel failed", failure);
        }
    }

    /// <summary>Claims the next chunk index for dynamic scheduling inside <see cref="ParallelWork.Execute"/>; −1 when exhausted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextChunk(int chunkCount)
    {
        int c = Interlocked.Increment(ref _chunkCounter) - 1;
        return c < chunkCount ? c : -1;
    }

    private void WorkerLoop(int index)
    {
        long seen = 0;
        while (true)
        {
            long gen;
            int spins = 0;
            while ((gen = Volatile.Read(ref _generation)) == seen)
            {
                if (_disposed) return;
                if (++spins < SpinIterations)
                {
                    Thread.SpinWait(8);
                }
                else
                {
                    _wake[index - 1].Wait(50);
                    spins = 0;
                }
            }
            seen = gen;
            if (_disposed) return;
            var work = _work;
            if (work != null && index < _activeThreads)
            {
                try { work.Execute(index, _activeThreads); }
                catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
                Interlocked.Decrement(ref _pending);
            }
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Interlocked.Increment(ref _generation);
        foreach (var s in _wake) s.Release();
        foreach (var t in _threads) t.Join(1000);
        foreach (var s in _wake) s.Dispose();
    }

    /// <summary>Splits [0, count) evenly: the half-open range owned by <paramref name="threadIndex"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int Start, int End) Split(int count, int threadIndex, int threadCount)
    {
        long start = (long)count * threadIndex / threadCount;
        long end = (long)count * (threadIndex + 1) / threadCount;
        return ((int)start, (int)end);
    }
}
