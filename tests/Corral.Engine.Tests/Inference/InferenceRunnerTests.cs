using Corral.Engine.Inference;
using Corral.Engine.Models;
using Corral.Engine.Sampling;
using Corral.Testing;

namespace Corral.Engine.Tests.Inference;

public class InferenceRunnerTests
{
    private static async Task<List<int>> Collect(GenerationStream s)
    {
        var list = new List<int>();
        await foreach (var t in s.Tokens.ReadAllAsync()) list.Add(t.Id);
        return list;
    }

    private static InferenceRunner Runner(Model model, int slots, int ctx = 256) =>
        new(model, new RunnerOptions { ContextLength = ctx, Slots = slots, BatchSize = 32, Threads = 2, IsEndOfGeneration = t => t == 2 });

    [Fact]
    public async Task GreedyThroughRunnerMatchesGolden()
    {
        using var model = Model.Load(RepoPaths.SharedFile("models", "stories260K.gguf"), new ModelLoadOptions { ContextLength = 256 });
        using var runner = Runner(model, 1);
        foreach (var c in Golden.Load("stories260K-F32"))
        {
            var s = runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Sampling = SamplingOptions.Greedy, NumPredict = c.Generated.Length });
            var got = await Collect(s);
            var stats = await s.Completion;
            Golden.AssertMatches(c, got, c.Prompt);
            Assert.Equal(FinishReason.Length, stats.Reason);
            Assert.Equal(c.Generated.Length, stats.Generated);
        }
    }

    [Fact]
    public async Task ConcurrentSequencesGiveTheSameTokensAsAlone()
    {
        using var model = Model.Load(RepoPaths.SharedFile("models", "stories260K.gguf"), new ModelLoadOptions { ContextLength = 256 });
        var cases = Golden.Load("stories260K-F32");
        using var runner = Runner(model, 4);
        var streams = cases.Concat(cases).Select(c => (c, runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Sampling = SamplingOptions.Greedy, NumPredict = 64 }))).ToList();
        foreach (var (c, s) in streams)
        {
            var got = await Collect(s);
            Golden.AssertMatches(c, got, "batched " + c.Prompt);
        }
    }

    [Fact]
    public async Task SecondRequestReusesCachedPrefix()
    {
        using var model = Model.Load(RepoPaths.SharedFile("models", "stories260K.gguf"), new ModelLoadOptions { ContextLength = 256 });
        using var runner = Runner(model, 1);
        var c = Golden.Load("stories260K-F32")[1];
        var first = runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Sampling = SamplingOptions.Greedy, NumPredict = 8 });
        await Collect(first);
        Assert.Equal(c.PromptTokens.Length, (await first.Completion).PromptEvaluated);
        var again = runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Sampling = SamplingOptions.Greedy, NumPredict = 8 });
        var tokens = await Collect(again);
        Assert.Equal(1, (await again.Completion).PromptEvaluated);
        Assert.Equal(c.Generated.Take(8), tokens);
    }

    [Fact]
    public async Task CancellationEndsTheSequenceAndFreesTheSlot()
    {
        using var model = Model.Load(RepoPaths.SharedFile("models", "stories260K.gguf"), new ModelLoadOptions { ContextLength = 256 });
        using var runner = Runner(model, 1);
        var c = Golden.Load("stories260K-F32")[0];
        using var cts = new CancellationTokenSource();
        var s = runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Sampling = SamplingOptions.Greedy, NumPredict = 100_000 }, cts.Token);
        await s.Tokens.ReadAsync();
        cts.Cancel();
        var stats = await s.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(FinishReason.Cancelled, stats.Reason);
        var next = runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Sampling = SamplingOptions.Greedy, NumPredict = 4 });
        Assert.Equal(4, (await Collect(next)).Count);
    }

    [Fact]
    public async Task ContextShiftKeepsGenerating()
    {
        using var model = Model.Load(RepoPaths.SharedFile("models", "stories260K.gguf"), new ModelLoadOptions { ContextLength = 64 });
        using var runner = new InferenceRunner(model, new RunnerOptions { ContextLength = 64, Slots = 1, BatchSize = 32, Threads = 2 });
        var c = Golden.Load("stories260K-F32")[0];
        var s = runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Sampling = SamplingOptions.Greedy, NumPredict = 150 });
        var got = await Collect(s);
        var stats = await s.Completion;
        Assert.Equal(150, got.Count);
        Assert.True(stats.Shifted > 0);
        Assert.Equal(c.Generated.Take(50), got.Take(50));
    }

    [Fact]
    public async Task SeededSamplingIsReproducible()
    {
        using var model = Model.Load(RepoPaths.SharedFile("models", "stories260K.gguf"), new ModelLoadOptions { ContextLength = 256 });
        using var runner = Runner(model, 2);
        var c = Golden.Load("stories260K-F32")[0];
        var opts = new SamplingOptions { Temperature = 1.0f, Seed = 42, TopK = 40, TopP = 0.9f };
        var a = await Collect(runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Sampling = opts, NumPredict = 40 }));
        var b = await Collect(runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Sampling = opts, NumPredict = 40 }));
        var d = await Collect(runner.Submit(new GenerationRequest { PromptTokens = c.PromptTokens, Sampling = opts with { Seed = 7 }, NumPredict = 40 }));
        Assert.Equal(a, b);
        Assert.NotEqual(a, d);
    }
}
