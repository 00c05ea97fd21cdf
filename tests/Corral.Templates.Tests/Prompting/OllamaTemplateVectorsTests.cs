using Corral.Templates.Prompting;
using Corral.Templates.Prompting.Ollama;
using Corral.Testing;
using Xunit.Abstractions;

namespace Corral.Templates.Tests.Prompting;

/// <summary>
/// Spec B6: every built-in Ollama template rendered for the three upstream conversations must equal upstream's
/// <c>template/testdata/&lt;name&gt;.gotmpl/&lt;case&gt;</c> (a single trailing space is removed for five templates, as upstream's test does).
/// Reads Ollama's <c>template/</c> folder from <c>../shared/ollama/template</c>.
/// </summary>
public sealed class OllamaTemplateVectorsTests(ITestOutputHelper output)
{
    private static readonly string[] TrailingSpaceTemplates = ["chatqa.gotmpl", "llama2-chat.gotmpl", "mistral-instruct.gotmpl", "openchat.gotmpl", "vicuna.gotmpl"];

    private static readonly (string Name, ChatMessage[] Messages)[] Conversations =
    [
        ("user", [new("user", "Hello, how are you?")]),
        ("user-assistant-user", [new("user", "Hello, how are you?"), new("assistant", "I'm doing great. How can I help you today?"), new("user", "I'd like to show off how chat templating works!")]),
        ("system-user-assistant-user", [new("system", "You are a helpful assistant."), new("user", "Hello, how are you?"), new("assistant", "I'm doing great. How can I help you today?"), new("user", "I'd like to show off how chat templating works!")]),
    ];

    [SharedDataFact("ollama", "template")]
    public void Builtin_templates_render_like_upstream()
    {
        string dir = RepoPaths.SharedFile("ollama", "template");
        var failures = new List<string>();
        int checkedCases = 0;
        foreach (var file in Directory.GetFiles(dir, "*.gotmpl").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(file);
            var template = OllamaTemplate.Parse(File.ReadAllText(file).Replace("\r\n", "\n"));
            foreach (var (caseName, messages) in Conversations)
            {
                string expectedPath = Path.Combine(dir, "testdata", name, caseName);
                if (!File.Exists(expectedPath)) continue;
                string actual = template.Render(new OllamaTemplateValues { Messages = messages });
                if (TrailingSpaceTemplates.Contains(name) && actual.EndsWith(' ')) actual = actual[..^1];
                checkedCases++;
                if (actual != File.ReadAllText(expectedPath)) failures.Add($"{name}/{caseName}:\n{actual}");
            }
        }
        output.WriteLine($"{checkedCases - failures.Count}/{checkedCases} upstream template vectors match");
        Assert.True(checkedCases >= 60, $"expected at least 60 vectors, found {checkedCases}");
        Assert.Empty(failures);
    }
}
