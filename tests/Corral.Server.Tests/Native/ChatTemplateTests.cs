using System.Text.Json.Nodes;
using Corral.Server.Tests.Infrastructure;
using Corral.Testing;

namespace Corral.Server.Tests.Native;

/// <summary>Prompt rendering through a Modelfile TEMPLATE and the default template, seen through _debug_render_only and real chats.</summary>
public class ChatTemplateTests
{
    private const string ChatMl = "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n";

    [Fact]
    public async Task GoTemplateRendersSystemAndHistory()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateModelAsync("chatml", RepoPaths.SharedFile("models", "stories260K.gguf"),
            new JsonObject { ["template"] = ChatMl, ["system"] = "Be brief." });
        var (status, body, text) = await server.PostAsync("/api/chat", new JsonObject
        {
            ["model"] = "chatml",
            ["_debug_render_only"] = true,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hi" }),
        });
        Assert.True(status == 200, text);
        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
            (string)body!["_debug_info"]!["rendered_template"]!);
    }

    [Fact]
    public async Task ChatStreamsAndFinishes()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateModelAsync("stories", RepoPaths.SharedFile("models", "stories260K.gguf"));
        var (status, lines) = await server.PostStreamAsync("/api/chat", new JsonObject
        {
            ["model"] = "stories",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Once upon a time" }),
            ["options"] = new JsonObject { ["temperature"] = 0, ["num_predict"] = 16 },
        });
        Assert.Equal(200, status);
        Assert.True(lines.Count >= 2);
        var last = lines[^1];
        Assert.True((bool)last["done"]!);
        Assert.Equal("length", (string)last["done_reason"]!);
        Assert.Equal(16, (int)last["eval_count"]!);
        string content = string.Concat(lines.Take(lines.Count - 1).Select(l => (string)l["message"]!["content"]!));
        Assert.StartsWith(", there was a little girl", content);
    }

    [Fact]
    public async Task EmptyMessagesLoadsAndKeepAliveZeroUnloads()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateModelAsync("stories", RepoPaths.SharedFile("models", "stories260K.gguf"));
        var (_, load, _) = await server.PostAsync("/api/chat", new JsonObject { ["model"] = "stories", ["messages"] = new JsonArray() });
        Assert.Equal("load", (string)load!["done_reason"]!);
        Assert.Single(server.Server.Scheduler.Snapshot());
        var (_, unload, _) = await server.PostAsync("/api/generate", new JsonObject { ["model"] = "stories", ["keep_alive"] = 0 });
        Assert.Equal("unload", (string)unload!["done_reason"]!);
        Assert.Empty(server.Server.Scheduler.Snapshot());
    }
}
