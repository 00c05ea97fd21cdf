using Corral.Engine.Inference;
using Corral.Engine.Models;
using Corral.Engine.Tensors;
using Corral.Engine.Threading;
using Corral.Testing;

namespace Corral.Engine.Tests.Inference;

/// <summary>Quantized KV caches (OLLAMA_KV_CACHE_TYPE q8_0 / q4_0): close to the f16 cache, and batch-invariant.</summary>
public class KvCacheTypeTests
{
    [Theory]
    [InlineData("", GgmlType.F16)]
    [InlineData("f16", GgmlType.F16)]
    [InlineData("Q8_0", GgmlType.Q8_0)]
    [InlineData("q4_0", GgmlType.Q4_0)]
    [InlineData("q5_1", GgmlType.F16)]
    public void ParsesOllamaNames(string name, GgmlType expected) => Assert.Equal(expected, KvCache.ParseType(name));

    [Fact]
    public void SizeFollowsTheType()
    {
        using var model = Model.Load(GoldenModels.Path("llama-tiny-F16"), new ModelLoadOptions { ContextLength = 64 });
        var hp = model.Hyperparameters;
        long f16 = KvCache.EstimateBytes(hp, 64, 1);
        Assert.Equal(f16 * 34 / 64, KvCache.EstimateBytes(hp, 64, 1, GgmlType.Q8_0));
        Assert.Equal(f16 * 18 / 64, KvCache.EstimateBytes(hp, 64, 1, GgmlType.Q4_0));
        using var cache = new KvCache(hp, 64, 1, GgmlType.Q8_0);
        Assert.Equal(KvCache.EstimateBytes(hp, 64, 1, GgmlType.Q8_0), cache.ByteSize);
    }

    [Theory]
    [InlineData(GgmlType.Q8_0, 0.05)]
    [InlineData(GgmlType.Q4_0, 0.3)] // 4-bit keys move this noise-weight model's logits by up to 16 %; the kernel itself is checked in AttentionKernelTests
    public void QuantizedCacheStaysCloseToF16AndIsBatchInvariant(GgmlType type, double tolerance)
    {
        using var model = Model.Load(GoldenModels.Path("llama-tiny-F16"), new ModelLoadOptions { ContextLength = 128 });
        var cases = Golden.Load("llama-tiny-F16");
        var f16 = Decode(model, GgmlType.F16, cases, batched: false);
        var solo = Decode(model, type, cases, batched: false);
        var together = Decode(model, type, cases, batched: true);
        for (int c = 0; c < cases.Count; c++)
        {
            for (int step = 0; step < f16[c].Count; step++)
            {
                Assert.Equal(solo[c][step], together[c][step]);
                float max = f16[c][step].Max(MathF.Abs);
                float diff = f16[c][step].Zip(solo[c][step], (a, b) => MathF.Abs(a - b)).Max();
                Assert.True(diff <= tolerance * max, $"{type} case {c} step {step}: logits differ from the f16 cache's by {diff} (max |logit| {max})");
            }
        }
    }

    /// <summary>Prompt then 8 steps fed with the reference tokens; logits of each step per case.</summary>
    private static List<List<float[]>> Decode(Model model, GgmlType type, IReadOnlyList<GoldenCase> cases, bool batched)
    {
        using var pool = new WorkerPool(2);
        using var cache = new KvCache(model.Hyperparameters, 128, cases.Count, type);
        var fp = new ForwardPass(model, cache, pool, 64);
        int vocab = model.VocabSize;
        var result = cases.Select(_ => new List<float[]>()).ToList();
        var groups = batched ? [Enumerable.Range(0, cases.Count).ToArray()] : Enumerable.Range(0, cases.Count).Select(c => new[] { c }).ToList();
        foreach (var group in groups)
        {
            var logits = new float[group.Length * vocab];
            fp.Evaluate(group.SelectMany(c => cases[c].PromptTokens.Select((t, i) => new BatchEntry(t, i, c, i == cases[c].PromptTokens.Length - 1))).ToArray(), logits);
            for (int step = 0; step < 8; step++)
            {
                for (int i = 0; i < group.Length; i++) result[group[i]].Add(logits.AsSpan(i * vocab, vocab).ToArray());
                fp.Evaluate(group.Select(c => new BatchEntry(cases[c].Generated[step], cases[c].PromptTokens.Length + step, c, true)).ToArray(), logits);
            }
        }
        return result;
    }
}
