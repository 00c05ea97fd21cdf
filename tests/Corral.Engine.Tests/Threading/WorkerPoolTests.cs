using Corral.Engine.Threading;

namespace Corral.Engine.Tests.Threading;

public class WorkerPoolTests
{
    private sealed class Counting(int chunks) : ParallelWork
    {
        public readonly int[] Hits = new int[chunks];
        public readonly int[] Threads = new int[chunks];

        public override void Execute(int chunk, int threadIndex)
        {
            Interlocked.Increment(ref Hits[chunk]);
            Threads[chunk] = threadIndex;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void EveryChunkRunsExactlyOnce(int threads)
    {
        using var pool = new WorkerPool(threads);
        var rng = new Random(7);
        for (int run = 0; run < 3000; run++)
        {
            int chunks = rng.Next(1, 40);
            var work = new Counting(chunks);
            pool.Run(work, chunks, rng.Next(1, 5));
            Assert.All(work.Hits, h => Assert.Equal(1, h));
            Assert.All(work.Threads, t => Assert.InRange(t, 0, threads - 1));
        }
    }

    [Fact]
    public void WorkersThatSleptStillHelp()
    {
        using var pool = new WorkerPool(2);
        var seen = new bool[2];
        for (int run = 0; run < 20 && !seen[1]; run++)
        {
            Thread.Sleep(5); // long enough for the worker to stop spinning and sleep
            var work = new SlowChunks(seen);
            pool.Run(work, 64);
        }
        Assert.True(seen[0]);
        Assert.True(seen[1], "the worker never took a chunk after sleeping");
    }

    private sealed class SlowChunks(bool[] seen) : ParallelWork
    {
        public override void Execute(int chunk, int threadIndex)
        {
            seen[threadIndex] = true;
            Thread.SpinWait(20_000);
        }
    }

    [Fact]
    public void AFailingChunkSurfacesOnTheCaller()
    {
        using var pool = new WorkerPool(2);
        var e = Assert.Throws<AggregateException>(() => pool.Run(new Failing(), 16));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        // The pool keeps working afterwards.
        var work = new Counting(10);
        pool.Run(work, 10);
        Assert.All(work.Hits, h => Assert.Equal(1, h));
    }

    private sealed class Failing : ParallelWork
    {
        public override void Execute(int chunk, int threadIndex)
        {
            if (chunk == 5) throw new InvalidOperationException("chunk 5 failed");
        }
    }

    [Fact]
    public void DefaultThreadCountIsAtLeastOne() => Assert.InRange(WorkerPool.DefaultThreadCount(), 1, Environment.ProcessorCount);
}
