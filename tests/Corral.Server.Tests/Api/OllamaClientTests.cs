using Corral.Testing;
using System.Text.Json.Nodes;

namespace Corral.Server.Tests.Api;

/// <summary>
/// Issue 6 acceptance: the npm <c>ollama</c> package drives every native route (tests/clients/ollama-client.mjs
/// asserts what the client sees); its results must equal the server's raw HTTP answers for the same requests.
/// </summary>
public class OllamaClientTests
{
    [Fact]
    public async Task TheOllamaPackageWorksUnchanged()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var output = JsonNode.Parse(await server.RunNodeAsync("ollama-client.mjs", new Dictionary<string, string> { ["CORRAL_MODEL"] = "stories", ["CORRAL_GGUF"] = RepoPaths.SharedFile("models", "stories260K.gguf") }))!;

        var gen = await server.PostOkAsync("/api/generate", new JsonObject { ["model"] = "stories", ["prompt"] = "Once upon a time", ["stream"] = false, ["options"] = ApiTestKit.Greedy(16) });
        Assert.Equal((string)gen!["response"]!, (string?)output["generate"]!["text"]);
        Assert.Equal((int)gen["prompt_eval_count"]!, (int)output["generate"]!["promptEvalCount"]!);
        var chat = await server.PostOkAsync("/api/chat", new JsonObject
        {
            ["model"] = "stories", ["stream"] = false, ["options"] = ApiTestKit.Greedy(12),
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Lily and Tom" }),
        });
        Assert.Equal((string)chat!["message"]!["content"]!, (string?)output["chat"]!["text"]);
        var embed = await server.PostOkAsync("/api/embed", new JsonObject { ["model"] = "stories", ["input"] = "red" });
        Assert.Equal(embed!["embeddings"]![0]!.ToJsonString(), output["embed"]!["first"]!.ToJsonString());
        Assert.Equal(["completion"], output["listed"]!["capabilities"]!.AsArray().Select(c => (string)c!));
        Assert.Equal("{{ .Prompt }}", (string?)output["show"]!["template"]);
        Assert.Equal(128, (int)output["ps"]!["contextLength"]!);
        Assert.InRange((int)output["abortedAfter"]!, 3, 999); // parts already received are still delivered, then AbortError
    }
}
