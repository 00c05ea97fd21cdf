using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Server.Tests.Infrastructure;
using Corral.Testing;
using Xunit.Abstractions;

namespace Corral.Server.Tests.Native;

/// <summary>
/// GGUF chat templates that refuse a conversation (raise_exception, or an undefined value) refuse it through
/// /api/chat as a 4xx with the template's own message. Templates that llama.cpp's chat layer adapts the
/// conversation for (e.g. folding a system message into the first user turn when the template has no system
/// role, as llama-server does) render instead, and templates without tool support are refused by the capability
/// check before they render; the test reports the counts.
/// </summary>
public class ChatTemplateErrorTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TemplatesThatRaiseAnswer4xxWithTheirMessage()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(RepoPaths.SharedFile("templates", "expected-renders.json")));
        var cases = doc.RootElement.GetProperty("_how").GetProperty("cases");
        await using var server = await TestServer.StartAsync();
        int refused = 0, adapted = 0, models = 0;
        var failures = new List<string>();
        foreach (var template in doc.RootElement.EnumerateObject())
        {
            if (template.Name == "_how") continue;
            var errors = template.Value.EnumerateObject().Where(c => c.Value.TryGetProperty("error", out _)).ToList();
            if (errors.Count == 0) continue;
            string source = File.ReadAllText(RepoPaths.SharedFile("templates", template.Name));
            string model = "t" + models++;
            await server.CreateModelAsync(model, GgufVariants.StoriesWithChatTemplate(source));
            foreach (var c in errors)
            {
                string expected = c.Value.GetProperty("error").GetString()!;
                string message = expected[(expected.IndexOf(": ", StringComparison.Ordinal) + 2)..];
                var conversation = cases.GetProperty(c.Name);
                var body = new JsonObject
                {
                    ["model"] = model,
                    ["stream"] = false,
                    ["_debug_render_only"] = true,
                    ["messages"] = JsonNode.Parse(conversation.GetProperty("messages").GetRawText()),
                };
                if (conversation.TryGetProperty("tools", out var tools)) body["tools"] = JsonNode.Parse(tools.GetRawText());
                var (status, reply, text) = await server.PostAsync("/api/chat", body);
                string error = (string?)reply?["error"] ?? "";
                if (status is >= 400 and < 500)
                {
                    // The template's own message, or the capability check that refuses tools before rendering.
                    if (error.Contains(message, StringComparison.Ordinal) || error.EndsWith("does not support tools", StringComparison.Ordinal)) refused++;
                    else failures.Add($"{template.Name}/{c.Name}: {status} {text} (expected message '{message}')");
                }
                else if (status == 200)
                {
                    adapted++;
                    output.WriteLine($"adapted: {template.Name}/{c.Name} ({expected})");
                }
                else failures.Add($"{template.Name}/{c.Name}: {status} {text}");
            }
        }
        output.WriteLine($"{refused} refused with the template's message, {adapted} adapted by llama.cpp's chat rules, over {models} templates");
        foreach (var f in failures) output.WriteLine("FAIL " + f);
        Assert.Empty(failures);
        Assert.True(refused > 0);
    }
}
