using System.Text.Json.Nodes;
using Corral.Templates.Parsing;
using Corral.Templates.Prompting;
using Corral.Templates.Prompting.Ollama;
using static Corral.Templates.Tests.Parsing.StreamingHarness;

namespace Corral.Templates.Tests.Parsing;

/// <summary>Ollama's generic thinking parser (B5.2) and the combined thinking-then-tools stream.</summary>
public sealed class ThinkingParserTests
{
    private static Func<OutputParser> Thinking(bool startInside = false, string open = "<think>", string close = "</think>") =>
        () => new OutputParser(new ThinkingParser(open, close, startInside), null);

    [Theory]
    [InlineData("<think> internal </think> world", "internal ", "world")]
    [InlineData("<think>a</think><think>b</think>c", "a", "<think>b</think>c")]
    [InlineData("no think", "", "no think")]
    [InlineData("  abc <think>def</think> ghi", "", "  abc <think>def</think> ghi")]
    [InlineData("\n\n<think>\nstep 1\nstep 2\n</think>\n\nThe answer.", "step 1\nstep 2\n", "The answer.")]
    [InlineData("<think>abc</thing>def</think>x", "abc</thing>def", "x")]
    [InlineData("<think>never closed </th", "never closed </th", "")]
    [InlineData("<thin", "", "<thin")]
    [InlineData("<think>\n\n</think>\n\n", "", "")]
    public void Splits_thinking_from_content(string output, string thinking, string content)
    {
        var totals = AssertChunkingInvariant(Thinking(), output);
        Assert.Equal(thinking, totals.Thinking);
        Assert.Equal(content, totals.Content);
    }

    [Theory]
    [InlineData("Let me think.</think>Answer", "Let me think.", "Answer")]
    [InlineData("\nreasoning\n</think>\n\nAnswer", "reasoning\n", "Answer")]
    [InlineData("<think>extra open</think>x", "<think>extra open", "x")]
    public void Model_starting_inside_thinking(string output, string thinking, string content)
    {
        var totals = AssertChunkingInvariant(Thinking(startInside: true), output);
        Assert.Equal(thinking, totals.Thinking);
        Assert.Equal(content, totals.Content);
    }

    [Fact]
    public void Template_tags_are_used()
    {
        var totals = AssertChunkingInvariant(Thinking(open: "<|begin_of_thought|>", close: "<|end_of_thought|>"), "<|begin_of_thought|>hmm<|end_of_thought|>ok");
        Assert.Equal("hmm", totals.Thinking);
        Assert.Equal("ok", totals.Content);
    }

    [Fact]
    public void Streaming_steps_match_upstream()
    {
        var parser = new ThinkingParser("<think>", "</think>");
        Assert.Equal(("", ""), parser.Add("  <th"));
        Assert.Equal(("", ""), parser.Add("in"));
        Assert.Equal(("a", ""), parser.Add("k>a"));
        Assert.Equal(("abc", ""), parser.Add("abc</th"));
        Assert.Equal(("", "def"), parser.Add("ink>def"));
        Assert.True(parser.ThinkingFinished);
    }

    private const string Template =
        "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}{{ .Content }}" +
        "{{ if .ToolCalls }}<tool_call>{{ range .ToolCalls }}{\"name\": \"{{ .Function.Name }}\", \"arguments\": {{ .Function.Arguments }}}{{ end }}</tool_call>{{ end }}<|im_end|>\n" +
        "{{ end }}<|im_start|>assistant\n{{ if .Think }}<think>{{ end }}";

    [Fact]
    public void Ollama_template_parsers_split_thinking_then_tool_calls()
    {
        var template = OllamaTemplate.Parse(Template);
        var tools = Tools("get_weather");
        string prompt = template.Render(new OllamaTemplateValues { Messages = [new("user", "Weather?")], Tools = tools, Think = ThinkValue.FromBool(true) });
        Assert.EndsWith("<think>", prompt);
        const string output = "The user wants weather.</think>\n\nSure. <tool_call>{\"name\": \"get_weather\", \"arguments\": {\"z\": 1, \"city\": \"Paris\"}}</tool_call>";
        var totals = AssertChunkingInvariant(() => OutputParser.ForOllamaTemplate(template, prompt, ThinkValue.FromBool(true), tools, () => "call_x"), output);
        Assert.Equal("The user wants weather.", totals.Thinking);
        Assert.Equal("Sure. ", totals.Content);
        Assert.Equal("""0:get_weather{"z":1,"city":"Paris"}""", totals.CallsText);
    }

    [Fact]
    public void Thinking_parser_is_off_when_think_is_off_or_tags_are_unknown()
    {
        var template = OllamaTemplate.Parse(Template);
        Assert.Null(OutputParser.ForOllamaTemplate(template, "", ThinkValue.FromBool(false), null).Thinking);
        Assert.Null(OutputParser.ForOllamaTemplate(OllamaTemplate.Parse("{{ .Prompt }}"), "", ThinkValue.FromBool(true), null).Thinking);
        Assert.Null(OutputParser.ForOllamaTemplate(template, "", ThinkValue.FromBool(true), []).Tools);
    }

    [Fact]
    public void Chat_template_parsers_use_think_tags_and_the_template_tool_tag()
    {
        string source = File.ReadAllText(Corral.Testing.RepoPaths.SharedFile("templates", "Qwen-Qwen3-0.6B.jinja"));
        var parser = OutputParser.ForChatTemplate(source, "<|im_start|>assistant\n", ThinkValue.Unset, Tools("get_weather"));
        Assert.Equal("<tool_call>", parser.Tools!.Tag);
        var totals = Run(() => parser, ["<think>\nok\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_call>"]);
        Assert.Equal("ok\n", totals.Thinking);
        Assert.Equal("0:get_weather{}", totals.CallsText);
        Assert.Equal("", totals.Content);
    }
}
