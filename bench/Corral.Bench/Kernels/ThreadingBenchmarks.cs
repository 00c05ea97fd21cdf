using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Corral.Engine.Threading;
using Perfolizer.Horology;

namespace Corral.Bench.Kernels;

/// <summary>
/// What one <see cref="WorkerPool.Run"/> costs with nothing to do in its chunks: the per-operation overhead decode pays
/// about 120 times per token. Run: <c>dotnet run -c Release --project bench/Corral.Bench -- --filter '*Threading*'</c>.
/// </summary>
[Config(typeof(Config))]
public class ThreadingBenchmarks
{
    private WorkerPool? _pool;
    private readonly Empty _work = new();

    [Params(1, 2)]
    public int Threads { get; set; }

    [Params(1, 16)]
    public int Chunks { get; set; }

    [GlobalSetup]
    public void Setup() => _pool = new WorkerPool(Threads);

    [GlobalCleanup]
    public void Cleanup() => _pool?.Dispose();

    [Benchmark]
    public void Dispatch() => _pool!.Run(_work, Chunks);

    private sealed class Empty : ParallelWork
    {
        public override void Execute(int chunk, int threadIndex) { }
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
                .WithWarmupCount(2).WithIterationCount(15).WithIterationTime(TimeInterval.FromMilliseconds(50)));
            AddColumn(StatisticColumn.Min);
        }
    }
}
