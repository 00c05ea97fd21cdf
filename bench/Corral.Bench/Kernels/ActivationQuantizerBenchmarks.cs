using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Corral.Engine.Kernels;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Bench.Kernels;

/// <summary>Runtime activation quantization of one row, per tier (done once per matrix product, before the dots).</summary>
[Config(typeof(Config))]
public class ActivationQuantizerBenchmarks
{
    private float[] _x = [];
    private byte[] _dst = [];

    [Params(GgmlType.Q8_0, GgmlType.Q8_K, GgmlType.F16)]
    public GgmlType Type { get; set; }

    [Params(4864)]
    public int N { get; set; }

    [Params(IsaLevel.Scalar, IsaLevel.Avx2, IsaLevel.Avx512)]
    public IsaLevel Isa { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(2);
        _x = new float[N];
        for (int i = 0; i < N; i++) _x[i] = (rng.NextSingle() - 0.5f) * 8f;
        _dst = new byte[ActivationQuantizer.RowSize(Type, N)];
    }

    [Benchmark]
    public void QuantizeRow() => ActivationQuantizer.QuantizeRow(Type, _x, _dst, Isa);

    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(3).WithIterationCount(10).WithIterationTime(TimeInterval.FromMilliseconds(100)));
    }
}
