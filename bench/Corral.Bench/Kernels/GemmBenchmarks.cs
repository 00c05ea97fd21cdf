using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Corral.Engine.Kernels;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;
using Perfolizer.Horology;
using System.Runtime.InteropServices;

namespace Corral.Bench.Kernels;

/// <summary>
/// Single-threaded matrix–matrix tiles (<see cref="RowGemm.DotTile"/>) over 64 activation rows — prompt processing — for
/// the weight types and shapes prompts spend their time in (Qwen2.5-0.5B's FFN; Llama-3.2-1B's for K-quants), beside the
/// same product done token by token with the matrix–vector kernel. GMAC/s is multiply-adds per second.
/// Run: <c>dotnet run -c Release --project bench/Corral.Bench -- --filter '*Gemm*'</c>.
/// </summary>
[Config(typeof(Config))]
public unsafe class GemmBenchmarks
{
    private const int Tokens = 64;
    private GemvData? _data;
    private RowGemm? _gemm;
    private RowDot? _dot;
    private byte* _activations;
    private byte* _prepared;
    private float* _output;
    private int _aStride;

    public static IEnumerable<string> Cases() =>
    [
        "Q8_0 896x4864", "Q5_0 896x4864", "Q4_0 896x4864",
        "Q4_K 4864x896", "Q4_K 2048x8192", "Q5_K 4864x896", "Q6_K 4864x896", "Q6_K 8192x2048",
        "F16 896x4864",
    ];

    /// <summary>"TYPE KxROWS".</summary>
    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "Q8_0 896x4864";

    [Params(IsaLevel.Scalar, IsaLevel.Avx2, IsaLevel.Avx512)]
    public IsaLevel Isa { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var (type, k, rows) = GemvBenchmarks.Parse(Case);
        _data = new GemvData(type, k, rows);
        _gemm = RowGemmKernels.For(type, Isa);
        _dot = RowDotKernels.For(type, Isa);
        var vec = VecDot.TypeFor(type);
        _aStride = ActivationQuantizer.RowSize(vec, k);
        _activations = (byte*)NativeMemory.AlignedAlloc((nuint)(_aStride * Tokens), 64);
        var rng = new Random(3);
        var x = new float[k];
        for (int t = 0; t < Tokens; t++)
        {
            for (int i = 0; i < k; i++) x[i] = (rng.NextSingle() - 0.5f) * 4f;
            ActivationQuantizer.QuantizeRow(vec, x, new Span<byte>(_activations + t * _aStride, _aStride));
        }
        _prepared = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(64, _gemm.PreparedBytes(k, Tokens)), 64);
        _gemm.Prepare(_activations, _aStride, Tokens, k, _prepared, 0, Tokens);
        _output = (float*)NativeMemory.AlignedAlloc((nuint)(rows * Tokens * sizeof(float)), 64);
        Console.WriteLine($"// {Case} {Isa}: tile {_gemm.Name}, vector {_dot.Name}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _data?.Dispose();
        NativeMemory.AlignedFree(_activations);
        NativeMemory.AlignedFree(_prepared);
        NativeMemory.AlignedFree(_output);
    }

    /// <summary>The tiled product, in 24 KB row chunks as <see cref="MatMul"/> runs it.</summary>
    [Benchmark(Baseline = true)]
    public void Tiles()
    {
        var d = _data!;
        int chunk = (int)Math.Max(1, 24 * 1024 / d.RowBytes);
        for (int r = 0; r < d.Rows; r += chunk)
            _gemm!.DotTile(d.Weights + r * d.RowBytes, (nint)d.RowBytes, Math.Min(chunk, d.Rows - r), _activations, _aStride, _prepared, Tokens, d.K,
                _output + r, d.Rows);
    }

    /// <summary>The same product token by token through the matrix–vector kernel.</summary>
    [Benchmark]
    public void TokenByToken()
    {
        var d = _data!;
        for (int t = 0; t < Tokens; t++)
            _dot!.DotRows(d.Weights, (nint)d.RowBytes, _activations + t * _aStride, _output + t * d.Rows, d.Rows, d.K);
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
                .WithWarmupCount(2).WithIterationCount(15).WithIterationTime(TimeInterval.FromMilliseconds(100)));
            AddColumn(StatisticColumn.Min);
            AddColumn(new GmacColumn());
        }
    }

    /// <summary>Multiply-adds per second (10^9) in the fastest iteration: on a shared machine it says most about the kernel.</summary>
    private sealed class GmacColumn : IColumn
    {
        public string Id => "GMACs";
        public string ColumnName => "GMAC/s (min)";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Multiply-adds per second (10^9) in the fastest iteration";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats) return "-";
            var (_, k, rows) = GemvBenchmarks.Parse((string)benchmarkCase.Parameters["Case"]);
            return ((double)k * rows * Tokens / stats.Min).ToString("F1"); // per ns = 10^9 per s
        }
    }
}
