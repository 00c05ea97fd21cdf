using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Corral.Server.Scheduling;
using Corral.Server.Tests.Api;
using Corral.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Corral.Server.Tests.Scheduling;

/// <summary>
/// Many users on one server (issue 6 acceptance): continuous batching gives every stream its solo text,
/// a full queue answers 503, a client that goes away frees its slot at once.
/// </summary>
public class ConcurrencyTests(ITestOutputHelper output)
{
    private static readonly string[] s_prompts =
    [
        "Once upon a time", "Lily and Tom", "The little dog", "One day, a girl",
        "There was a big", "Sam liked to", "The sun was", "Mom said",
    ];

    private static JsonObject Request(string prompt, int numPredict, bool stream) => new()
    {
        ["model"] = "stories",
        ["prompt"] = prompt,
        ["stream"] = stream,
        ["options"] = ApiTestKit.Greedy(numPredict),
    };

    /// <summary>Streams /api/generate and returns the concatenated text (failing on an error line).</summary>
    private static async Task<string> StreamTextAsync(TestServer server, JsonObject body)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/generate") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var resp = await server.Http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)resp.StatusCode);
        using var reader = new StreamReader(await resp.Content.ReadAsStreamAsync());
        var text = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            var o = JsonNode.Parse(line)!;
            Assert.Null(o["error"]);
            text.Append((string?)o["response"]);
            if ((bool)o["done"]!) break;
        }
        return text.ToString();
    }

    [Fact]
    public async Task EightStreamsOnFourSlotsGetTheirSoloText()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync(new Dictionary<string, string> { ["OLLAMA_NUM_PARALLEL"] = "4" });
        var solo = new List<string>();
        foreach (var p in s_prompts)
        {
            var body = await server.PostOkAsync("/api/generate", Request(p, 48, stream: false));
            solo.Add((string)body!["response"]!);
        }
        Assert.True(solo.Distinct().Count() > 4, "the prompts should give different stories");

        var sw = Stopwatch.StartNew();
        var together = await Task.WhenAll(s_prompts.Select(p => StreamTextAsync(server, Request(p, 48, stream: true))));
        output.WriteLine($"8 streams × 48 tokens on 4 slots: {sw.ElapsedMilliseconds} ms");
        Assert.Equal(solo, together);
        Assert.Equal(4, server.Server.Scheduler.Snapshot().Single().Options.Parallel);
    }

    [Fact]
    public async Task AFullQueueAnswers503()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync(new Dictionary<string, string>
        {
            ["OLLAMA_NUM_PARALLEL"] = "1",
            ["OLLAMA_MAX_QUEUE"] = "1",
        });
        using var cancelFirst = new CancellationTokenSource();
        // The first request holds the only slot with a long generation.
        var first = await OpenStreamAsync(server, Request("Once upon a time", 100_000, stream: true), cancelFirst.Token);
        await first.Reader.ReadLineAsync();
        // The second waits for the slot: the queue is now full.
        var second = server.PostAsync("/api/generate", Request("Lily", 4, stream: false));
        await WaitUntilAsync(() => server.Server.Scheduler.QueuedRequests == 1, "second request queued");

        var (status, body, text) = await server.PostAsync("/api/generate", Request("Tom", 4, stream: false));
        Assert.Equal(503, status);
        Assert.Equal("""{"error":"server busy, please try again.  maximum pending requests exceeded"}""", text);

        cancelFirst.Cancel();
        first.Dispose();
        var done = await second;
        Assert.Equal(200, done.Status);
        Assert.Equal("length", (string?)done.Body!["done_reason"]);
    }

    [Fact]
    public async Task ADisconnectedClientFreesItsSlotAtOnce()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync(new Dictionary<string, string> { ["OLLAMA_NUM_PARALLEL"] = "1" });
        // Warm up, and measure how fast tokens come so the "would have waited" time is known.
        var warm = await server.PostOkAsync("/api/generate", Request("Once upon a time", 200, stream: false));
        double tokensPerSecond = (int)warm!["eval_count"]! / ((long)warm["eval_duration"]! / 1e9);

        const int longRun = 1280; // 10 × stories' context (128): the most a request may generate
        using var cancel = new CancellationTokenSource();
        var stream = await OpenStreamAsync(server, Request("Once upon a time", longRun, stream: true), cancel.Token);
        for (int i = 0; i < 3; i++) await stream.Reader.ReadLineAsync();
        var runner = server.Server.Scheduler.Snapshot().Single().Runner;
        Assert.Equal(1, runner.ActiveCount);

        var sw = Stopwatch.StartNew();
        cancel.Cancel();
        stream.Dispose();
        await WaitUntilAsync(() => runner.ActiveCount == 0, "slot released");
        var freed = sw.Elapsed;
        var next = await server.PostOkAsync("/api/generate", Request("Lily", 8, stream: false));
        var answered = sw.Elapsed;
        double wouldWait = longRun / tokensPerSecond;
        output.WriteLine($"{tokensPerSecond:F0} tok/s; slot freed after {freed.TotalMilliseconds:F0} ms, next answered after {answered.TotalMilliseconds:F0} ms; the abandoned run needed ~{wouldWait:F1} s");
        Assert.Equal("length", (string?)next!["done_reason"]);
        Assert.True(freed.TotalSeconds < Math.Max(1.0, wouldWait / 3), $"slot freed after {freed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task TwoModelsAlternateWithOneLoadedAtATime()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync(new Dictionary<string, string> { ["OLLAMA_MAX_LOADED_MODELS"] = "1" });
        await server.CreateModelAsync("tiny", Corral.Testing.RepoPaths.SharedFile("models", "llama-tiny-F16.gguf"));
        var expected = new Dictionary<string, string>();
        foreach (var model in new[] { "stories", "tiny", "stories", "tiny", "stories" })
        {
            var body = await server.PostOkAsync("/api/generate", new JsonObject
            {
                ["model"] = model, ["prompt"] = "Once upon a time", ["stream"] = false, ["options"] = ApiTestKit.Greedy(24),
            });
            string text = (string)body!["response"]!;
            if (!expected.TryAdd(model, text)) Assert.Equal(expected[model], text);
            var ps = await server.GetJsonAsync("/api/ps");
            Assert.Equal([model + ":latest"], ps["models"]!.AsArray().Select(m => (string)m!["name"]!));
        }
    }

    [Fact]
    public async Task ConcurrentRequestsForTwoModelsAllFinishWithOneLoadedAtATime()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync(new Dictionary<string, string>
        {
            ["OLLAMA_MAX_LOADED_MODELS"] = "1",
            ["OLLAMA_NUM_PARALLEL"] = "2",
        });
        await server.CreateModelAsync("tiny", Corral.Testing.RepoPaths.SharedFile("models", "llama-tiny-F16.gguf"));
        var requests = Enumerable.Range(0, 6).Select(i => server.PostAsync("/api/generate", new JsonObject
        {
            ["model"] = i % 2 == 0 ? "stories" : "tiny", ["prompt"] = s_prompts[i], ["stream"] = false, ["options"] = ApiTestKit.Greedy(32),
        })).ToList();
        foreach (var r in await Task.WhenAll(requests))
        {
            Assert.True(r.Status == 200, r.Text);
            Assert.Equal(32, (int)r.Body!["eval_count"]!);
        }
        Assert.Single(server.Server.Scheduler.Snapshot());
    }

    [Fact]
    public async Task ChangedLoadOptionsReloadTheModel()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        async Task<int> ContextAfter(int numCtx)
        {
            await server.PostOkAsync("/api/generate", new JsonObject
            {
                ["model"] = "stories", ["prompt"] = "Hi", ["stream"] = false, ["options"] = ApiTestKit.Greedy(2, new JsonObject { ["num_ctx"] = numCtx }),
            });
            var ps = await server.GetJsonAsync("/api/ps");
            Assert.Single(ps["models"]!.AsArray());
            return (int)ps["models"]![0]!["context_length"]!;
        }
        Assert.Equal(64, await ContextAfter(64));
        var first = server.Server.Scheduler.Snapshot().Single();
        Assert.Equal(64, await ContextAfter(64));
        Assert.Same(first, server.Server.Scheduler.Snapshot().Single()); // same options: same runner
        Assert.Equal(96, await ContextAfter(96));
        Assert.NotSame(first, server.Server.Scheduler.Snapshot().Single());
        Assert.Equal(128, await ContextAfter(100_000)); // clamped to stories' trained context (128)
    }

    [Fact]
    public async Task AModelThatCannotFitIsRefusedAndIdleModelsMakeRoom()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        await server.CreateModelAsync("tiny", Corral.Testing.RepoPaths.SharedFile("models", "llama-tiny-F16.gguf"));
        var scheduler = server.Server.Scheduler;

        scheduler.MemoryLimitOverride = 1024 * 1024; // 1 MiB: nothing fits
        var (status, body, _) = await server.PostAsync("/api/generate", Request("Hi", 2, stream: false));
        Assert.Equal(500, status);
        Assert.Matches(@"^model requires more system memory \(\d+\.\d GiB\) than is available \(0\.0 GiB\)$", (string)body!["error"]!);
        Assert.Empty(scheduler.Snapshot());

        // Room for one model only: the idle one is evicted although three could be loaded by count.
        scheduler.MemoryLimitOverride = null;
        await server.PostOkAsync("/api/generate", Request("Hi", 2, stream: false));
        long resident = scheduler.Snapshot().Single().Size;
        var tiny = server.Server.Store.Resolve(Corral.Store.ModelName.Parse("tiny"));
        long tinyNeeds = ModelLoading.Spec(server.Server, tiny, null, null, null).EstimatedBytes;
        scheduler.MemoryLimitOverride = tinyNeeds + resident / 2;
        await server.PostOkAsync("/api/generate", new JsonObject { ["model"] = "tiny", ["prompt"] = "Hi", ["stream"] = false, ["options"] = ApiTestKit.Greedy(2) });
        Assert.Equal(["tiny:latest"], scheduler.Snapshot().Select(m => m.Name));
    }

    private sealed class OpenStream(HttpClient client, HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        public StreamReader Reader { get; } = reader;

        public void Dispose()
        {
            Reader.Dispose();
            response.Dispose();
            client.Dispose();
        }
    }

    /// <summary>
    /// Opens a streamed generate on its own connection. Disposing it closes that connection at once, as a
    /// client process that dies or a browser tab that closes does (HttpClient would otherwise drain the
    /// rest of the response for up to two seconds before letting go).
    /// </summary>
    private static async Task<OpenStream> OpenStreamAsync(TestServer server, JsonObject body, CancellationToken cancellation)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero }) { BaseAddress = server.Url };
        var req = new HttpRequestMessage(HttpMethod.Post, "/api/generate") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        var resp = await client.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, cancellation);
        Assert.Equal(200, (int)resp.StatusCode);
        return new OpenStream(client, resp, new StreamReader(await resp.Content.ReadAsStreamAsync(cancellation)));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, double seconds = 10)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"timed out waiting for: {what}");
            await Task.Delay(10);
        }
    }
}
