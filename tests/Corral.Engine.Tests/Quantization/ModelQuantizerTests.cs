using Corral.Engine.Gguf;
using Corral.Engine.Quantization;
using Corral.Engine.Tensors;
using Corral.Testing;

namespace Corral.Engine.Tests.Quantization;

/// <summary>The file pipeline: source checks, progress, cancellation, atomic output, float targets and threading.</summary>
public class ModelQuantizerTests
{
    private static readonly string LlamaTiny = RepoPaths.SharedFile("models", "llama-tiny-F16.gguf");

    /// <summary>Collects reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class Recorder(Action<QuantizeProgress>? onReport = null) : IProgress<QuantizeProgress>
    {
        public List<QuantizeProgress> Reports { get; } = [];

        public void Report(QuantizeProgress value)
        {
            Reports.Add(value);
            onReport?.Invoke(value);
        }
    }

    [Fact]
    public void RefusesAlreadyQuantizedModels()
    {
        using var dir = new TempDir();
        string output = dir.File("out.gguf");
        var e = Assert.Throws<QuantizationException>(() =>
            ModelQuantizer.Quantize(RepoPaths.SharedFile("models", "llama-tiny-Q8_0.gguf"), output, LlamaFileType.Q4_K_M));
        Assert.Equal("quantization is only supported for F16, BF16 and F32 models", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void RefusesUnsupportedTargetsAndMissingFiles()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<QuantizationException>(() => ModelQuantizer.Quantize(LlamaTiny, dir.File("o.gguf"), LlamaFileType.IQ2_XXS));
        Assert.Contains("supported types are", e.Message);
        Assert.Contains("Q4_K_M", e.Message);
        var missing = Assert.Throws<QuantizationException>(() => ModelQuantizer.Quantize(dir.File("nope.gguf"), dir.File("o.gguf"), LlamaFileType.Q8_0));
        Assert.Contains("nope.gguf", missing.Message);
        File.WriteAllText(dir.File("text.gguf"), "not a model at all");
        Assert.Throws<GgufFormatException>(() => ModelQuantizer.Quantize(dir.File("text.gguf"), dir.File("o.gguf"), LlamaFileType.Q8_0));
        Assert.Equal([dir.File("text.gguf")], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void ReportsProgressForEveryTensorInOrder()
    {
        using var dir = new TempDir();
        var recorder = new Recorder();
        var result = ModelQuantizer.Quantize(LlamaTiny, dir.File("o.gguf"), LlamaFileType.Q4_K_M, recorder, threads: 2);

        using var src = GgufFile.Open(LlamaTiny);
        var plan = QuantizationPlan.Create(src, LlamaFileType.Q4_K_M);
        var reports = recorder.Reports;
        Assert.Equal(plan.Tensors.Select(t => t.Name), reports.Select(r => r.TensorName).Distinct());
        Assert.All(reports, r => Assert.Equal(39, r.TensorCount));
        Assert.Equal(Enumerable.Range(0, 39), reports.Select(r => r.TensorIndex).Distinct());
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.Second.BytesDone >= p.First.BytesDone));
        var last = reports[^1];
        Assert.Equal(last.BytesTotal, last.BytesDone);
        Assert.Equal(1.0, last.Fraction);
        Assert.Equal(plan.SourceDataBytes, last.BytesTotal);
        var q6 = reports.Last(r => r.TensorName == "output.weight");
        Assert.Equal((GgmlType.F16, GgmlType.Q6_K), (q6.SourceType, q6.TargetType));
        Assert.Equal(q6.TensorBytes, q6.TensorBytesDone);

        Assert.Equal(39, result.TensorCount);
        Assert.Equal(30, result.ConvertedTensorCount); // the 9 norms are copied
        Assert.Equal(new FileInfo(dir.File("o.gguf")).Length, result.OutputBytes);
    }

    [Fact]
    public void CancellationLeavesNoFiles()
    {
        using var dir = new TempDir();
        string output = dir.File("o.gguf");
        using var cts = new CancellationTokenSource();
        var recorder = new Recorder(r => { if (r.TensorIndex == 3) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            ModelQuantizer.Quantize(LlamaTiny, output, LlamaFileType.Q4_K_M, recorder, threads: 2, cts.Token));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void ReplacesAnExistingOutputOnlyWhenDone()
    {
        using var dir = new TempDir();
        string output = dir.File("o.gguf");
        File.WriteAllText(output, "old");
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => ModelQuantizer.Quantize(LlamaTiny, output, LlamaFileType.Q8_0,
            new Recorder(_ => cts.Cancel()), threads: 1, cts.Token));
        Assert.Equal("old", File.ReadAllText(output));

        ModelQuantizer.Quantize(LlamaTiny, output, LlamaFileType.Q8_0, threads: 1);
        Assert.Equal(SyntheticModels.ExpectedSha256("llama-tiny-Q8_0.gguf"), SyntheticModels.Sha256File(output));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void RefusesNonFiniteWeights()
    {
        using var dir = new TempDir();
        string path = dir.File("nan.gguf");
        TestGguf.WriteLlama(path, layers: 1, weightType: GgmlType.F32,
            value: (name, i) => name == "blk.0.ffn_up.weight" && i == 300 ? float.NaN : 0.01f);
        var e = Assert.Throws<QuantizationException>(() => ModelQuantizer.Quantize(path, dir.File("o.gguf"), LlamaFileType.Q4_0, threads: 2));
        Assert.Equal("tensor 'blk.0.ffn_up.weight' has invalid data: row 1 contains NaN or infinity", e.Message);
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    /// <summary>Thread count and chunking must not change a single byte.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void OutputDoesNotDependOnThreads(int threads)
    {
        using var dir = new TempDir();
        string output = dir.File("o.gguf");
        ModelQuantizer.Quantize(LlamaTiny, output, LlamaFileType.Q4_K_M, threads: threads);
        Assert.Equal(SyntheticModels.ExpectedSha256("llama-tiny-Q4_K_M.gguf"), SyntheticModels.Sha256File(output));
    }

    /// <summary>
    /// F16 → F32 is exact, so quantizing the F32 file must give llama-quantize's Q8_0 of the F16 file: this checks
    /// the F32 target, the F32 source path and that re-planning drops and re-appends the file-type keys.
    /// </summary>
    [Fact]
    public void F32IntermediateGivesTheSameQ8_0()
    {
        using var dir = new TempDir();
        string f32 = dir.File("f32.gguf");
        ModelQuantizer.Quantize(LlamaTiny, f32, LlamaFileType.F32, threads: 2);
        using (var f = GgufFile.Open(f32))
        {
            Assert.All(f.Tensors, t => Assert.Equal(GgmlType.F32, t.Type));
            Assert.Equal(0, f.GetInt("general.file_type"));
        }
        string q8 = dir.File("q8.gguf");
        ModelQuantizer.Quantize(f32, q8, LlamaFileType.Q8_0, threads: 2);
        Assert.Equal(SyntheticModels.ExpectedSha256("llama-tiny-Q8_0.gguf"), SyntheticModels.Sha256File(q8));
    }

    [Fact]
    public void Bf16TargetAndSource()
    {
        using var dir = new TempDir();
        string bf16 = dir.File("bf16.gguf");
        ModelQuantizer.Quantize(LlamaTiny, bf16, LlamaFileType.BF16, threads: 2);
        using var src = GgufFile.Open(LlamaTiny);
        using (var f = GgufFile.Open(bf16))
        {
            foreach (var t in f.Tensors)
            {
                var s = src.FindTensor(t.Name)!;
                Assert.Equal(s.Shape.Length < 2 ? s.Type : GgmlType.BF16, t.Type);
                if (t.Type != GgmlType.BF16) continue;
                var x = TestDequantizer.Dequantize(s.Type, src.TensorData(s), (int)s.ElementCount);
                var y = TestDequantizer.Dequantize(t.Type, f.TensorData(t), (int)t.ElementCount);
                int wrong = 0;
                for (int i = 0; i < x.Length; i++)
                    if (FloatBits.SingleToBFloat16(x[i]) != BitConverter.SingleToUInt32Bits(y[i]) >> 16) wrong++;
                Assert.True(wrong == 0, $"{t.Name}: {wrong} values are not the BF16 rounding of the source");
            }
        }
        // A BF16 source quantizes too.
        string q4 = dir.File("q4.gguf");
        ModelQuantizer.Quantize(bf16, q4, LlamaFileType.Q4_K_M, threads: 2);
        using var q = GgufFile.Open(q4);
        Assert.Equal(GgmlType.Q6_K, q.FindTensor("output.weight")!.Type);
    }

    [Fact]
    public void F16TargetCopiesF16Weights()
    {
        using var dir = new TempDir();
        string output = dir.File("f16.gguf");
        var result = ModelQuantizer.Quantize(LlamaTiny, output, LlamaFileType.F16, threads: 2);
        Assert.Equal(0, result.ConvertedTensorCount);
        using var src = GgufFile.Open(LlamaTiny);
        using var f = GgufFile.Open(output);
        foreach (var t in f.Tensors)
            Assert.True(src.TensorData(src.FindTensor(t.Name)!).SequenceEqual(f.TensorData(t)), t.Name);
    }
}
