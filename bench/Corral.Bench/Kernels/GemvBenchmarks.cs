using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Corral.Engine.Kernels;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Bench.Kernels;

/// <summary>
/// Single-threaded matrix–vector products (one activation row against every weight row) through
/// <see cref="RowDot.DotRows"/>, for the weight types and shapes decode spends its time in. Shapes are K×rows:
/// Qwen2.5-0.5B's FFN up/gate (896×4864), down (4864×896) and tied output (896×151936); K-quants need K % 256 = 0,
/// so they also run Llama-3.2-1B's FFN shapes. The GB/s column is weight bytes streamed per second.
/// Run: <c>dotnet run -c Release --project bench/Corral.Bench -- --filter '*Gemv*'</c>.
/// </summary>
[Config(typeof(Config))]
public unsafe class GemvBenchmarks
{
    private GemvData? _data;
    private RowDot? _kernel;

    public static IEnumerable<string> Cases()
    {
        string[] small = ["896x4864", "4864x896", "896x151936"];
        string[] kShapes = ["4864x896", "2048x8192", "8192x2048"];
        foreach (var s in small) yield return $"Q8_0 {s}";
        foreach (var s in small) yield return $"Q5_0 {s}";
        foreach (var s in small) yield return $"Q4_0 {s}";
        foreach (var s in kShapes) yield return $"Q4_K {s}";
        foreach (var s in kShapes) yield return $"Q6_K {s}";
        foreach (var s in kShapes) yield return $"Q5_K {s}";
        yield return "F16 896x4864";
        yield return "F32 896x4864";
    }

    /// <summary>"TYPE KxROWS".</summary>
    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "Q8_0 896x4864";

    [Params(IsaLevel.Avx2, IsaLevel.Avx512)]
    public IsaLevel Isa { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var (type, k, rows) = Parse(Case);
        _data = new GemvData(type, k, rows);
        // The tier's own kernel (at AVX2 the factory's pick, AVX-VNNI where present), so both tiers are measured even
        // where the factory prefers one of them for both.
        _kernel = RowDotKernels.All(type).FirstOrDefault(k => k.Isa == Isa && Isa != IsaLevel.Avx2) ?? RowDotKernels.For(type, Isa);
        Console.WriteLine($"// {Case} {Isa}: kernel {_kernel.Name}, default {RowDotKernels.For(type).Name}");
    }

    [GlobalCleanup]
    public void Cleanup() => _data?.Dispose();

    [Benchmark]
    public void Gemv()
    {
        var d = _data!;
        _kernel!.DotRows(d.Weights, (nint)d.RowBytes, d.Activations, d.Output, d.Rows, d.K);
    }

    internal static (GgmlType Type, int K, int Rows) Parse(string c)
    {
        var parts = c.Split(' ', 'x');
        return (Enum.Parse<GgmlType>(parts[0]), int.Parse(parts[1]), int.Parse(parts[2]));
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // In-process keeps the run short on shared machines; the kernels are AggressiveOptimization methods, so
            // tiering settings do not change their code.
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
                .WithWarmupCount(3).WithIterationCount(40).WithIterationTime(TimeInterval.FromMilliseconds(25)));
            // On a shared machine the fastest iteration says more about the kernel than the mean.
            AddColumn(StatisticColumn.Min);
            AddColumn(new GigabytesPerSecondColumn(best: false), new GigabytesPerSecondColumn(best: true));
        }
    }

    /// <summary>Weight bytes per second from the mean time, or from the fastest iteration.</summary>
    private sealed class GigabytesPerSecondColumn(bool best) : IColumn
    {
        public string Id => best ? "GBpsBest" : "GBps";
        public string ColumnName => best ? "GB/s (min)" : "GB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => best ? "Weight bytes per second (10^9) in the fastest iteration" : "Weight bytes streamed per second (10^9), mean";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats) return "-";
            var (type, k, rows) = Parse((string)benchmarkCase.Parameters["Case"]);
            double bytes = GgmlTypeInfo.RowSize(type, k) * (double)rows;
            return (bytes / (best ? stats.Min : stats.Mean)).ToString("F1"); // bytes per ns = GB/s
        }
    }
}
