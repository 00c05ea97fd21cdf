using System.ClientModel;
using System.Text;
using System.Text.Json.Nodes;
using Corral.Server.Tests.Api;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Models;

namespace Corral.Server.Tests.OpenAI;

/// <summary>
/// Issue 6 acceptance: the official OpenAI .NET SDK against Corral's /v1 routes (models, chat streaming and
/// not, embeddings in its default base64 encoding), compared with the native answers. The SDK has no client
/// for the legacy /v1/completions route; the npm test covers that one.
/// </summary>
public class OpenAIDotNetSdkTests
{
    private static OpenAIClient Client(Uri server) => new(new ApiKeyCredential("corral"), new OpenAIClientOptions { Endpoint = new Uri(server, "/v1") });

    [Fact]
    public async Task TheDotNetSdkWorksUnchanged()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var client = Client(server.Url);
        var native = await server.PostOkAsync("/api/chat", new JsonObject
        {
            ["model"] = "stories", ["stream"] = false,
            ["options"] = new JsonObject { ["temperature"] = 0, ["top_p"] = 1.0, ["num_predict"] = 16 },
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Once upon a time" }),
        });
        string expected = (string)native!["message"]!["content"]!;

        // models
        var models = (await client.GetOpenAIModelClient().GetModelsAsync()).Value;
        var listed = Assert.Single(models, m => m.Id == "stories:latest");
        Assert.Equal("library", listed.OwnedBy);
        Assert.True(listed.CreatedAt > DateTimeOffset.Now.AddHours(-1));
        var one = (await client.GetOpenAIModelClient().GetModelAsync("stories")).Value;
        Assert.Equal("stories", one.Id);

        // chat (the SDK sends max_completion_tokens, which Corral honours)
        var chat = client.GetChatClient("stories");
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 16, Temperature = 0 };
        var completion = (await chat.CompleteChatAsync([new UserChatMessage("Once upon a time")], options)).Value;
        Assert.Equal(expected, completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal(16, completion.Usage.OutputTokenCount);
        Assert.Equal((int)native["prompt_eval_count"]!, completion.Usage.InputTokenCount);
        Assert.StartsWith("chatcmpl-", completion.Id);
        Assert.Equal("stories", completion.Model);

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Once upon a time")], options))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }
        Assert.Equal(expected, text.ToString());
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.Equal(16, usage?.OutputTokenCount);

        // embeddings (base64 on the wire by default)
        var nativeEmbed = await server.PostOkAsync("/api/embed", new JsonObject { ["model"] = "stories", ["input"] = new JsonArray("red", "blue") });
        var embeddings = (await client.GetEmbeddingClient("stories").GenerateEmbeddingsAsync(["red", "blue"])).Value;
        Assert.Equal(2, embeddings.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(i, embeddings[i].Index);
            Assert.Equal(nativeEmbed!["embeddings"]![i]!.AsArray().Select(n => (float)n!), embeddings[i].ToFloats().ToArray());
        }
        var shortened = (await client.GetEmbeddingClient("stories").GenerateEmbeddingAsync("red", new EmbeddingGenerationOptions { Dimensions = 8 })).Value;
        Assert.Equal(8, shortened.ToFloats().Length);

        // errors arrive as ClientResultException with the status and OpenAI's message
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => client.GetChatClient("gpt-4o").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(404, missing.Status);
        Assert.Contains("model 'gpt-4o' not found", missing.Message);
    }
}
