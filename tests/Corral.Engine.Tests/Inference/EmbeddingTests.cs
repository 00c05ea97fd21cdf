using Corral.Engine.Inference;
using Corral.Engine.Kernels;
using Corral.Engine.Models;
using Corral.Testing;

namespace Corral.Engine.Tests.Inference;

/// <summary>
/// The embeddings tap (engine.md §9): the final-norm hidden state is the lm_head's input, so projecting it
/// through the output matrix must give llama.cpp's logits for the prompt's last token (../shared/golden
/// top_logits[0]). Pooling is then checked against hidden rows taken one at a time.
/// </summary>
public class EmbeddingTests
{
    private static Model Stories() => Model.Load(RepoPaths.SharedFile("models", "stories260K.gguf"), new ModelLoadOptions { ContextLength = 256 });

    private static InferenceRunner Runner(Model model, int slots = 2) =>
        new(model, new RunnerOptions { ContextLength = 256, Slots = slots, BatchSize = 16, Threads = 2, IsEndOfGeneration = t => t == 2 });

    /// <summary>logit[token] = output row · hidden (plus nothing: stories has no output bias or soft-cap).</summary>
    private static unsafe float Project(Model model, ReadOnlySpan<float> hidden, int token)
    {
        var w = model.Weights.Output;
        var row = new float[w.Cols];
        Corral.Engine.Quants.Dequantize.Row(w.Type, new ReadOnlySpan<byte>(w.Data + token * w.RowBytes, (int)w.RowBytes), row);
        double sum = 0;
        for (int i = 0; i < row.Length; i++) sum += row[i] * hidden[i];
        return (float)sum;
    }

    [Fact]
    public async Task LastPooledHiddenStateProjectsToLlamaCppLogits()
    {
        using var model = Stories();
        using var runner = Runner(model);
        foreach (var c in Golden.Load("stories260K-F32"))
        {
            var s = runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Pooling = PoolingType.Last });
            var stats = await s.Completion;
            Assert.Equal(FinishReason.Stop, stats.Reason);
            Assert.Equal(0, stats.Generated);
            var hidden = stats.Embedding!;
            Assert.Equal(model.Hyperparameters.EmbeddingLength, hidden.Length);
            foreach (var (token, logit) in c.TopLogits[0])
                Assert.True(Math.Abs(Project(model, hidden, token) - logit) <= 1e-3f * Math.Max(1f, Math.Abs(logit)),
                    $"'{c.Prompt}': token {token} logit {Project(model, hidden, token)} vs llama.cpp {logit}");
        }
    }

    [Fact]
    public async Task MeanAndClsPoolingAverageOrPickTheForwardRows()
    {
        using var model = Stories();
        var c = Golden.Load("stories260K-F32")[1];
        int n = c.PromptTokens.Length;
        int width = model.Hyperparameters.EmbeddingLength;

        // Reference: every row of one forward pass over the prompt (causal, so chunking cannot change a row).
        using var pool = new Corral.Engine.Threading.WorkerPool(2);
        using var cache = new KvCache(model.Hyperparameters, 256, 1);
        var fp = new ForwardPass(model, cache, pool, 256);
        var rows = new float[n * width];
        fp.EvaluateHidden(c.PromptTokens.Select((t, i) => new BatchEntry(t, i, 0, true)).ToArray(), rows);

        using var runner = Runner(model); // batch 16 < prompt: pooled over several chunks
        var mean = (await runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Pooling = PoolingType.Mean }).Completion).Embedding!;
        var cls = (await runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Pooling = PoolingType.Cls }).Completion).Embedding!;
        for (int j = 0; j < width; j++)
        {
            double avg = 0;
            for (int i = 0; i < n; i++) avg += rows[i * width + j];
            avg /= n;
            Assert.Equal(avg, mean[j], 1e-4);
            Assert.Equal(rows[j], cls[j], 1e-5f);
        }
    }

    [Fact]
    public async Task EmbeddingsShareTheRunnerWithGeneration()
    {
        using var model = Stories();
        using var runner = Runner(model, slots: 2);
        var c = Golden.Load("stories260K-F32")[0];
        var gen = runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Sampling = Sampling.SamplingOptions.Greedy, NumPredict = c.Generated.Length });
        var emb = runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Pooling = PoolingType.Last });
        var tokens = new List<int>();
        await foreach (var t in gen.Tokens.ReadAllAsync()) tokens.Add(t.Id);
        Golden.AssertMatches(c, tokens, c.Prompt);
        var alone = (await runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Pooling = PoolingType.Last }).Completion).Embedding!;
        Assert.Equal(alone, (await emb.Completion).Embedding!);
    }

    [Fact]
    public void PoolingNoneIsRefused()
    {
        using var model = Stories();
        using var runner = Runner(model);
        Assert.Throws<ArgumentException>(() => runner.Submit(new GenerationRequest { PromptTokens = [1, 2], Pooling = PoolingType.None }));
    }
}
