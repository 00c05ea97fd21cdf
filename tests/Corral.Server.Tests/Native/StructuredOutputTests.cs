using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Server.Tests.Infrastructure;
using Corral.Testing;
using Json.Schema;
using Xunit.Abstractions;

namespace Corral.Server.Tests.Native;

/// <summary>
/// Structured output through the API: real models sampling freely (temperature 1, seeded) under a JSON
/// schema always produce JSON that parses and validates (issue 7's acceptance: 20 schemas × 50 samples × 2 models).
/// </summary>
public class StructuredOutputTests(ITestOutputHelper output)
{
    private static readonly int SamplesPerSchema = int.TryParse(Environment.GetEnvironmentVariable("CORRAL_TEST_SAMPLES"), out var n) ? n : 50;

    public static TheoryData<string> Models => new() { "stories260K", "qwen2-tiny-F16" };

    [Theory]
    [MemberData(nameof(Models))]
    public async Task SampledOutputsValidateAgainstEverySchema(string modelName)
    {
        string path = modelName == "stories260K" ? RepoPaths.SharedFile("models", "stories260K.gguf") : SyntheticModels.Get(modelName);
        await using var server = await TestServer.StartAsync(new Dictionary<string, string> { ["OLLAMA_NUM_PARALLEL"] = "4" });
        await server.CreateModelAsync("m", path);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int total = 0;
        using var inFlight = new SemaphoreSlim(8); // enough to fill the 4 slots, few enough that none waits minutes
        foreach (var (name, schemaText) in BoundedSchemas.All)
        {
            var schema = JsonSchema.FromText(schemaText);
            var format = JsonNode.Parse(schemaText);
            var tasks = Enumerable.Range(0, SamplesPerSchema).Select(async seed =>
            {
                await inFlight.WaitAsync();
                try
                {
                var (status, body, text) = await server.PostAsync("/api/generate", new JsonObject
                {
                    ["model"] = "m",
                    ["prompt"] = "Once upon a time",
                    ["raw"] = true,
                    ["stream"] = false,
                    ["format"] = format!.DeepClone(),
                    ["options"] = new JsonObject { ["temperature"] = 1.0, ["seed"] = seed, ["num_predict"] = 600, ["top_k"] = 0, ["top_p"] = 1.0 },
                });
                Assert.True(status == 200, $"{name} seed {seed}: {status} {text}");
                return ((string)body!["response"]!, (string)body["done_reason"]!, seed);
                }
                finally
                {
                    inFlight.Release();
                }
            });
            foreach (var (response, reason, seed) in await Task.WhenAll(tasks))
            {
                Assert.True(reason == "stop", $"{name} seed {seed}: ended with '{reason}': {response}");
                using var doc = JsonDocument.Parse(response);
                var result = schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
                Assert.True(result.IsValid, $"{name} seed {seed}: {response} does not validate");
                total++;
            }
        }
        output.WriteLine($"{modelName}: {total} samples over {BoundedSchemas.All.Length} schemas validated in {sw.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task UnsupportedSchemaKeywordIsRejected()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateModelAsync("m", RepoPaths.SharedFile("models", "stories260K.gguf"));
        var (status, body, _) = await server.PostAsync("/api/generate", new JsonObject
        {
            ["model"] = "m",
            ["prompt"] = "x",
            ["format"] = JsonNode.Parse("""{"type":"array","items":{"type":"integer"},"uniqueItems":true}"""),
        });
        Assert.Equal(400, status);
        Assert.Contains("uniqueItems", (string)body!["error"]!);
    }

    [Fact]
    public async Task JsonFormatProducesJson()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateModelAsync("m", RepoPaths.SharedFile("models", "stories260K.gguf"));
        for (int seed = 0; seed < 5; seed++)
        {
            var (status, body, text) = await server.PostAsync("/api/chat", new JsonObject
            {
                ["model"] = "m",
                ["stream"] = false,
                ["format"] = "json",
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Tell me a story" }),
                ["options"] = new JsonObject { ["seed"] = seed, ["num_predict"] = 2000 },
            });
            Assert.True(status == 200, text);
            if ((string)body!["done_reason"]! == "stop")
                JsonDocument.Parse((string)body["message"]!["content"]!).Dispose();
        }
    }
}
