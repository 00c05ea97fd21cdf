using Corral.Engine.Inference;
using Corral.Engine.Models;
using Corral.Engine.Threading;
using Corral.Testing;
using Xunit.Abstractions;

namespace Corral.Engine.Tests.Inference;

/// <summary>
/// Greedy decoding straight through the forward pass (no server, no sampler), against llama.cpp's tokens
/// and top logits in ../shared/golden. One golden file per architecture the engine supports.
/// </summary>
public class ForwardPassGoldenTests(ITestOutputHelper output)
{
    /// <summary>Golden name → model file. Stored models come from ../shared/models; the others are made by synth_gguf.py.</summary>
    public static TheoryData<string> Goldens => new()
    {
        "stories260K-F32",
        "llama-tiny-F16",
        "llama3-tiny-F16",
        "qwen2-tiny-F16",
        "qwen3-tiny-F16",
        "gemma2-tiny-F16",
        "gemma3-tiny-F16",
        "phi3-tiny-F16",
    };

    private const int ContextLength = 512; // what the goldens were made with

    /// <summary>
    /// Largest |Δlogit| over a step's reference top-8 allowed, relative to the largest |logit| among them.
    /// The token rule alone is weak where logits are small (the gemma goldens have only 2–5 steps with a
    /// top-2 gap ≥ 0.02), so the logits themselves must agree too. Measured agreement is about 0.1 %;
    /// an attention window off by one cell already gives 15–30 %.
    /// </summary>
    private const double MaxRelativeLogitError = 0.01;

    private static string ModelPath(string golden) => golden switch
    {
        "stories260K-F32" => RepoPaths.SharedFile("models", "stories260K.gguf"),
        "llama-tiny-F16" => RepoPaths.SharedFile("models", "llama-tiny-F16.gguf"),
        _ => SyntheticModels.Get(golden),
    };

    /// <summary>
    /// The reference tokens including the end-of-generation token that stopped llama.cpp, when it stopped
    /// before the step limit (its top logits are recorded but it is not part of <c>generated</c>).
    /// </summary>
    private static GoldenCase WithStopToken(GoldenCase c) =>
        c.TopLogits.Length > c.Generated.Length ? c with { Generated = [.. c.Generated, c.TopLogits[c.Generated.Length][0].Token] } : c;

    [Theory]
    [MemberData(nameof(Goldens))]
    public void GreedyDecodeMatchesLlamaCpp(string golden)
    {
        using var model = Model.Load(ModelPath(golden), new ModelLoadOptions { ContextLength = ContextLength });
        using var pool = new WorkerPool(2);
        using var cache = new KvCache(model.Hyperparameters, ContextLength, 1);
        var fp = new ForwardPass(model, cache, pool, 64);
        foreach (var c in Golden.Load(golden).Select(WithStopToken))
        {
            var run = DecodeAlone(fp, c);
            int matched = Golden.AssertMatches(c, run.Tokens, $"{golden} '{c.Prompt}'");
            output.WriteLine($"{golden} '{c.Prompt}': {matched}/{c.Generated.Length} steps exact, max |Δlogit| over reference top-8 = {run.MaxDiff:G3} " +
                $"(relative {run.MaxRelativeDiff:G3})");
            Assert.True(run.MaxRelativeDiff <= MaxRelativeLogitError,
                $"{golden} '{c.Prompt}': logits differ from llama.cpp's by {run.MaxRelativeDiff:P2} of their magnitude (limit {MaxRelativeLogitError:P0})");
        }
    }

    /// <summary>
    /// All prompts of a golden file as separate sequences of one batch, then decoded in lock-step: every
    /// sequence must get exactly (bit for bit) the logits it gets alone, so batching cannot change a result.
    /// </summary>
    [Theory]
    [MemberData(nameof(Goldens))]
    public void SequencesBatchedTogetherGetTheirSoloLogitsBitForBit(string golden)
    {
        using var model = Model.Load(ModelPath(golden), new ModelLoadOptions { ContextLength = ContextLength });
        using var pool = new WorkerPool(2);
        var cases = Golden.Load(golden).Select(WithStopToken).ToArray();
        int vocab = model.VocabSize;

        List<float[]>[] solo;
        using (var soloCache = new KvCache(model.Hyperparameters, ContextLength, 1))
        {
            var soloFp = new ForwardPass(model, soloCache, pool, 64);
            solo = cases.Select(c => DecodeAlone(soloFp, c).Logits).ToArray();
        }

        using var cache = new KvCache(model.Hyperparameters, ContextLength, cases.Length);
        var fp = new ForwardPass(model, cache, pool, 128);
        var prompt = cases.SelectMany((c, slot) => c.PromptTokens.Select((t, i) => new BatchEntry(t, i, slot, i == c.PromptTokens.Length - 1))).ToArray();
        var logits = new float[cases.Length * vocab];
        fp.Evaluate(prompt, logits);
        var pos = cases.Select(c => c.PromptTokens.Length).ToArray();
        var active = Enumerable.Range(0, cases.Length).ToList();
        for (int step = 0; active.Count > 0; step++)
        {
            var next = new List<BatchEntry>();
            var stillActive = new List<int>();
            for (int r = 0; r < active.Count; r++)
            {
                int slot = active[r];
                var row = logits.AsSpan(r * vocab, vocab);
                Assert.True(row.SequenceEqual(solo[slot][step]), $"{golden} '{cases[slot].Prompt}': step {step} logits differ from the sequence alone");
                if (step + 1 >= solo[slot].Count) continue;
                next.Add(new BatchEntry(ArgMax(row), pos[slot]++, slot, true));
                stillActive.Add(slot);
            }
            active = stillActive;
            if (next.Count > 0) fp.Evaluate(next.ToArray(), logits);
        }
    }

    private sealed record Decoded(List<int> Tokens, List<float[]> Logits, double MaxDiff, double MaxRelativeDiff);

    /// <summary>Prompt then greedy steps until the reference length or the first differing token; keeps every logits row.</summary>
    private static Decoded DecodeAlone(ForwardPass fp, GoldenCase c)
    {
        int vocab = fp.Model.VocabSize;
        var logits = new float[vocab];
        var batch = c.PromptTokens.Select((t, i) => new BatchEntry(t, i, 0, i == c.PromptTokens.Length - 1)).ToArray();
        fp.Evaluate(batch, logits);
        var tokens = new List<int>();
        var rows = new List<float[]>();
        double maxDiff = 0, maxRelative = 0;
        int pos = c.PromptTokens.Length;
        for (int step = 0; step < c.Generated.Length; step++)
        {
            rows.Add((float[])logits.Clone());
            double stepDiff = 0, magnitude = 0;
            foreach (var (tok, logit) in c.TopLogits[step])
            {
                stepDiff = Math.Max(stepDiff, Math.Abs(logits[tok] - logit));
                magnitude = Math.Max(magnitude, Math.Abs(logit));
            }
            maxDiff = Math.Max(maxDiff, stepDiff);
            maxRelative = Math.Max(maxRelative, stepDiff / magnitude);
            int next = ArgMax(logits);
            tokens.Add(next);
            if (next != c.Generated[step] || step + 1 == c.Generated.Length) break;
            fp.Evaluate([new BatchEntry(next, pos++, 0, true)], logits);
        }
        return new Decoded(tokens, rows, maxDiff, maxRelative);
    }

    /// <summary>Greedy choice; ties go to the lower id, as llama.cpp's greedy sampler does.</summary>
    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
