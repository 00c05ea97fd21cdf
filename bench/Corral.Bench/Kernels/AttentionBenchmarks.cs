using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Corral.Engine.Kernels;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;
using Perfolizer.Horology;
using System.Runtime.InteropServices;

namespace Corral.Bench.Kernels;

/// <summary>
/// Attention over one KV head group (Qwen2.5-0.5B: 7 query heads per KV head, head size 64) and a cache of
/// <see cref="Cells"/> cells: the decode flavour (one query position) and the prompt flavour (a block of 8 positions),
/// for each cache type. Run: <c>dotnet run -c Release --project bench/Corral.Bench -- --filter '*Attention*'</c>.
/// </summary>
[Config(typeof(Config))]
public unsafe class AttentionBenchmarks
{
    private const int HeadDim = 64, Group = 7, KvHeads = 2, Block = 8;
    private byte* _k, _v;
    private float* _q, _out, _scratch;
    private int* _first, _last;
    private AttentionShape _shape;
    private KvRows _keys, _values;

    [Params(512, 4096)]
    public int Cells { get; set; }

    [Params(GgmlType.F16, GgmlType.Q8_0)]
    public GgmlType CacheType { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(4);
        long rowBytes = GgmlTypeInfo.RowSize(CacheType, KvHeads * HeadDim);
        _k = (byte*)NativeMemory.AlignedAlloc((nuint)(Cells * rowBytes), 64);
        _v = (byte*)NativeMemory.AlignedAlloc((nuint)(Cells * rowBytes), 64);
        var row = new float[KvHeads * HeadDim];
        for (int c = 0; c < Cells; c++)
        {
            foreach (var target in new[] { (nint)_k, (nint)_v })
            {
                for (int i = 0; i < row.Length; i++) row[i] = rng.NextSingle() - 0.5f;
                var dst = new Span<byte>((byte*)target + c * rowBytes, (int)rowBytes);
                if (CacheType == GgmlType.F16) Fp16.FromSingle(row, MemoryMarshal.Cast<byte, ushort>(dst));
                else ActivationQuantizer.QuantizeRow(GgmlType.Q8_0, row, dst);
            }
        }
        _shape = new AttentionShape(HeadDim, HeadDim, Group, 0.125f, 0f);
        long headBytes = GgmlTypeInfo.RowSize(CacheType, HeadDim);
        _keys = new KvRows(CacheType, _k, rowBytes, headBytes);
        _values = new KvRows(CacheType, _v, rowBytes, headBytes);
        _q = (float*)NativeMemory.AlignedAlloc(Block * Group * HeadDim * sizeof(float), 64);
        for (int i = 0; i < Block * Group * HeadDim; i++) _q[i] = rng.NextSingle() - 0.5f;
        _out = (float*)NativeMemory.AlignedAlloc(Block * Group * HeadDim * sizeof(float), 64);
        _scratch = (float*)NativeMemory.AlignedAlloc((nuint)Attention.ScratchFloats(_shape, Block) * sizeof(float), 64);
        _first = (int*)NativeMemory.Alloc(Block * sizeof(int));
        _last = (int*)NativeMemory.Alloc(Block * sizeof(int));
        for (int t = 0; t < Block; t++) { _first[t] = 0; _last[t] = Cells - Block + t; }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_k); NativeMemory.AlignedFree(_v); NativeMemory.AlignedFree(_q);
        NativeMemory.AlignedFree(_out); NativeMemory.AlignedFree(_scratch);
        NativeMemory.Free(_first); NativeMemory.Free(_last);
    }

    /// <summary>One decode step of 7 query heads.</summary>
    [Benchmark]
    public void Decode() => Attention.DecodeGroup(_shape, _keys, _values, 1, _q, _out, 0, Cells - 1, _scratch);

    /// <summary>8 prompt positions × 7 query heads.</summary>
    [Benchmark]
    public void PromptBlock() =>
        Attention.PromptBlock(_shape, _keys, _values, 1, Block, _q, Group * HeadDim, _out, Group * HeadDim, _first, _last, _scratch);

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
