using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Corral.Engine.Inference;
using Corral.Engine.Models;
using Corral.Engine.Threading;
using Corral.Testing;
using Xunit.Abstractions;

namespace Corral.Engine.Tests.Inference;

/// <summary>
/// Greedy decoding straight through the forward pass (no server, no sampler), against llama.cpp's tokens
/// and top logits in ../shared/golden: one golden file per supported architecture and per quantized type. Each golden's
/// sequences are decoded alone once (<see cref="SoloDecodes"/>); one test checks them against llama.cpp,
/// the other decodes them again batched together and checks that batching changes no bit.
/// </summary>
public class ForwardPassGoldenTests(ForwardPassGoldenTests.SoloDecodes solo, ITestOutputHelper output) : IClassFixture<ForwardPassGoldenTests.SoloDecodes>
{
    /// <summary>Golden names; stored models come from ../shared/models, the others are made by synth_gguf.py.</summary>
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
        "stories260K-Q8_0",
        "stories260K-Q4_0",
        "llama-tiny-Q8_0",
        "llama-tiny-Q4_0",
        "llama-tiny-Q4_1",
        "llama-tiny-Q5_0",
        "llama-tiny-Q5_1",
        "llama-tiny-Q2_K",
        "llama-tiny-Q3_K_M",
        "llama-tiny-Q4_K_S",
        "llama-tiny-Q4_K_M",
        "llama-tiny-Q5_K_M",
        "llama-tiny-Q6_K",
        "llama-tiny-IQ4_NL",
        "qwen2-tiny-Q8_0",
        "qwen2-tiny-Q4_K_M",
        "qwen3-tiny-Q8_0",
        "qwen3-tiny-Q4_K_M",
    };

    private const int ContextLength = 512; // what the goldens were made with

    /// <summary>
    /// Largest |Δlogit| over a step's reference top-8 allowed, relative to the largest |logit| among them, for F32/F16
    /// files. The token rule alone is weak where logits are small (the gemma goldens have only 2–5 steps with a
    /// top-2 gap ≥ 0.02), so the logits themselves must agree too. Measured agreement is about 0.1 %;
    /// an attention window off by one cell already gives 15–30 %.
    /// </summary>
    private const double MaxRelativeLogitError = 0.01;

    /// <summary>
    /// The logit limit for quantized files. These noise-weight models amplify float-order differences, and 8-bit
    /// activations turn a 1-ulp difference into a whole quantization step now and then: llama.cpp itself
    /// (node-llama-cpp 3.22.1, the golden's prompt then one token per step) differs from these goldens by up to 3.4 %
    /// (llama-tiny-Q4_K_S). The token rule stays DEVELOPERS.md's (gap &lt; 0.02), plus the few steps where llama.cpp
    /// itself departs from the golden on this hardware (<see cref="Golden.KnownReferenceDivergences"/>).
    /// </summary>
    private const double MaxRelativeLogitErrorQuantized = 0.05;

    private static bool IsQuantized(string golden) => !golden.EndsWith("-F16", StringComparison.Ordinal) && !golden.EndsWith("-F32", StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(Goldens))]
    public void GreedyDecodeMatchesLlamaCpp(string golden)
    {
        foreach (var run in solo.Get(golden))
        {
            var c = run.Case;
            bool quantized = IsQuantized(golden);
            int matched = Golden.AssertMatches(c, run.Tokens, $"{golden} '{c.Prompt}'");
            double limit = quantized ? MaxRelativeLogitErrorQuantized : MaxRelativeLogitError;
            output.WriteLine($"{golden} '{c.Prompt}': {matched}/{c.Generated.Length} steps exact, max |Δlogit| over reference top-8 = {run.MaxDiff:G3} " +
                $"(relative {run.MaxRelativeDiff:G3})");
            Assert.True(run.MaxRelativeDiff <= limit,
                $"{golden} '{c.Prompt}': logits differ from llama.cpp's by {run.MaxRelativeDiff:P2} of their magnitude (limit {limit:P0})");
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
        var runs = solo.Get(golden);
        using var model = LoadModel(golden);
        using var pool = new WorkerPool(2);
        using var cache = new KvCache(model.Hyperparameters, ContextLength, runs.Length);
        var fp = new ForwardPass(model, cache, pool, 128);
        int vocab = model.VocabSize;
        var prompt = runs.SelectMany((r, slot) => r.Case.PromptTokens.Select((t, i) => new BatchEntry(t, i, slot, i == r.Case.PromptTokens.Length - 1))).ToArray();
        var logits = new float[runs.Length * vocab];
        fp.Evaluate(prompt, logits);
        var pos = runs.Select(r => r.Case.PromptTokens.Length).ToArray();
        var active = Enumerable.Range(0, runs.Length).ToList();
        for (int step = 0; active.Count > 0; step++)
        {
            var next = new List<BatchEntry>();
            var stillActive = new List<int>();
            for (int r = 0; r < active.Count; r++)
            {
                int slot = active[r];
                var row = logits.AsSpan(r * vocab, vocab);
                Assert.True(Hash(row).AsSpan().SequenceEqual(runs[slot].RowHashes[step]),
                    $"{golden} '{runs[slot].Case.Prompt}': step {step} logits differ from the sequence decoded alone");
                if (step + 1 >= runs[slot].RowHashes.Count) continue;
                next.Add(new BatchEntry(runs[slot].Tokens[step], pos[slot]++, slot, true));
                stillActive.Add(slot);
            }
            active = stillActive;
            if (next.Count > 0) fp.Evaluate(next.ToArray(), logits);
        }
    }

    private static Model LoadModel(string golden) =>
        Model.Load(GoldenModels.Path(golden), new ModelLoadOptions { ContextLength = ContextLength });

    private static byte[] Hash(ReadOnlySpan<float> row) => SHA256.HashData(MemoryMarshal.AsBytes(row));

    /// <summary>One golden case decoded alone: chosen tokens, a digest of every logits row, and the distance to llama.cpp.</summary>
    internal sealed record SoloRun(GoldenCase Case, List<int> Tokens, List<byte[]> RowHashes, double MaxDiff, double MaxRelativeDiff);

    /// <summary>Solo decodes, computed once per golden and shared by both tests.</summary>
    public sealed class SoloDecodes
    {
        private readonly ConcurrentDictionary<string, Lazy<SoloRun[]>> _runs = new();

        internal SoloRun[] Get(string golden) => _runs.GetOrAdd(golden, g => new Lazy<SoloRun[]>(() => DecodeAll(g))).Value;

        private static SoloRun[] DecodeAll(string golden)
        {
            using var model = LoadModel(golden);
            using var pool = new WorkerPool(2);
            using var cache = new KvCache(model.Hyperparameters, ContextLength, 1);
            var fp = new ForwardPass(model, cache, pool, 64);
            return Golden.Load(golden).Select(c => DecodeAlone(fp, WithStopToken(c))).ToArray();
        }

        /// <summary>
        /// The reference tokens including the end-of-generation token that stopped llama.cpp, when it stopped
        /// before the step limit (its top logits are recorded but it is not part of <c>generated</c>).
        /// </summary>
        private static GoldenCase WithStopToken(GoldenCase c) =>
            c.TopLogits.Length > c.Generated.Length ? c with { Generated = [.. c.Generated, c.TopLogits[c.Generated.Length][0].Token] } : c;

        /// <summary>Prompt then greedy steps until the reference length or the first differing token.</summary>
        private static SoloRun DecodeAlone(ForwardPass fp, GoldenCase c)
        {
            int vocab = fp.Model.VocabSize;
            var logits = new float[vocab];
            var batch = c.PromptTokens.Select((t, i) => new BatchEntry(t, i, 0, i == c.PromptTokens.Length - 1)).ToArray();
            fp.Evaluate(batch, logits);
            var tokens = new List<int>();
            var hashes = new List<byte[]>();
            double maxDiff = 0, maxRelative = 0;
            int pos = c.PromptTokens.Length;
            for (int step = 0; step < c.Generated.Length; step++)
            {
                hashes.Add(Hash(logits));
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
            return new SoloRun(c, tokens, hashes, maxDiff, maxRelative);
        }

        /// <summary>Greedy choice; ties go to the lower id, as llama.cpp's greedy sampler does.</summary>
        private static int ArgMax(ReadOnlySpan<float> logits)
        {
            int best = 0;
            for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
            return best;
        }
    }
}
