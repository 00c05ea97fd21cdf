using System.Text.Json.Nodes;
using Corral.Server.Tests.Infrastructure;
using Corral.Testing;
using Xunit.Abstractions;

namespace Corral.Server.Tests.Native;

/// <summary>
/// The walking skeleton's acceptance: a GGUF imported through /api/blobs + /api/create, then
/// /api/generate with raw:true and greedy options returns llama.cpp's tokens (context) and text.
/// </summary>
public class GoldenParityTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Models => new()
    {
        { "stories260K.gguf", "stories260K-F32" },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public async Task GenerateMatchesLlamaCpp(string modelFile, string golden)
    {
        await using var server = await TestServer.StartAsync();
        string path = modelFile.Contains('/') ? modelFile : RepoPaths.SharedFile("models", modelFile);
        await server.CreateModelAsync("parity", path);
        foreach (var c in Golden.Load(golden))
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var (status, body, text) = await server.PostAsync("/api/generate", new JsonObject
            {
                ["model"] = "parity",
                ["prompt"] = c.Prompt,
                ["raw"] = true,
                ["stream"] = false,
                ["options"] = new JsonObject { ["temperature"] = 0, ["num_predict"] = c.Generated.Length },
            });
            Assert.True(status == 200, text);
            var context = body!["context"]!.AsArray().Select(n => (int)n!).ToArray();
            Assert.Equal(c.PromptTokens, context.Take(c.PromptTokens.Length));
            var generated = context.Skip(c.PromptTokens.Length).ToList();
            int exact = Golden.AssertMatches(c, generated, $"{golden} '{c.Prompt}'");
            if (exact == c.Generated.Length && !c.TextLossy) Assert.Equal(c.Text, (string)body["response"]!);
            Assert.Equal(c.Generated.Length, (int)body["eval_count"]!);
            Assert.Equal("length", (string)body["done_reason"]!);
            output.WriteLine($"{golden} '{c.Prompt}': {exact}/{c.Generated.Length} exact ({sw.ElapsedMilliseconds} ms, load {(body["load_duration"]?.GetValue<long>() ?? 0) / 1_000_000} ms, eval {(body["eval_duration"]?.GetValue<long>() ?? 0) / 1_000_000} ms)");
        }
    }
}
