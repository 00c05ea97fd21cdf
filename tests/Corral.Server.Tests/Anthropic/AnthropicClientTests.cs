using System.Text.Json.Nodes;
using Corral.Server.Tests.Api;

namespace Corral.Server.Tests.Anthropic;

/// <summary>The npm <c>@anthropic-ai/sdk</c> package against <c>/v1/messages</c> (tests/clients/anthropic-client.mjs).</summary>
public class AnthropicClientTests
{
    [Fact]
    public async Task TheAnthropicPackageWorksUnchanged()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var output = JsonNode.Parse(await server.RunNodeAsync("anthropic-client.mjs", new Dictionary<string, string> { ["CORRAL_MODEL"] = "stories" }))!;
        var chat = await server.PostOkAsync("/api/chat", new JsonObject
        {
            ["model"] = "stories", ["stream"] = false,
            ["options"] = new JsonObject { ["temperature"] = 0, ["num_predict"] = 12 },
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Once upon a time" }),
        });
        Assert.Equal((string)chat!["message"]!["content"]!, (string?)output["text"]);
        Assert.Equal((int)chat["prompt_eval_count"]!, (int)output["usage"]!["input_tokens"]!);
        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
            output["events"]!.AsArray().Select(e => (string)e!));
    }
}
