using Corral.Engine.Inference;
using Corral.Engine.Models;
using Corral.Engine.Threading;
using Corral.Testing;
using Xunit.Abstractions;

namespace Corral.Engine.Tests.Inference;

/// <summary>Greedy decoding straight through the forward pass (no server), against llama.cpp's tokens.</summary>
public class ForwardPassGoldenTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Files => new()
    {
        { "stories260K.gguf", "stories260K-F32" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void GreedyDecodeMatchesLlamaCpp(string modelFile, string golden)
    {
        using var model = Model.Load(RepoPaths.SharedFile("models", modelFile), new ModelLoadOptions { ContextLength = 512 });
        using var pool = new WorkerPool(2);
        using var cache = new KvCache(model.Hyperparameters, 512, 1);
        var fp = new ForwardPass(model, cache, pool, 64);
        int vocab = model.VocabSize;
        var logits = new float[vocab];
        foreach (var c in Golden.Load(golden))
        {
            var batch = c.PromptTokens.Select((t, i) => new BatchEntry(t, i, 0, i == c.PromptTokens.Length - 1)).ToArray();
            fp.Evaluate(batch, logits);
            var generated = new List<int>();
            double maxDiff = 0;
            int pos = c.PromptTokens.Length;
            for (int step = 0; step < c.Generated.Length; step++)
            {
                foreach (var (tok, logit) in c.TopLogits[step]) maxDiff = Math.Max(maxDiff, Math.Abs(logits[tok] - logit));
                int next = 0;
                for (int i = 1; i < vocab; i++) if (logits[i] > logits[next]) next = i;
                generated.Add(next);
                if (next != c.Generated[step]) break;
                fp.Evaluate([new BatchEntry(next, pos++, 0, true)], logits);
            }
            int matched = Golden.AssertMatches(c, generated, $"{golden} '{c.Prompt}'");
            output.WriteLine($"{golden} '{c.Prompt}': {matched}/{c.Generated.Length} steps exact, max |Δlogit| over reference top-8 = {maxDiff:G3}");
        }
    }
}
