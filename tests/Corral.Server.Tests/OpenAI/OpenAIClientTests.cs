using System.Text.Json.Nodes;
using Corral.Server.Tests.Api;

namespace Corral.Server.Tests.OpenAI;

/// <summary>
/// Issue 6 acceptance: the npm <c>openai</c> package drives every OpenAI-compatible route
/// (tests/clients/openai-client.mjs); its results must equal the native routes' answers.
/// </summary>
public class OpenAIClientTests
{
    [Fact]
    public async Task TheOpenAIPackageWorksUnchanged()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var output = JsonNode.Parse(await server.RunNodeAsync("openai-client.mjs", new Dictionary<string, string> { ["CORRAL_MODEL"] = "stories" }))!;

        var chat = await server.PostOkAsync("/api/chat", new JsonObject
        {
            ["model"] = "stories", ["stream"] = false,
            ["options"] = new JsonObject { ["temperature"] = 0, ["top_p"] = 1.0, ["num_predict"] = 16 },
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Once upon a time" }),
        });
        Assert.Equal((string)chat!["message"]!["content"]!, (string?)output["chat"]!["text"]);
        Assert.Equal((int)chat["prompt_eval_count"]!, (int)output["chat"]!["usage"]!["prompt_tokens"]!);
        var gen = await server.PostOkAsync("/api/generate", new JsonObject
        {
            ["model"] = "stories", ["prompt"] = "Lily and Tom", ["stream"] = false,
            ["options"] = new JsonObject { ["temperature"] = 0, ["top_p"] = 1.0, ["num_predict"] = 10 },
        });
        Assert.Equal((string)gen!["response"]!, (string?)output["completion"]!["text"]);
        var embed = await server.PostOkAsync("/api/embed", new JsonObject { ["model"] = "stories", ["input"] = "red" });
        Assert.Equal(embed!["embeddings"]![0]!.ToJsonString(), output["embeddings"]!["first"]!.ToJsonString());
        Assert.Contains("stories:latest", output["models"]!.AsArray().Select(m => (string)m!));
    }
}
