using System.Text.Json.Nodes;
using Corral.Templates.GoTemplates;
using Corral.Templates.Prompting;
using Corral.Templates.Prompting.Ollama;

namespace Corral.Templates.Tests.Prompting;

/// <summary>Ollama's TEMPLATE semantics (runtime.md §10.2, spec B4.3–B4.6, B5.1–B5.2 tag inference).</summary>
public sealed class OllamaTemplateTests
{
    private static string Render(string template, IReadOnlyList<ChatMessage> messages, JsonArray? tools = null, ThinkValue think = default) =>
        OllamaTemplate.Parse(template).Render(new OllamaTemplateValues { Messages = messages, Tools = tools, Think = think });

    [Fact]
    public void Prompt_only_template_gets_a_response_action_appended()
    {
        var t = OllamaTemplate.Parse("{{ .Prompt }}");
        Assert.Equal(["prompt", "response"], t.Variables);
        Assert.Equal("hi", t.Render(new OllamaTemplateValues { Messages = [new("user", "hi")] }));
        Assert.Equal("hi!partial", t.Render(new OllamaTemplateValues { Messages = [new("user", "hi!"), new("assistant", "partial")] }));
    }

    [Fact]
    public void Messages_mode_joins_system_and_merges_consecutive_roles_except_tool()
    {
        const string template = "{{ .System }}|{{ range .Messages }}{{ .Role }}:{{ .Content }};{{ end }}";
        var messages = new ChatMessage[]
        {
            new("system", "A"), new("system", "B"), new("user", "x"), new("user", "y"), new("tool", "t1"), new("tool", "t2"),
        };
        Assert.Equal("A\n\nB|system:A\n\nB;user:x\n\ny;tool:t1;tool:t2;", Render(template, messages));
    }

    [Fact]
    public void Missing_keys_print_no_value_as_go_does()
    {
        Assert.Equal("<no value>|", Render("{{ .Prompt }}|{{ range .Messages }}{{ end }}", [new("user", "hi")]));
    }

    [Fact]
    public void Legacy_template_renders_turn_by_turn_and_cuts_after_the_last_response()
    {
        const string template = "{{ if .System }}S:{{ .System }} {{ end }}U:{{ .Prompt }} A:{{ .Response }}<END>";
        var messages = new ChatMessage[] { new("system", "s"), new("user", "u1"), new("assistant", "a1"), new("user", "u2") };
        Assert.Equal("S:s U:u1 A:a1<END>U:u2 A:", Render(template, messages));
        // A trailing assistant message is a prefill: the cut keeps the Response action itself.
        Assert.Equal("U:u A:partial", Render(template, [new("user", "u"), new("assistant", "partial")]));
        // A system message after a turn flushes it and starts the next turn's system.
        Assert.Equal("U:u1 A:a1<END>S:s2 U:u2 A:", Render(template, [new("user", "u1"), new("assistant", "a1"), new("system", "s2"), new("user", "u2")]));
    }

    [Fact]
    public void Legacy_cut_removes_text_after_response_inside_a_branch_and_keeps_earlier_text()
    {
        const string template = "[INST] {{ .Prompt }} [/INST]{{ if .Prompt }} {{ .Response }}</s>{{ end }} tail";
        Assert.Equal("[INST] q [/INST] ", Render(template, [new("user", "q")]));
    }

    [Fact]
    public void Insert_mode_uses_prompt_and_suffix()
    {
        var t = OllamaTemplate.Parse("<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>");
        Assert.True(t.Capabilities.HasFlag(TemplateCapabilities.Insert));
        Assert.Equal("<PRE> def f( <SUF>) <MID>", t.Render(new OllamaTemplateValues { Prompt = "def f(", Suffix = ")" }));
    }

    [Theory]
    [InlineData(null, null, "false||false")]
    [InlineData(true, null, "true|medium|true")]
    [InlineData(false, null, "false||true")]
    [InlineData(null, "high", "true|high|true")]
    public void Think_variables(bool? flag, string? level, string expected)
    {
        var think = level != null ? ThinkValue.FromLevel(level) : flag is { } f ? ThinkValue.FromBool(f) : ThinkValue.Unset;
        Assert.Equal(expected, Render("{{ range .Messages }}{{ end }}{{ .Think }}|{{ .ThinkLevel }}|{{ .IsThinkSet }}", [new("user", "x")], think: think));
    }

    private static readonly JsonArray WeatherTool = (JsonArray)JsonNode.Parse("""
        [{"type":"function","function":{"name":"get_weather","description":"Get weather","parameters":{"type":"object",
          "required":["city"],"additionalProperties":false,
          "properties":{"unit":{"type":["string","null"],"enum":["c","f"],"format":"x"},"city":{"type":"string","description":"City <name>"}}}}}]
        """)!;

    [Fact]
    public void Tools_print_as_ollama_json_with_declared_fields_only()
    {
        Assert.Equal(
            """[{"type":"function","function":{"name":"get_weather","description":"Get weather","parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string","description":"City \u003cname\u003e"},"unit":{"type":["string","null"],"enum":["c","f"]}}}}}]""",
            Render("{{ range .Messages }}{{ end }}{{ .Tools }}", [new("user", "x")], WeatherTool));
    }

    [Fact]
    public void Tool_properties_range_sorted_with_typescript_types()
    {
        const string template = "{{ range .Messages }}{{ end }}{{ range .Tools }}{{ .Function.Name }}({{ range $name, $p := .Function.Parameters.Properties }}{{ $name }}: {{ $p.Type }} = {{ toTypeScriptType $p }}, {{ end }}){{ end }}";
        Assert.Equal("get_weather(city: string = string, unit: [string null] = string | null, )", Render(template, [new("user", "x")], WeatherTool));
    }

    [Fact]
    public void Tool_call_arguments_print_as_sorted_json()
    {
        var args = (JsonObject)JsonNode.Parse("""{"city":"Paris","b":1.5}""")!;
        var messages = new ChatMessage[]
        {
            new("user", "x"),
            new("assistant", "") { ToolCalls = [new ChatToolCall("get_weather", args, "call_1"), new ChatToolCall("noargs", null)] },
        };
        const string template = "{{ range .Messages }}{{ range .ToolCalls }}{{ .ID }}:{{ .Function.Name }}{{ .Function.Arguments }}{{ json .Function.Arguments }};{{ end }}{{ end }}";
        Assert.Equal("""call_1:get_weather{"b":1.5,"city":"Paris"}{"b":1.5,"city":"Paris"};:noargs{}null;""", Render(template, messages));
    }

    [Fact]
    public void Message_fields_unknown_to_ollama_are_an_execution_error()
    {
        var ex = Assert.Throws<GoTemplateException>(() => Render("{{ range .Messages }}{{ .Name }}{{ end }}", [new("user", "x")]));
        Assert.Equal("template: :1:24: executing \"\" at <.Name>: can't evaluate field Name in type *template.templateMessage", ex.Message);
    }

    [Theory]
    [InlineData("{{ range .Messages }}{{ if .ToolCalls }}<tool_call>{{ range .ToolCalls }}{\"name\": \"{{ .Function.Name }}\"}{{ end }}</tool_call>{{ end }}{{ end }}", "<tool_call>")]
    [InlineData("{{ range .Messages }}{{ if .ToolCalls }}  [TOOL_CALLS] {\"x\": 1}{{ end }}{{ end }}", "[TOOL_CALLS]")]
    [InlineData("{{ range .Messages }}{{ if .ToolCalls }}[{{ range .ToolCalls }}{}{{ end }}]{{ end }}{{ end }}", "[")]
    [InlineData("{{ range .Messages }}{{ if .ToolCalls }}{{ .Content }}<x>{{ end }}{{ end }}", "{")]
    [InlineData("{{ .Prompt }}", "{")]
    public void Tool_call_tag_is_inferred_from_the_template(string template, string tag)
    {
        Assert.Equal(tag, OllamaTemplate.Parse(template).ToolCallTag);
    }

    [Fact]
    public void Thinking_tags_and_capabilities_are_inferred()
    {
        var t = OllamaTemplate.Parse("{{ range .Messages }}{{ if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}{{ .Content }}{{ end }}{{ if .Tools }}{{ .Tools }}{{ end }}");
        Assert.Equal(("<think>", "</think>"), t.ThinkingTags);
        Assert.Equal(TemplateCapabilities.Tools | TemplateCapabilities.Thinking, t.Capabilities);
        Assert.Equal(("", ""), OllamaTemplate.Parse("{{ .Thinking }}{{ range .Messages }}{{ .Content }}{{ end }}").ThinkingTags);
    }

    [Fact]
    public void Tool_round_trip_needs_tools_tool_calls_and_a_tool_result_form()
    {
        Assert.True(OllamaTemplate.Parse("{{ .Tools }}{{ range .Messages }}{{ .ToolCalls }}{{ if eq .Role \"tool\" }}r{{ end }}{{ end }}").HasToolRoundTrip);
        Assert.False(OllamaTemplate.Parse("{{ .Tools }}{{ range .Messages }}{{ .ToolCalls }}{{ end }}").HasToolRoundTrip);
    }

    [Fact]
    public void Parse_errors_read_like_go()
    {
        Assert.Equal("template: :1: unclosed action", Assert.Throws<GoTemplateException>(() => OllamaTemplate.Parse("{{ .Prompt ")).Message);
        Assert.Equal("undefined template specified",
            Assert.Throws<GoTemplateException>(() => OllamaTemplate.Parse("{{define \"x\"}}{{template \"x\"}}{{end}}{{template \"x\"}}")).Message);
    }

    [Fact]
    public void Current_date_uses_the_injected_clock()
    {
        var t = OllamaTemplate.Parse("{{ currentDate }}|{{ yesterdayDate \"ignored\" }}{{ range .Messages }}{{ end }}");
        Assert.Equal("2026-03-01|2026-02-28", t.Render(new OllamaTemplateValues { Messages = [new("user", "x")], Now = () => new DateTime(2026, 3, 1, 10, 0, 0) }));
    }

    [Fact]
    public void Image_tags_replace_placeholders_or_prefix_the_content()
    {
        var messages = new ChatMessage[]
        {
            new("user", "look [img] here") { Images = [[1], [2]] },
            new("assistant", "ok"),
            new("user", "again") { Images = [[3]] },
        };
        var tagged = ImageTags.Apply(messages, out int count);
        Assert.Equal(3, count);
        Assert.Equal("[img-1]look [img-0] here", tagged[0].Content);
        Assert.Equal("ok", tagged[1].Content);
        Assert.Equal("[img-2]again", tagged[2].Content);
        Assert.Equal("look [img] here", messages[0].Content);
    }
}
