using Corral.Engine.Gguf;
using Corral.Engine.Quantization;
using Corral.Engine.Tensors;
using Corral.Testing;

namespace Corral.Engine.Tests.Quantization;

/// <summary>File-type names and llama-quantize's per-tensor type choices (engine.md §2.8).</summary>
public class FileTypeMixTests
{
    [Theory]
    [InlineData("q8_0", LlamaFileType.Q8_0, 7)]
    [InlineData("Q4_0", LlamaFileType.Q4_0, 2)]
    [InlineData("q4_1", LlamaFileType.Q4_1, 3)]
    [InlineData("q5_0", LlamaFileType.Q5_0, 8)]
    [InlineData("q5_1", LlamaFileType.Q5_1, 9)]
    [InlineData("q2_K", LlamaFileType.Q2_K, 10)]
    [InlineData("q3_K_S", LlamaFileType.Q3_K_S, 11)]
    [InlineData("q3_k_m", LlamaFileType.Q3_K_M, 12)]
    [InlineData("Q3_K_L", LlamaFileType.Q3_K_L, 13)]
    [InlineData("q4_K_S", LlamaFileType.Q4_K_S, 14)]
    [InlineData("q4_K_M", LlamaFileType.Q4_K_M, 15)]
    [InlineData("q4_K", LlamaFileType.Q4_K_M, 15)]
    [InlineData("q5_K_S", LlamaFileType.Q5_K_S, 16)]
    [InlineData("q5_K_M", LlamaFileType.Q5_K_M, 17)]
    [InlineData("q6_K", LlamaFileType.Q6_K, 18)]
    [InlineData("iq4_nl", LlamaFileType.IQ4_NL, 25)]
    [InlineData("IQ4_XS", LlamaFileType.IQ4_XS, 30)]
    [InlineData("f16", LlamaFileType.F16, 1)]
    [InlineData("bf16", LlamaFileType.BF16, 32)]
    [InlineData("F32", LlamaFileType.F32, 0)]
    public void ParsesOllamaNamesCaseInsensitively(string name, LlamaFileType expected, uint id)
    {
        Assert.Equal(expected, LlamaFileTypes.Parse(name));
        Assert.Equal(id, (uint)expected);
        Assert.Equal(expected, LlamaFileTypes.Parse(LlamaFileTypes.Name(expected)));
    }

    [Theory]
    [InlineData("q9_0")]
    [InlineData("iq2_xxs")]
    [InlineData("")]
    public void UnsupportedNamesListTheSupportedOnes(string name)
    {
        Assert.False(LlamaFileTypes.TryParse(name, out _));
        var e = Assert.Throws<QuantizationException>(() => LlamaFileTypes.Parse(name));
        Assert.StartsWith($"unsupported quantization type {name.ToUpperInvariant()} - supported types are ", e.Message);
        foreach (var t in LlamaFileTypes.SupportedTargets) Assert.Contains(LlamaFileTypes.Name(t), e.Message);
    }

    public static TheoryData<string, string> StoredReferences => new()
    {
        { "llama-tiny-F16.gguf", "llama-tiny-Q8_0.gguf" }, { "llama-tiny-F16.gguf", "llama-tiny-Q4_0.gguf" },
        { "llama-tiny-F16.gguf", "llama-tiny-Q4_1.gguf" }, { "llama-tiny-F16.gguf", "llama-tiny-Q5_0.gguf" },
        { "llama-tiny-F16.gguf", "llama-tiny-Q5_1.gguf" }, { "llama-tiny-F16.gguf", "llama-tiny-Q2_K.gguf" },
        { "llama-tiny-F16.gguf", "llama-tiny-Q3_K_M.gguf" }, { "llama-tiny-F16.gguf", "llama-tiny-Q4_K_S.gguf" },
        { "llama-tiny-F16.gguf", "llama-tiny-Q4_K_M.gguf" }, { "llama-tiny-F16.gguf", "llama-tiny-Q5_K_M.gguf" },
        { "llama-tiny-F16.gguf", "llama-tiny-Q6_K.gguf" }, { "llama-tiny-F16.gguf", "llama-tiny-IQ4_NL.gguf" },
        { "stories260K.gguf", "stories260K-Q8_0.gguf" }, { "stories260K.gguf", "stories260K-Q4_0.gguf" },
    };

    /// <summary>The plan alone (no data) reproduces the reference files' metadata and tensor table.</summary>
    [Theory]
    [MemberData(nameof(StoredReferences))]
    public void PlanMatchesStoredReference(string sourceName, string referenceName)
    {
        using var source = GgufFile.Open(RepoPaths.SharedFile("models", sourceName));
        using var reference = GgufFile.Open(RepoPaths.SharedFile("models", referenceName));
        var fileType = (LlamaFileType)reference.GetInt("general.file_type", -1);
        var plan = QuantizationPlan.Create(source, fileType);

        Assert.Equal(reference.MetadataList.Select(kv => (kv.Key, kv.Value.Type, kv.Value.ToString())),
            plan.Metadata.Select(kv => (kv.Key, kv.Value.Type, kv.Value.ToString())));
        Assert.Equal(reference.Tensors.Select(t => (t.Name, GgmlTypeInfo.Name(t.Type), string.Join(",", t.Shape))),
            plan.Tensors.Select(t => (t.Name, GgmlTypeInfo.Name(t.Output.Type), string.Join(",", t.Output.Shape))));
    }

    private static Dictionary<string, GgmlType> Types(QuantizationPlan plan) => plan.Tensors.ToDictionary(t => t.Name, t => t.Output.Type);

    private static QuantizationPlan Plan(string path, LlamaFileType type)
    {
        using var f = GgufFile.Open(path);
        return QuantizationPlan.Create(f, type);
    }

    /// <summary>Expected type of each llama-tiny tensor for mixes without a stored reference.</summary>
    [Theory]
    [InlineData(LlamaFileType.Q3_K_S, "Q3_K", "Q3_K", "Q3_K", "Q3_K")]
    [InlineData(LlamaFileType.Q3_K_L, "Q3_K", "Q5_K", "Q5_K", "Q5_K")]
    [InlineData(LlamaFileType.Q5_K_S, "Q5_K", "Q5_K", "Q5_K", "Q5_K")]
    [InlineData(LlamaFileType.IQ4_XS, "IQ4_XS", "IQ4_XS", "IQ4_XS", "IQ4_XS")]
    public void LlamaTinyMixes(LlamaFileType fileType, string baseType, string attnV, string ffnDown, string attnOutput)
    {
        var types = Types(Plan(RepoPaths.SharedFile("models", "llama-tiny-F16.gguf"), fileType));
        foreach (var (name, type) in types)
        {
            string expected =
                name == "output.weight" ? "Q6_K" :
                name.EndsWith("_norm.weight", StringComparison.Ordinal) ? "F32" :
                name.Contains("attn_v") ? attnV :
                name.Contains("ffn_down") ? ffnDown :
                name.Contains("attn_output") ? attnOutput : baseType;
            Assert.True(expected == GgmlTypeInfo.Name(type), $"{fileType} {name}: expected {expected}, got {GgmlTypeInfo.Name(type)}");
        }
    }

    /// <summary>qwen2-tiny: 4-way GQA sends attn_v to Q5_K for IQ4 mixes, and the tied embedding takes the output rule.</summary>
    [Fact]
    public void Qwen2TinyIq4XsMix()
    {
        var plan = Plan(SyntheticModels.Get("qwen2-tiny-F16"), LlamaFileType.IQ4_XS);
        Assert.True(plan.TiedEmbeddings);
        foreach (var t in plan.Tensors)
        {
            var expected =
                t.Name == "token_embd.weight" ? GgmlType.Q6_K :
                t.Source.Shape.Length < 2 ? t.Source.Type :
                t.Name.Contains("attn_v") ? GgmlType.Q5_K : GgmlType.IQ4_XS;
            Assert.True(expected == t.Output.Type, $"{t.Name}: expected {expected}, got {t.Output.Type}");
        }
    }

    /// <summary>24 layers exercise more_bits, the n/8 and n/16 thresholds and block-number ordering (blk.10 after blk.9).</summary>
    [Fact]
    public void LayerCountersFollowMoreBits()
    {
        using var dir = new TempDir();
        string path = dir.File("l24.gguf");
        TestGguf.WriteLlama(path, layers: 24, value: (_, _) => 0f);

        int[] moreBits = [0, 1, 2, 5, 8, 11, 14, 17, 20, 21, 22, 23];
        var q4km = Types(Plan(path, LlamaFileType.Q4_K_M));
        var q3km = Types(Plan(path, LlamaFileType.Q3_K_M));
        var q4ks = Types(Plan(path, LlamaFileType.Q4_K_S));
        var q5km = Types(Plan(path, LlamaFileType.Q5_K_M));
        for (int i = 0; i < 24; i++)
        {
            var bump = moreBits.Contains(i);
            Assert.Equal(bump ? GgmlType.Q6_K : GgmlType.Q4_K, q4km[$"blk.{i}.attn_v.weight"]);
            Assert.Equal(bump ? GgmlType.Q6_K : GgmlType.Q4_K, q4km[$"blk.{i}.ffn_down.weight"]);
            Assert.Equal(bump ? GgmlType.Q6_K : GgmlType.Q5_K, q5km[$"blk.{i}.ffn_down.weight"]);
            Assert.Equal(GgmlType.Q4_K, q4km[$"blk.{i}.attn_q.weight"]);

            Assert.Equal(i < 2 ? GgmlType.Q5_K : GgmlType.Q4_K, q3km[$"blk.{i}.attn_v.weight"]);
            Assert.Equal(i < 1 ? GgmlType.Q5_K : GgmlType.Q4_K, q3km[$"blk.{i}.ffn_down.weight"]);
            Assert.Equal(GgmlType.Q4_K, q3km[$"blk.{i}.attn_output.weight"]);
            Assert.Equal(GgmlType.Q3_K, q3km[$"blk.{i}.ffn_up.weight"]);

            Assert.Equal(i < 4 ? GgmlType.Q5_K : GgmlType.Q4_K, q4ks[$"blk.{i}.attn_v.weight"]);
            Assert.Equal(i < 3 ? GgmlType.Q5_K : GgmlType.Q4_K, q4ks[$"blk.{i}.ffn_down.weight"]);
        }

        var order = Plan(path, LlamaFileType.Q8_0).Tensors.Select(t => t.Name).ToList();
        Assert.Equal(["output.weight", "output_norm.weight", "token_embd.weight", "blk.0.attn_k.weight"], order.Take(4));
        Assert.True(order.IndexOf("blk.9.ffn_up.weight") < order.IndexOf("blk.10.attn_k.weight"));
        Assert.Equal("blk.23.ffn_up.weight", order[^1]);
    }

    [Fact]
    public void TiedEmbeddingsAndGqaRules()
    {
        using var dir = new TempDir();
        string path = dir.File("tied.gguf");
        TestGguf.WriteLlama(path, layers: 16, tied: true, nHead: 8, nHeadKv: 2, value: (_, _) => 0f);

        var q4km = Types(Plan(path, LlamaFileType.Q4_K_M));
        Assert.Equal(GgmlType.Q6_K, q4km["token_embd.weight"]);
        var q8 = Types(Plan(path, LlamaFileType.Q8_0));
        Assert.Equal(GgmlType.Q8_0, q8["token_embd.weight"]);

        var iq4 = Types(Plan(path, LlamaFileType.IQ4_NL));
        var q2k = Types(Plan(path, LlamaFileType.Q2_K));
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(GgmlType.Q5_K, iq4[$"blk.{i}.attn_v.weight"]);                                     // gqa 4
            Assert.Equal(i < 2 ? GgmlType.Q5_K : GgmlType.IQ4_NL, iq4[$"blk.{i}.ffn_down.weight"]);          // i < n/8
            Assert.Equal(GgmlType.Q4_K, q2k[$"blk.{i}.attn_v.weight"]);                                      // gqa ≥ 4
            Assert.Equal(GgmlType.Q3_K, q2k[$"blk.{i}.ffn_down.weight"]);
            Assert.Equal(GgmlType.Q3_K, q2k[$"blk.{i}.attn_output.weight"]);
            Assert.Equal(GgmlType.Q2_K, q2k[$"blk.{i}.attn_q.weight"]);
        }
    }

    /// <summary>Rows that do not divide the block size fall back (Q4_K→Q5_0, Q6_K→Q8_0, IQ4_XS→IQ4_NL, else F16).</summary>
    [Fact]
    public void FallbacksForNarrowRows()
    {
        var plan = Plan(RepoPaths.SharedFile("models", "stories260K.gguf"), LlamaFileType.Q4_K_M);
        var types = Types(plan);
        Assert.Equal(GgmlType.Q8_0, types["output.weight"]);          // Q6_K, 64 % 256 ≠ 0
        Assert.Equal(GgmlType.Q5_0, types["blk.0.attn_q.weight"]);    // Q4_K
        Assert.Equal(GgmlType.Q5_0, types["blk.0.attn_v.weight"]);    // Q4_K (5 layers: more_bits are 2 and 4)
        Assert.Equal(GgmlType.Q8_0, types["blk.4.attn_v.weight"]);    // Q6_K on a more_bits layer
        Assert.Equal(GgmlType.F16, types["blk.0.ffn_down.weight"]);   // 172 fits no block
        Assert.True(plan.FallbackCount > 0);

        var xs = Types(Plan(RepoPaths.SharedFile("models", "stories260K.gguf"), LlamaFileType.IQ4_XS));
        Assert.Equal(GgmlType.IQ4_NL, xs["blk.0.attn_q.weight"]);
        Assert.Equal(GgmlType.F16, xs["blk.0.ffn_down.weight"]);
    }

    /// <summary>Mixes without a golden file: quantize llama-tiny, then check every tensor's type and accuracy against the source.</summary>
    [Theory]
    [InlineData(LlamaFileType.Q3_K_S, 0.2)]
    [InlineData(LlamaFileType.Q3_K_L, 0.2)]
    [InlineData(LlamaFileType.Q5_K_S, 0.05)]
    [InlineData(LlamaFileType.IQ4_XS, 0.1)]
    public void UngoldenedMixesRoundTrip(LlamaFileType fileType, double bound)
    {
        using var dir = new TempDir();
        string source = RepoPaths.SharedFile("models", "llama-tiny-F16.gguf");
        string output = dir.File("out.gguf");
        ModelQuantizer.Quantize(source, output, fileType, threads: 2);

        using var src = GgufFile.Open(source);
        using var dst = GgufFile.Open(output);
        var plan = QuantizationPlan.Create(src, fileType);
        Assert.Equal((long)fileType, dst.GetInt("general.file_type"));
        Assert.Equal(2, dst.GetInt("general.quantization_version"));
        Assert.Equal(plan.Tensors.Select(t => (t.Name, t.Output.Type)), dst.Tensors.Select(t => (t.Name, t.Type)));
        foreach (var t in dst.Tensors)
        {
            var s = src.FindTensor(t.Name)!;
            int n = (int)s.ElementCount;
            var x = TestDequantizer.Dequantize(s.Type, src.TensorData(s), n);
            var y = TestDequantizer.Dequantize(t.Type, dst.TensorData(t), n);
            double err = 0, norm = 0;
            for (int i = 0; i < n; i++) { err += (x[i] - y[i]) * (double)(x[i] - y[i]); norm += x[i] * (double)x[i]; }
            double rel = Math.Sqrt(err / norm);
            Assert.True(rel <= bound, $"{fileType} {t.Name} ({t.Type}): relative RMS error {rel:G4} > {bound}");
        }
    }
}
