using System.Runtime.InteropServices;
using Corral.Engine.Inference;
using Corral.Engine.Models;
using Corral.Engine.Threading;

namespace Corral.Engine.Tests.Inference;

/// <summary>
/// Row-interleaved weight copies (<see cref="InterleavedWeights"/>): the formats that take them get them, built in the
/// background; the copies change no bit against the file rows that serve meanwhile; and with them a sequence decoded
/// beside three others gets the bits it gets alone, one token at a time.
/// </summary>
public class InterleavedWeightsTests
{
    [Theory]
    [InlineData("llama-tiny-Q8_0")]
    [InlineData("llama-tiny-Q4_0")]
    [InlineData("llama-tiny-Q5_0")]
    [InlineData("llama-tiny-IQ4_NL")]
    [InlineData("qwen2-tiny-Q8_0")]
    public unsafe void TheFormatsWithoutMinimumsAreInterleavedAtLoad(string golden)
    {
        using var model = Model.Load(GoldenModels.Path(golden), new ModelLoadOptions { ContextLength = 64 });
        Assert.True(model.InterleavedBytes > 0, $"{golden}: nothing interleaved");
        model.WaitForInterleavedWeights();
        var wq = model.Weights.Layers[0].Wq;
        Assert.True(wq.Interleaved != null, $"{golden}: {wq} kept the file layout");

        using var plain = Model.Load(GoldenModels.Path(golden), new ModelLoadOptions { ContextLength = 64, InterleaveWeights = false });
        Assert.Equal(0, plain.InterleavedBytes);
        Assert.True(plain.Weights.Layers[0].Wq.Interleaved == null);
        Assert.False(plain.Weights.Layers[0].Wq.InterleavePlanned);
    }

    [Fact]
    public unsafe void AModelToBeLockedInMemoryHasItsCopiesWhenItLoads()
    {
        // Locking covers the copies, so they are built before Load returns (locking itself may be refused here).
        using var model = Model.Load(GoldenModels.Path("llama-tiny-Q8_0"), new ModelLoadOptions { ContextLength = 64, LockMemory = true });
        Assert.True(model.Weights.Layers.All(l => l.Wq.Interleaved != null && l.Gate.Interleaved != null));
        Assert.Null(model.InterleavingFailure);
    }

    [Theory]
    [InlineData("llama-tiny-Q8_0")]
    [InlineData("llama-tiny-Q4_0")]
    [InlineData("llama-tiny-Q5_0")]
    [InlineData("llama-tiny-IQ4_NL")]
    [InlineData("qwen2-tiny-Q8_0")]
    public unsafe void TheInterleavedCopiesChangeNoBit(string golden)
    {
        // The file rows serve until the background builder publishes the copies: both must give the same logits.
        using var model = Model.Load(GoldenModels.Path(golden), new ModelLoadOptions { ContextLength = 64, DeferInterleaving = true });
        Assert.True(model.Weights.Layers[0].Wq.InterleavePlanned);
        var a = Logits(model);
        Assert.True(model.Weights.Layers.All(l => l.Wq.Interleaved == null), "the copies were built before they were asked for");
        model.StartInterleaving();
        model.WaitForInterleavedWeights();
        Assert.Null(model.InterleavingFailure);
        Assert.True(model.Weights.Layers.All(l => l.Wq.Interleaved != null));
        var b = Logits(model);
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(a[i]) == BitConverter.SingleToInt32Bits(b[i]),
                $"{golden}: logit {i} is {a[i]:R} from the file rows, {b[i]:R} from the interleaved copy");

        static float[] Logits(Model model)
        {
            using var pool = new WorkerPool(2);
            using var cache = new KvCache(model.Hyperparameters, 64, 1);
            var fp = new ForwardPass(model, cache, pool, 64);
            int vocab = model.VocabSize;
            // A prompt (every row's logits: the tiled products) and two single-token steps.
            var prompt = Enumerable.Range(0, 9).Select(i => new BatchEntry((i * 37 + 5) % Math.Min(vocab, 300), i, 0, true)).ToArray();
            var output = new float[(prompt.Length + 2) * vocab];
            fp.Evaluate(prompt, output);
            fp.Evaluate([new BatchEntry(11, 9, 0, true)], output.AsSpan(prompt.Length * vocab, vocab));
            fp.Evaluate([new BatchEntry(12, 10, 0, true)], output.AsSpan((prompt.Length + 1) * vocab, vocab));
            return output;
        }
    }

    [Theory]
    [InlineData("llama-tiny-Q5_0")]
    [InlineData("qwen2-tiny-Q8_0")]
    public void FourSequencesDecodedTogetherGetTheBitsTheyGetAlone(string golden)
    {
        using var model = Model.Load(GoldenModels.Path(golden), new ModelLoadOptions { ContextLength = 128 });
        Assert.True(model.InterleavedBytes > 0);
        model.WaitForInterleavedWeights();
        int vocab = model.VocabSize;
        const int sequences = 4, steps = 6;
        int[][] prompts = [.. Enumerable.Range(0, sequences).Select(s => Enumerable.Range(0, 5 + s).Select(i => (int)((i * 131L + 17 * s + 3) % Math.Min(vocab, 400))).ToArray())];

        // Greedy continuations, each row's logits kept: alone (one sequence per pass), then all four in every pass.
        List<float[]> Decode(bool together)
        {
            using var pool = new WorkerPool(2);
            using var cache = new KvCache(model.Hyperparameters, 128, sequences);
            var fp = new ForwardPass(model, cache, pool, 64);
            var rows = new List<float[]>[sequences];
            var last = new int[sequences];
            var length = new int[sequences];
            for (int s = 0; s < sequences; s++) rows[s] = [];
            void Pass(int[] active, bool prompt)
            {
                var batch = new List<BatchEntry>();
                foreach (int s in active)
                {
                    if (prompt)
                        for (int i = 0; i < prompts[s].Length; i++) batch.Add(new BatchEntry(prompts[s][i], i, s, i == prompts[s].Length - 1));
                    else
                        batch.Add(new BatchEntry(last[s], length[s], s, true));
                }
                var output = new float[active.Length * vocab];
                fp.Evaluate(batch.ToArray(), output);
                for (int j = 0; j < active.Length; j++)
                {
                    int s = active[j];
                    var logits = output.AsSpan(j * vocab, vocab).ToArray();
                    rows[s].Add(logits);
                    length[s] = prompt ? prompts[s].Length : length[s] + 1;
                    last[s] = Array.IndexOf(logits, logits.Max());
                }
            }
            int[][] groups = together ? [[0, 1, 2, 3]] : [[0], [1], [2], [3]];
            foreach (var g in groups)
            {
                Pass(g, prompt: true);
                for (int step = 0; step < steps; step++) Pass(g, prompt: false);
            }
            return rows.SelectMany(r => r).ToList();
        }

        var alone = Decode(together: false);
        var together = Decode(together: true);
        Assert.Equal(alone.Count, together.Count);
        for (int i = 0; i < alone.Count; i++)
        {
            var a = MemoryMarshal.Cast<float, int>(alone[i]);
            var b = MemoryMarshal.Cast<float, int>(together[i]);
            for (int v = 0; v < a.Length; v++)
                Assert.True(a[v] == b[v], $"{golden}: row {i} logit {v} differs ({alone[i][v]:R} alone vs {together[i][v]:R} together)");
        }
    }
}
