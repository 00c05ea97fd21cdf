using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Corral.Engine.Kernels;
using Perfolizer.Horology;

namespace Corral.Bench.Kernels;

/// <summary>The element-wise steps between matrix products, per token of Qwen2.5-0.5B (896 wide, FFN 4864).</summary>
[Config(typeof(Config))]
public class ElementwiseBenchmarks
{
    private float[] _x = [], _w = [], _y = [], _gate = [], _up = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(5);
        _x = Enumerable.Range(0, 896).Select(_ => rng.NextSingle() - 0.5f).ToArray();
        _w = Enumerable.Range(0, 896).Select(_ => rng.NextSingle() + 0.5f).ToArray();
        _y = new float[896];
        _gate = Enumerable.Range(0, 4864).Select(_ => (rng.NextSingle() - 0.5f) * 8).ToArray();
        _up = Enumerable.Range(0, 4864).Select(_ => rng.NextSingle() - 0.5f).ToArray();
    }

    [Benchmark]
    public void RmsNorm896() => RmsNorm.Apply(_x, _w, _y, 1e-6f);

    [Benchmark]
    public void SwiGlu4864()
    {
        var g = _gate.AsSpan();
        Activations.SwiGlu(g, _up);
        g.Fill(0.5f); // keep the input bounded across iterations
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
