using System.Text.Json.Nodes;
using Corral.Server.Tests.Infrastructure;
using Corral.Testing;

namespace Corral.Server.Tests.Native;

/// <summary>Tool calls and thinking parsed out of real model output, seen through the npm ollama client.</summary>
public class ToolsAndThinkingTests
{
    public const string ToolTemplate =
        "{{- if .Tools }}<|im_start|>system\nYou can call tools: {{ range .Tools }}{{ . }}{{ end }}<|im_end|>\n{{ end }}" +
        "{{- range .Messages }}<|im_start|>{{ .Role }}\n" +
        "{{- if .ToolCalls }}<tool_call>{{ range .ToolCalls }}{\"name\": \"{{ .Function.Name }}\", \"arguments\": {{ .Function.Arguments }}}{{ end }}</tool_call>" +
        "{{- else }}{{ .Content }}{{ end }}<|im_end|>\n{{ end }}<|im_start|>assistant\n";

    public const string ThinkTemplate =
        "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}{{ .Content }}<|im_end|>\n{{ end }}" +
        "<|im_start|>assistant\n{{ if .Think }}<think>{{ end }}";

    [Fact]
    public async Task OllamaClientSeesToolCallsAndThinking()
    {
        await using var server = await TestServer.StartAsync();
        string gguf = RepoPaths.SharedFile("models", "stories260K.gguf");
        await server.CreateModelAsync("tooly", gguf, new JsonObject { ["template"] = ToolTemplate });
        await server.CreateModelAsync("thinker", gguf, new JsonObject { ["template"] = ThinkTemplate });
        var stdout = await server.RunNodeAsync("ollama-tools-thinking.mjs");
        Assert.Contains("ok", stdout);
    }

    [Fact]
    public async Task OpenAIClientSeesToolCalls()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateModelAsync("tooly", RepoPaths.SharedFile("models", "stories260K.gguf"), new JsonObject { ["template"] = ToolTemplate });
        var stdout = await server.RunNodeAsync("openai-tools.mjs");
        Assert.Contains("ok", stdout);
    }

    [Fact]
    public async Task ThinkOnAModelWithoutThinkingIsRefused()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateModelAsync("plain", RepoPaths.SharedFile("models", "stories260K.gguf"));
        var (status, body, _) = await server.PostAsync("/api/chat", new JsonObject
        {
            ["model"] = "plain",
            ["think"] = true,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
        });
        Assert.Equal(400, status);
        Assert.Equal("\"plain\" does not support thinking", (string)body!["error"]!);
        var (status2, body2, _) = await server.PostAsync("/api/chat", new JsonObject
        {
            ["model"] = "plain",
            ["think"] = "sometimes",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
        });
        Assert.Equal(400, status2);
        Assert.StartsWith("invalid think value: \"sometimes\"", (string)body2!["error"]!);
    }

    [Fact]
    public async Task ToolsOnAModelWithoutToolsAreRefused()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateModelAsync("plain", RepoPaths.SharedFile("models", "stories260K.gguf"));
        var (status, body, _) = await server.PostAsync("/api/chat", new JsonObject
        {
            ["model"] = "plain",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
            ["tools"] = JsonNode.Parse("""[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}]"""),
        });
        Assert.Equal(400, status);
        Assert.Equal("registry.ollama.ai/library/plain:latest does not support tools", (string)body!["error"]!);
    }
}
