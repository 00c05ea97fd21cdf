using System.Text.Json.Nodes;
using Corral.Engine.Inference;
using Corral.Engine.Models;
using Corral.Engine.Threading;
using Corral.Engine.Tokenizers;

namespace Corral.Server.Tests.Api;

/// <summary><c>/api/embed</c> and <c>/api/embeddings</c> (api.md §4.5–4.6) checked against the engine's hidden states.</summary>
public class EmbedTests
{
    /// <summary>The mean of the final-norm hidden rows of <paramref name="text"/> (BOS added, as the server tokenizes), computed directly.</summary>
    private static float[] ReferenceMean(string text, int maxTokens = int.MaxValue)
    {
        using var model = Model.Load(ApiTestKit.Stories, new ModelLoadOptions { ContextLength = 512 });
        var tokens = Tokenizer.FromGguf(model.File).Encode(text, addSpecial: true, parseSpecial: true);
        if (tokens.Length > maxTokens) tokens = tokens[..maxTokens];
        using var pool = new WorkerPool(2);
        using var cache = new KvCache(model.Hyperparameters, 512, 1);
        var fp = new ForwardPass(model, cache, pool, 512);
        int width = model.Hyperparameters.EmbeddingLength;
        var rows = new float[tokens.Length * width];
        fp.EvaluateHidden(tokens.Select((t, i) => new BatchEntry(t, i, 0, true)).ToArray(), rows);
        var mean = new float[width];
        for (int j = 0; j < width; j++)
        {
            double s = 0;
            for (int i = 0; i < tokens.Length; i++) s += rows[i * width + j];
            mean[j] = (float)(s / tokens.Length);
        }
        return mean;
    }

    private static float[] Normalized(float[] v)
    {
        double n = Math.Sqrt(v.Sum(x => (double)x * x));
        return v.Select(x => (float)(x / n)).ToArray();
    }

    private static void AssertClose(float[] expected, JsonNode? actual, float tolerance = 1e-5f)
    {
        var a = actual!.AsArray().Select(n => (float)n!).ToArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(expected[i] - a[i]) <= tolerance, $"[{i}] {a[i]} vs {expected[i]}");
    }

    [Fact]
    public async Task EmbedReturnsNormalisedMeanPooledVectors()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var body = await server.PostOkAsync("/api/embed", new JsonObject { ["model"] = "stories", ["input"] = new JsonArray("Once upon a time", "The cat sat") });
        Assert.Equal("stories", (string?)body!["model"]);
        var vectors = body["embeddings"]!.AsArray();
        Assert.Equal(2, vectors.Count);
        AssertClose(Normalized(ReferenceMean("Once upon a time")), vectors[0]);
        AssertClose(Normalized(ReferenceMean("The cat sat")), vectors[1]);
        Assert.All(vectors, v => Assert.Equal(1.0, ApiTestKit.Norm(v!.AsArray()), 1e-5));
        Assert.True((long)body["total_duration"]! > 0);
        Assert.True((long)body["load_duration"]! > 0);
        using var model = Model.Load(ApiTestKit.Stories);
        var tok = Tokenizer.FromGguf(model.File);
        int tokens = tok.Encode("Once upon a time", true, true).Length + tok.Encode("The cat sat", true, true).Length;
        Assert.Equal(tokens, (int)body["prompt_eval_count"]!);

        // A single string, and the same text again: identical vector (no state leaks between requests).
        var single = await server.PostOkAsync("/api/embed", new JsonObject { ["model"] = "stories", ["input"] = "Once upon a time" });
        Assert.Equal(vectors[0]!.ToJsonString(), single!["embeddings"]![0]!.ToJsonString());
        Assert.Null(single["load_duration"]); // already loaded
    }

    [Fact]
    public async Task DimensionsTruncateAndRenormalise()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var full = await server.PostOkAsync("/api/embed", new JsonObject { ["model"] = "stories", ["input"] = "Lily" });
        var cut = await server.PostOkAsync("/api/embed", new JsonObject { ["model"] = "stories", ["input"] = "Lily", ["dimensions"] = 8 });
        var f = full!["embeddings"]![0]!.AsArray().Select(n => (float)n!).ToArray();
        AssertClose(Normalized(f[..8]), cut!["embeddings"]![0]);
        foreach (int d in new[] { 0, -3, f.Length, f.Length + 10 })
        {
            var same = await server.PostOkAsync("/api/embed", new JsonObject { ["model"] = "stories", ["input"] = "Lily", ["dimensions"] = d });
            Assert.Equal(full["embeddings"]!.ToJsonString(), same!["embeddings"]!.ToJsonString());
        }
    }

    [Fact]
    public async Task TruncateCutsToTheContextOrRefuses()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        string longText = string.Concat(Enumerable.Repeat("Once upon a time there was a little girl. ", 20));
        var options = new JsonObject { ["num_ctx"] = 32 };
        var body = await server.PostOkAsync("/api/embed", new JsonObject { ["model"] = "stories", ["input"] = longText, ["options"] = options });
        Assert.Equal(32, (int)body!["prompt_eval_count"]!);
        AssertClose(Normalized(ReferenceMean(longText, 32)), body["embeddings"]![0]);
        await server.AssertErrorAsync("/api/embed", new JsonObject { ["model"] = "stories", ["input"] = longText, ["truncate"] = false, ["options"] = options.DeepClone() },
            400, "the input length exceeds the context length");
    }

    [Fact]
    public async Task EmptyInputOnlyLoadsAndBadInputsGetUpstreamErrors()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        foreach (var input in new JsonNode?[] { null, "", new JsonArray() })
        {
            var req = new JsonObject { ["model"] = "stories" };
            if (input != null) req["input"] = input;
            var (status, _, text) = await server.PostAsync("/api/embed", req);
            Assert.Equal(200, status);
            Assert.Equal("""{"model":"stories","embeddings":[]}""", text);
        }
        Assert.Single(server.Server.Scheduler.Snapshot());
        await server.AssertErrorAsync("/api/embed", new JsonObject { ["model"] = "stories", ["input"] = new JsonArray("a", 1) }, 400, "invalid input type");
        await server.AssertErrorAsync("/api/embed", new JsonObject { ["model"] = "stories", ["input"] = 5 }, 400, "invalid input type");
        await server.AssertErrorAsync("/api/embed", new JsonObject { ["input"] = "x" }, 404, "model '' not found");
        await server.AssertErrorAsync("/api/embed", new JsonObject { ["model"] = "nope", ["input"] = "x" }, 404, "model \"nope\" not found, try pulling it first");
    }

    [Fact]
    public async Task LegacyEmbeddingsAreRawPooledValues()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var (status, body, text) = await server.PostAsync("/api/embeddings", new JsonObject { ["model"] = "stories", ["prompt"] = "Once upon a time" });
        Assert.Equal(200, status);
        Assert.Equal(["embedding"], body!.AsObject().Select(kv => kv.Key));
        AssertClose(ReferenceMean("Once upon a time"), body["embedding"], 1e-4f);

        var empty = await server.PostAsync("/api/embeddings", new JsonObject { ["model"] = "stories", ["prompt"] = "" });
        Assert.Equal("""{"embedding":[]}""", empty.Text);
        await server.AssertErrorAsync("/api/embeddings", new JsonObject { ["prompt"] = "x" }, 400, "model is required");
        await server.AssertErrorAsync("/api/embeddings", new JsonObject { ["model"] = "nope", ["prompt"] = "x" }, 404, "model \"nope\" not found, try pulling it first");
    }
}
