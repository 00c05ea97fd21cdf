using Corral.Engine.Gguf;
using Corral.Engine.Inference;
using Corral.Engine.Kernels;
using Corral.Engine.Models;
using Corral.Engine.Threading;
using Corral.Testing;

namespace Corral.Engine.Tests.Models;

/// <summary>The load-time rules each architecture file applies (engine.md §4), checked on tiny handmade files.</summary>
public class ArchitectureRulesTests : IDisposable
{
    private readonly TempDir _dir = new();
    private int _files;

    public void Dispose() => _dir.Dispose();

    private Model Load(TinyModelFile file, int contextLength = 512) =>
        Model.Load(file.Write(_dir.File($"m{_files++}.gguf")), new ModelLoadOptions { ContextLength = contextLength });

    private static float InvSqrt(int d) => 1.0f / MathF.Sqrt(d);

    [Fact]
    public void UnsupportedArchitectureFailsAtLoadNamingIt()
    {
        var e = Assert.Throws<ModelLoadException>(() => Load(new TinyModelFile { Architecture = "mamba" }));
        Assert.Contains("'mamba'", e.Message);
        Assert.Contains("qwen2", e.Message); // the message lists what is supported
    }

    public static TheoryData<string> Architectures => new() { "llama", "mistral", "mistral3", "qwen2", "qwen3", "gemma", "gemma2", "gemma3", "phi3" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void EveryArchitectureLoadsAndProducesFiniteLogits(string arch)
    {
        var file = new TinyModelFile
        {
            Architecture = arch,
            QkNorms = arch is "qwen3" or "gemma3",
            FusedQkv = arch == "phi3",
            FusedGateUp = arch == "phi3",
        };
        if (arch == "gemma3") file.With("attention.sliding_window", GgufValue.Of(2u));
        using var model = Load(file);
        using var pool = new WorkerPool(1);
        using var cache = new KvCache(model.Hyperparameters, 16, 1);
        var fp = new ForwardPass(model, cache, pool, 8);
        var logits = new float[TinyModelFile.Vocab];
        fp.Evaluate([new BatchEntry(1, 0, 0, false), new BatchEntry(5, 1, 0, false), new BatchEntry(7, 2, 0, true)], logits);
        Assert.All(logits, v => Assert.True(float.IsFinite(v)));
        Assert.Contains(logits, v => v != 0f);
    }

    [Fact]
    public void LlamaIsNormalRopeWithKqScaleAndQwenIsNeox()
    {
        using var llama = Load(new TinyModelFile { Architecture = "llama" });
        Assert.Equal(RopeMode.Normal, llama.Spec.Rope[0].Mode);
        Assert.Equal(InvSqrt(TinyModelFile.HeadDim), llama.Spec.KqScale);
        Assert.Equal(1f, llama.Spec.QueryScale);
        Assert.All(llama.Spec.SlidingWindow, w => Assert.Equal(0, w));

        using var qwen = Load(new TinyModelFile { Architecture = "qwen2" });
        Assert.Equal(RopeMode.Neox, qwen.Spec.Rope[0].Mode);
        Assert.Equal(InvSqrt(TinyModelFile.HeadDim), qwen.Spec.KqScale);
    }

    [Fact]
    public void MistralSlidingWindowIsIgnoredUnderLlama()
    {
        using var model = Load(new TinyModelFile { Architecture = "llama" }.With("attention.sliding_window", GgufValue.Of(4u)));
        Assert.All(model.Spec.SlidingWindow, w => Assert.Equal(0, w));
    }

    [Fact]
    public void LlamaRequiresRopeOverTheWholeHead()
    {
        var e = Assert.Throws<ModelLoadException>(() => Load(new TinyModelFile { Architecture = "llama" }.With("rope.dimension_count", GgufValue.Of(4u))));
        Assert.Contains("rope.dimension_count", e.Message);
    }

    [Fact]
    public void OnlyQwen2LoadsOutputBias()
    {
        using var qwen = Load(new TinyModelFile { Architecture = "qwen2", OutputBias = true });
        Assert.NotNull(qwen.Weights.OutputBias);
        using var phi = Load(new TinyModelFile { Architecture = "phi3", OutputBias = true });
        Assert.Null(phi.Weights.OutputBias);
    }

    [Theory]
    [InlineData("gemma")]
    [InlineData("gemma2")]
    public void GemmaAndGemma2AlwaysTieTheOutput(string arch)
    {
        using var model = Load(new TinyModelFile { Architecture = arch, OutputWeight = true });
        Assert.Same(model.Weights.TokenEmbedding, model.Weights.Output);
        Assert.Equal(MathF.Sqrt(TinyModelFile.Embd), model.Spec.EmbeddingScale);
        Assert.Equal(FeedForwardActivation.GeGlu, model.Spec.Activation);
        Assert.Equal(1f, model.Spec.KqScale);
    }

    [Fact]
    public void Gemma3TiesOnlyWithoutOutputWeight()
    {
        using var own = Load(new TinyModelFile { Architecture = "gemma3", QkNorms = true, OutputWeight = true });
        Assert.NotSame(own.Weights.TokenEmbedding, own.Weights.Output);
        using var tied = Load(new TinyModelFile { Architecture = "gemma3", QkNorms = true, OutputWeight = false });
        Assert.Same(tied.Weights.TokenEmbedding, tied.Weights.Output);
    }

    [Fact]
    public void Gemma2DefaultsAreEvenLocalLayersWindow4096AndSoftcaps50And30()
    {
        using var model = Load(new TinyModelFile { Architecture = "gemma2", Layers = 4 }.With("rope.freq_base", GgufValue.Of(20000f)));
        var s = model.Spec;
        Assert.Equal([4096, 0, 4096, 0], s.SlidingWindow);
        Assert.Equal(50f, s.AttnSoftcap);
        Assert.Equal(30f, s.FinalSoftcap);
        Assert.All(s.Rope, r => Assert.Equal(20000f, r.FreqBase)); // freq_base_swa defaults to freq_base
        Assert.Equal(InvSqrt(TinyModelFile.HeadDim), s.QueryScale);
    }

    [Fact]
    public void Gemma2ReadsWindowSoftcapsAndLocalBaseFromTheFile()
    {
        using var model = Load(new TinyModelFile { Architecture = "gemma2", Layers = 2 }
            .With("attention.sliding_window", GgufValue.Of(16u))
            .With("attn_logit_softcapping", GgufValue.Of(40f))
            .With("final_logit_softcapping", GgufValue.Of(20f))
            .With("rope.freq_base", GgufValue.Of(20000f))
            .With("rope.freq_base_swa", GgufValue.Of(5000f)));
        var s = model.Spec;
        Assert.Equal([16, 0], s.SlidingWindow);
        Assert.Equal((40f, 20f), (s.AttnSoftcap, s.FinalSoftcap));
        Assert.Equal(5000f, s.Rope[0].FreqBase);
        Assert.Equal(20000f, s.Rope[1].FreqBase);
    }

    [Theory]
    [InlineData("gemma2", 46)]
    [InlineData("gemma3", 62)]
    public void TwentySevenBQueryScaleUsesEmbeddingPerHead(string arch, int layersOf27B)
    {
        // key_length 16 ≠ n_embd / n_head = 8, so the two rules give different scales.
        var file = new TinyModelFile { Architecture = arch, Layers = layersOf27B, KeyLength = 16, QkNorms = arch == "gemma3" };
        using var big = Load(file);
        Assert.Equal(InvSqrt(TinyModelFile.Embd / TinyModelFile.Heads), big.Spec.QueryScale);
        using var small = Load(new TinyModelFile { Architecture = arch, Layers = 4, KeyLength = 16, QkNorms = arch == "gemma3" });
        Assert.Equal(InvSqrt(16), small.Spec.QueryScale);
    }

    [Fact]
    public void SlidingWindowPatternPeriodOverridesTheDefault()
    {
        using var model = Load(new TinyModelFile { Architecture = "gemma2", Layers = 6 }
            .With("attention.sliding_window", GgufValue.Of(8u))
            .With("attention.sliding_window_pattern", GgufValue.Of(3u)));
        Assert.Equal([8, 8, 0, 8, 8, 0], model.Spec.SlidingWindow);
    }

    [Fact]
    public void SlidingWindowPatternPeriodZeroMakesEveryLayerLocal()
    {
        using var model = Load(new TinyModelFile { Architecture = "gemma2", Layers = 3 }
            .With("attention.sliding_window", GgufValue.Of(8u))
            .With("attention.sliding_window_pattern", GgufValue.Of(0u)));
        Assert.Equal([8, 8, 8], model.Spec.SlidingWindow);
    }

    [Fact]
    public void SlidingWindowPatternAsPerLayerFlags()
    {
        using var model = Load(new TinyModelFile { Architecture = "gemma3", Layers = 4, QkNorms = true }
            .With("attention.sliding_window", GgufValue.Of(8u))
            .With("attention.sliding_window_pattern", new GgufValue(GgufValueType.Array, new[] { false, true, true, false }, GgufValueType.Bool)));
        Assert.Equal([0, 8, 8, 0], model.Spec.SlidingWindow);
        Assert.Equal(10000f, model.Spec.Rope[1].FreqBase);
    }

    [Fact]
    public void SlidingWindowFlagsOfTheWrongLengthFailTheLoad()
    {
        var e = Assert.Throws<ModelLoadException>(() => Load(new TinyModelFile { Architecture = "gemma3", Layers = 4, QkNorms = true }
            .With("attention.sliding_window", GgufValue.Of(8u))
            .With("attention.sliding_window_pattern", new GgufValue(GgufValueType.Array, new[] { true, false }, GgufValueType.Bool))));
        Assert.Contains("sliding_window_pattern", e.Message);
        Assert.Contains("4 layers", e.Message);
    }

    [Fact]
    public void Gemma3HasFiveLocalLayersPerGlobalWithLocalBase10000Unscaled()
    {
        using var model = Load(new TinyModelFile { Architecture = "gemma3", Layers = 7, QkNorms = true }
            .With("attention.sliding_window", GgufValue.Of(16u))
            .With("rope.freq_base", GgufValue.Of(1000000f))
            .With("rope.scaling.type", GgufValue.Of("linear"))
            .With("rope.scaling.factor", GgufValue.Of(8f)));
        var s = model.Spec;
        Assert.Equal([16, 16, 16, 16, 16, 0, 16], s.SlidingWindow);
        Assert.Equal((10000f, 1f), (s.Rope[0].FreqBase, s.Rope[0].FreqScale));
        Assert.Equal((1000000f, 0.125f), (s.Rope[5].FreqBase, s.Rope[5].FreqScale));
        Assert.Equal(0f, s.AttnSoftcap);
        Assert.Equal(0f, s.FinalSoftcap); // only when the key is present
    }

    [Fact]
    public void Gemma3FinalSoftcapAppliesWhenDeclared()
    {
        using var model = Load(new TinyModelFile { Architecture = "gemma3", QkNorms = true }
            .With("attention.sliding_window", GgufValue.Of(16u))
            .With("final_logit_softcapping", GgufValue.Of(30f)));
        Assert.Equal(30f, model.Spec.FinalSoftcap);
    }

    [Fact]
    public void Gemma3WithoutSlidingWindowIsAllGlobal()
    {
        using var model = Load(new TinyModelFile { Architecture = "gemma3", Layers = 6, QkNorms = true }.With("rope.freq_base", GgufValue.Of(1000000f)));
        Assert.All(model.Spec.SlidingWindow, w => Assert.Equal(0, w));
        Assert.All(model.Spec.Rope, r => Assert.Equal(1000000f, r.FreqBase));
    }

    [Theory]
    [InlineData("qwen3")]
    [InlineData("gemma3")]
    public void QkNormsAreRequiredWhereTheArchitectureHasThem(string arch)
    {
        var e = Assert.Throws<ModelLoadException>(() => Load(new TinyModelFile { Architecture = arch, QkNorms = false }));
        Assert.Contains("blk.0.attn_q_norm.weight", e.Message);
    }

    [Fact]
    public void Qwen3HeadSizeComesFromKeyLength()
    {
        using var model = Load(new TinyModelFile { Architecture = "qwen3", KeyLength = 16, QkNorms = true });
        Assert.Equal(16, model.Hyperparameters.HeadDimK);
        Assert.Equal(TinyModelFile.Heads * 16, model.Weights.Layers[0].Wq.Rows);
        Assert.Equal(InvSqrt(16), model.Spec.KqScale);
    }

    private static TinyModelFile Phi3(int originalContext) => new TinyModelFile { Architecture = "phi3", FusedQkv = true, FusedGateUp = true }
        .With("rope.scaling.original_context_length", GgufValue.Of((uint)originalContext))
        .With("rope.scaling.attn_factor", GgufValue.Of(1.19f))
        .With("attention.sliding_window", GgufValue.Of(8u))
        .WithTensor("rope_factors_long.weight", TinyModelFile.HeadDim / 2)
        .WithTensor("rope_factors_short.weight", TinyModelFile.HeadDim / 2);

    [Theory]
    [InlineData(4096, 4096, false)]
    [InlineData(4096, 4097, true)]
    [InlineData(4000, 3900, true)] // n_ctx_seq is padded to 256 first: 4096 > 4000
    [InlineData(8192, 4096, false)]
    public void Phi3UsesLongRopeFactorsOnlyWhenTheContextExceedsTheOriginal(int originalContext, int contextLength, bool expectLong)
    {
        string path = Phi3(originalContext).Write(_dir.File($"phi{_files++}.gguf"), (name, i) => name switch
        {
            "rope_factors_long.weight" => 10f + i,
            "rope_factors_short.weight" => 1f + i,
            _ => name.Contains("norm", StringComparison.Ordinal) ? 1f : 0.01f * MathF.Sin(i),
        });
        using var model = Model.Load(path, new ModelLoadOptions { ContextLength = contextLength });
        var factors = model.Spec.Rope[0].FreqFactors!;
        Assert.Equal(expectLong ? model.Weights.RopeFactorsLong : model.Weights.RopeFactorsShort, factors);
        Assert.Equal(expectLong ? 10f : 1f, factors[0]);
    }

    [Fact]
    public void Phi3ScalesCosSinByAttnFactorAndIgnoresItsSlidingWindow()
    {
        using var model = Load(Phi3(4096));
        var rope = model.Spec.Rope[0];
        Assert.Equal((RopeMode.Neox, 0f, 1.19f), (rope.Mode, rope.ExtFactor, rope.AttnFactor));
        Assert.Equal(InvSqrt(TinyModelFile.HeadDim), model.Spec.QueryScale);
        Assert.Equal(1f, model.Spec.KqScale);
        Assert.All(model.Spec.SlidingWindow, w => Assert.Equal(0, w));
    }

    [Fact]
    public void Qwen2YarnKeepsTheNetMagnitudeAtTheAttnFactor()
    {
        using var model = Load(new TinyModelFile { Architecture = "qwen2" }
            .With("rope.scaling.type", GgufValue.Of("yarn"))
            .With("rope.scaling.factor", GgufValue.Of(4f))
            .With("rope.scaling.original_context_length", GgufValue.Of(1024u)));
        var rope = model.Spec.Rope[0];
        Assert.Equal((1f, 0.25f, 1024), (rope.ExtFactor, rope.FreqScale, rope.OriginalContext));
        // get_mscale(4) · 1/(1 + 0.1·ln 4): the kernel multiplies the second factor back in.
        Assert.Equal(1f, rope.AttnFactor, 1e-6f);
        var cos = new float[TinyModelFile.HeadDim / 2];
        var sin = new float[TinyModelFile.HeadDim / 2];
        Rope.ComputeCache(rope, 0, cos, sin);
        Assert.Equal(1f + 0.1f * MathF.Log(4f), cos[0], 1e-6f);
    }

    [Fact]
    public void Mistral3YarnLogMultiplierDividesTheMscales()
    {
        using var model = Load(new TinyModelFile { Architecture = "mistral3" }
            .With("rope.scaling.type", GgufValue.Of("yarn"))
            .With("rope.scaling.factor", GgufValue.Of(16f))
            .With("rope.scaling.yarn_log_multiplier", GgufValue.Of(1f))
            .With("rope.scaling.original_context_length", GgufValue.Of(1024u)));
        var rope = model.Spec.Rope[0];
        Assert.Equal(RopeMode.Normal, rope.Mode);
        Assert.Equal(1f / (1f + 0.1f * MathF.Log(16f)), rope.AttnFactor, 1e-6f); // mscale ratio 1, net magnitude 1
    }

    [Fact]
    public void Mistral3AttentionTemperatureGrowsPerOriginalContextSpan()
    {
        using var model = Load(new TinyModelFile { Architecture = "mistral3" }
            .With("attention.temperature_scale", GgufValue.Of(0.1f))
            .With("rope.scaling.original_context_length", GgufValue.Of(1024u)));
        var t = model.Spec.AttentionTemperature!;
        Assert.Equal(1f, t.Factor(0));
        Assert.Equal(1f, t.Factor(1023));
        Assert.Equal((float)(0.1 * Math.Log(2) + 1), t.Factor(1024));
        Assert.Equal((float)(0.1 * Math.Log(4) + 1), t.Factor(3 * 1024 + 5));
        using var plain = Load(new TinyModelFile { Architecture = "mistral3" });
        Assert.Null(plain.Spec.AttentionTemperature);
    }
}
