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
    /// <summary>Model file (stored in ../shared/models, or a synthetic model name) and its golden.</summary>
    public static TheoryData<string, string> Models => new()
    {
        { "stories260K.gguf", "stories260K-F32" },
        { "llama-tiny-F16.gguf", "llama-tiny-F16" },
        { "synthetic:qwen2-tiny-F16", "qwen2-tiny-F16" },
        { "synthetic:qwen3-tiny-F16", "qwen3-tiny-F16" },
        { "synthetic:llama3-tiny-F16", "llama3-tiny-F16" },
        { "synthetic:gemma2-tiny-F16", "gemma2-tiny-F16" },
        { "synthetic:gemma3-tiny-F16", "gemma3-tiny-F16" },
        { "synthetic:phi3-tiny-F16", "phi3-tiny-F16" },
        { "stories260K-Q8_0.gguf", "stories260K-Q8_0" },
        { "stories260K-Q4_0.gguf", "stories260K-Q4_0" },
        { "llama-tiny-Q8_0.gguf", "llama-tiny-Q8_0" },
        { "llama-tiny-Q4_0.gguf", "llama-tiny-Q4_0" },
        { "llama-tiny-Q4_1.gguf", "llama-tiny-Q4_1" },
        { "llama-tiny-Q5_0.gguf", "llama-tiny-Q5_0" },
        { "llama-tiny-Q5_1.gguf", "llama-tiny-Q5_1" },
        { "llama-tiny-Q2_K.gguf", "llama-tiny-Q2_K" },
        { "llama-tiny-Q3_K_M.gguf", "llama-tiny-Q3_K_M" },
        { "llama-tiny-Q4_K_S.gguf", "llama-tiny-Q4_K_S" },
        { "llama-tiny-Q4_K_M.gguf", "llama-tiny-Q4_K_M" },
        { "llama-tiny-Q5_K_M.gguf", "llama-tiny-Q5_K_M" },
        { "llama-tiny-Q6_K.gguf", "llama-tiny-Q6_K" },
        { "llama-tiny-IQ4_NL.gguf", "llama-tiny-IQ4_NL" },
        // Quantized by Corral through /api/create (byte-identical to llama.cpp's files, see QuantizeCreateTests).
        { "synthetic:qwen2-tiny-F16|q8_0", "qwen2-tiny-Q8_0" },
        { "synthetic:qwen2-tiny-F16|q4_K_M", "qwen2-tiny-Q4_K_M" },
        { "synthetic:qwen3-tiny-F16|q8_0", "qwen3-tiny-Q8_0" },
        { "synthetic:qwen3-tiny-F16|q4_K_M", "qwen3-tiny-Q4_K_M" },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public async Task GenerateMatchesLlamaCpp(string modelFile, string golden)
    {
        await using var server = await TestServer.StartAsync();
        string[] parts = modelFile.Split('|');
        string path = parts[0].StartsWith("synthetic:", StringComparison.Ordinal)
            ? SyntheticModels.Get(parts[0]["synthetic:".Length..])
            : RepoPaths.SharedFile("models", parts[0]);
        await server.CreateModelAsync("parity", path, parts.Length > 1 ? new JsonObject { ["quantize"] = parts[1] } : null);
        var cases = Golden.Load(golden);
        int cap = cases.Max(c => c.Generated.Length); // the step count llama.cpp ran with
        foreach (var c in cases)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var (status, body, text) = await server.PostAsync("/api/generate", new JsonObject
            {
                ["model"] = "parity",
                ["prompt"] = c.Prompt,
                ["raw"] = true,
                ["stream"] = false,
                ["options"] = new JsonObject { ["temperature"] = 0, ["num_predict"] = cap },
            });
            Assert.True(status == 200, text);
            var context = body!["context"]!.AsArray().Select(n => (int)n!).ToArray();
            Assert.Equal(c.PromptTokens, context.Take(c.PromptTokens.Length));
            var generated = context.Skip(c.PromptTokens.Length).ToList();
            int exact = Golden.AssertMatches(c, generated, $"{golden} '{c.Prompt}'");
            if (exact == c.Generated.Length && !c.TextLossy) Assert.Equal(c.Text, (string)body["response"]!);
            if (exact == c.Generated.Length) Assert.Equal(c.Generated.Length, body["eval_count"]?.GetValue<int>() ?? 0);
            if (exact == c.Generated.Length) Assert.Equal(c.Generated.Length < cap ? "stop" : "length", (string)body["done_reason"]!);
            output.WriteLine($"{golden} '{c.Prompt}': {exact}/{c.Generated.Length} exact ({sw.ElapsedMilliseconds} ms, load {(body["load_duration"]?.GetValue<long>() ?? 0) / 1_000_000} ms, eval {(body["eval_duration"]?.GetValue<long>() ?? 0) / 1_000_000} ms)");
        }
    }
}
