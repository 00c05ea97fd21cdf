using System.Text.Json.Nodes;
using Corral.Templates.Prompting;
using Corral.Templates.Prompting.Native;
using Corral.Templates.Prompting.Ollama;
using Corral.Testing;

namespace Corral.Templates.Tests.Prompting;

/// <summary>GGUF chat templates rendered with llama-server's context (spec B1) and Ollama's source checks (B4.6).</summary>
public sealed class NativeChatTemplateTests
{
    private static string Shared(string name) => File.ReadAllText(RepoPaths.SharedFile("templates", name));

    private static readonly DateTime Clock = new(2026, 1, 15, 9, 30, 0);

    [Fact]
    public void Plain_conversations_render_like_the_reference_for_a_template_without_extra_variables()
    {
        var reference = JsonNode.Parse(File.ReadAllText(RepoPaths.SharedFile("templates", "expected-renders.json")))!;
        var how = reference["_how"]!;
        var template = JinjaChatTemplate.Create(Shared("Qwen-Qwen2.5-7B-Instruct.jinja"));
        foreach (var caseName in new[] { "system_user", "multi_turn", "no_generation_prompt" })
        {
            var conversation = how["cases"]![caseName]!;
            var messages = conversation["messages"]!.AsArray().Select(m => new ChatMessage(m!["role"]!.GetValue<string>(), m["content"]!.GetValue<string>())).ToList();
            string prompt = template.Render(new JinjaChatRequest
            {
                Messages = messages,
                AddGenerationPrompt = conversation["add_generation_prompt"]!.GetValue<bool>(),
                BosToken = how["context"]!["bos_token"]!.GetValue<string>(),
                EosToken = how["context"]!["eos_token"]!.GetValue<string>(),
                Now = () => Clock,
            });
            Assert.Equal(reference["Qwen-Qwen2.5-7B-Instruct.jinja"]![caseName]!["prompt"]!.GetValue<string>(), prompt);
        }
    }

    [Fact]
    public void Template_without_system_role_gets_the_system_text_folded_into_the_next_message()
    {
        var template = JinjaChatTemplate.Create(Shared("google-gemma-2-2b-it.jinja"));
        Assert.False(template.Capabilities.SupportsSystemRole);
        string prompt = template.Render(new JinjaChatRequest
        {
            Messages = [new("system", "You are a helpful assistant."), new("user", "Hello!")],
            BosToken = "<bos>",
        });
        Assert.Equal("<bos><start_of_turn>user\nYou are a helpful assistant.\nHello!<end_of_turn>\n<start_of_turn>model\n", prompt);
        // The tokenizer adds BOS itself: the rendered one is removed.
        Assert.StartsWith("<start_of_turn>", template.Render(new JinjaChatRequest { Messages = [new("user", "x")], BosToken = "<bos>", AddBos = true }));
    }

    [Fact]
    public void Tool_call_arguments_become_objects_when_the_template_would_double_escape_strings()
    {
        var template = JinjaChatTemplate.Create(Shared("Qwen-Qwen2.5-7B-Instruct.jinja"));
        Assert.True(template.Capabilities.RequiresObjectArguments);
        Assert.True(template.Capabilities.SupportsTools);
        var messages = new ChatMessage[]
        {
            new("user", "Weather?"),
            new("assistant", "") { ToolCalls = [new ChatToolCall("get_weather", new JsonObject { ["city"] = "Paris" }, "call_1")] },
            new("tool", "22C") { ToolName = "get_weather", ToolCallId = "call_1" },
        };
        string prompt = template.Render(new JinjaChatRequest { Messages = messages });
        Assert.Contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", prompt);
        Assert.Contains("<tool_response>\n22C\n</tool_response>", prompt);
    }

    [Fact]
    public void Templates_printing_raw_arguments_get_json_strings()
    {
        const string source = "{% for m in messages %}{% for tc in m.tool_calls or [] %}{{ tc.function.name }} {{ tc.function.arguments }}|{% endfor %}{% endfor %}";
        var template = JinjaChatTemplate.Create(source);
        Assert.False(template.Capabilities.RequiresObjectArguments);
        var messages = new ChatMessage[] { new("assistant", "") { ToolCalls = [new ChatToolCall("f", new JsonObject { ["a"] = "é<" })] } };
        Assert.Equal("f {\"a\":\"é<\"}|", template.Render(new JinjaChatRequest { Messages = messages }));
    }

    [Fact]
    public void Context_has_thinking_dates_and_template_arguments()
    {
        const string source = "{{ enable_thinking }}|{{ datetime }}|{{ date_string }}|{{ reasoning_effort }}|{{ reasoning_strength }}|{{ add_generation_prompt is defined }}|{{ tools is defined }}|{{ strftime_now('%Y') }}";
        var template = JinjaChatTemplate.Create(source);
        var request = new JinjaChatRequest
        {
            Messages = [new("user", "x")],
            EnableThinking = false,
            TemplateArguments = new JsonObject { ["reasoning_effort"] = "high" },
            Now = () => Clock,
            Tools = [],
        };
        Assert.Equal("False|Jan 15 2026|15 Jan 2026|high|high|True|False|2026", template.Render(request));
        Assert.EndsWith("|False|False|2026", template.Render(request with { AddGenerationPrompt = false }));
    }

    [Fact]
    public void Developer_role_becomes_system_and_empty_template_falls_back_to_chatml()
    {
        var template = JinjaChatTemplate.Create("");
        Assert.Equal(JinjaChatTemplate.ChatMlSource, template.Source);
        var request = new JinjaChatRequest { Messages = [new("developer", "rules"), new("user", "hi")] };
        Assert.Equal("<|im_start|>system\nrules<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", template.Render(request));
        Assert.Equal("<|im_start|>assistant\n", template.GenerationPrompt(request));
    }

    [Fact]
    public void Gpt_oss_guard_is_patched_out()
    {
        string source = Shared("openai-gpt-oss-120b.jinja");
        var template = JinjaChatTemplate.Create(source);
        if (source.Contains("in message.content or", StringComparison.Ordinal))
            Assert.DoesNotContain("\"<|channel|>analysis<|message|>\" in message.content", template.Source);
        Assert.Contains("<|start|>assistant", template.Render(new JinjaChatRequest { Messages = [new("user", "hi")], Now = () => Clock }));
    }

    [Theory]
    [InlineData("Qwen-Qwen3-0.6B.jinja", TemplateCapabilities.Tools | TemplateCapabilities.Thinking, true)]
    [InlineData("meta-llama-Llama-3.1-8B-Instruct.jinja", TemplateCapabilities.Tools, true)]
    [InlineData("google-gemma-2-2b-it.jinja", TemplateCapabilities.None, false)]
    [InlineData("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", TemplateCapabilities.Tools | TemplateCapabilities.Thinking, true)]
    public void Source_checks_find_capabilities(string name, TemplateCapabilities expected, bool roundTrip)
    {
        string source = Shared(name);
        Assert.Equal(expected, ChatTemplateSupport.Capabilities(source));
        Assert.Equal(roundTrip, ChatTemplateSupport.HasToolRoundTrip(source));
    }

    [Fact]
    public void Chat_template_is_preferred_only_for_more_capabilities_or_a_missing_round_trip()
    {
        var plain = OllamaTemplate.Parse("{{ range .Messages }}{{ .Content }}{{ end }}");
        var withTools = OllamaTemplate.Parse("{{ .Tools }}{{ range .Messages }}{{ .Content }}{{ end }}");
        var withRoundTrip = OllamaTemplate.Parse("{{ .Tools }}{{ range .Messages }}{{ .ToolCalls }}{{ if eq .Role \"tool\" }}r{{ end }}{{ end }}");
        string qwen3 = Shared("Qwen-Qwen3-0.6B.jinja");
        string toolsOnly = "{{ tools }}";
        Assert.True(ChatTemplateSupport.ShouldPreferChatTemplate(qwen3, plain));
        Assert.True(ChatTemplateSupport.ShouldPreferChatTemplate(qwen3, withRoundTrip));
        Assert.False(ChatTemplateSupport.ShouldPreferChatTemplate(toolsOnly, withTools));
        Assert.True(ChatTemplateSupport.ShouldPreferChatTemplate(Shared("meta-llama-Llama-3.1-8B-Instruct.jinja"), withTools));
        Assert.False(ChatTemplateSupport.ShouldPreferChatTemplate(Shared("meta-llama-Llama-3.1-8B-Instruct.jinja"), withRoundTrip));
    }
}
