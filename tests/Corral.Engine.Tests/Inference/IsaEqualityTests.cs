using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Corral.Engine.Inference;
using Corral.Engine.Kernels;
using Corral.Engine.Models;
using Corral.Engine.Threading;
using Corral.Testing;

namespace Corral.Engine.Tests.Inference;

/// <summary>Runs alone: it changes the process-wide kernel tier (<see cref="CpuIsa.Override"/>).</summary>
[CollectionDefinition(nameof(IsaOverrideCollection), DisableParallelization = true)]
public sealed class IsaOverrideCollection;

/// <summary>
/// Every instruction-set tier must give the same bits: a prompt (matrix–matrix products) then greedy decode steps
/// (matrix–vector products) per weight family, once per tier the CPU runs, compared by digest with the scalar run.
/// </summary>
[Collection(nameof(IsaOverrideCollection))]
public class IsaEqualityTests
{
    public static TheoryData<string> Models => new()
    {
        "stories260K-F32",
        "llama-tiny-F16",
        "llama-tiny-Q8_0",
        "llama-tiny-Q4_0",
        "llama-tiny-Q4_K_M", // Q4_K and Q6_K
        "llama-tiny-Q5_K_M", // Q5_K and Q6_K
        "llama-tiny-Q6_K",
        "llama-tiny-Q4_1",
        "llama-tiny-Q3_K_M",
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryTierGivesTheSameLogits(string golden)
    {
        var tiers = Enum.GetValues<IsaLevel>().Where(CpuIsa.IsSupported).ToArray();
        var reference = Decode(golden, IsaLevel.Scalar);
        foreach (var tier in tiers.Where(t => t != IsaLevel.Scalar))
        {
            var got = Decode(golden, tier);
            Assert.Equal(reference.Count, got.Count);
            for (int i = 0; i < got.Count; i++)
                Assert.True(reference[i] == got[i], $"{golden}: step {i} logits under {tier} differ from the scalar kernels'");
        }
    }

    private static List<string> Decode(string golden, IsaLevel tier)
    {
        using var _ = CpuIsa.Override(tier);
        var c = Golden.Load(golden)[0];
        using var model = Model.Load(GoldenModels.Path(golden), new ModelLoadOptions { ContextLength = 256 });
        using var pool = new WorkerPool(2);
        using var cache = new KvCache(model.Hyperparameters, 256, 1);
        var fp = new ForwardPass(model, cache, pool, 64);
        var logits = new float[model.VocabSize];
        fp.Evaluate(c.PromptTokens.Select((t, i) => new BatchEntry(t, i, 0, i == c.PromptTokens.Length - 1)).ToArray(), logits);
        var digests = new List<string>();
        int pos = c.PromptTokens.Length;
        for (int step = 0; step < 8; step++)
        {
            digests.Add(Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(logits.AsSpan()))));
            fp.Evaluate([new BatchEntry(c.Generated[step], pos++, 0, true)], logits);
        }
        return digests;
    }
}
