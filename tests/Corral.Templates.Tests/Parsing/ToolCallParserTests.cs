using Corral.Templates.Parsing;
using static Corral.Templates.Tests.Parsing.StreamingHarness;

namespace Corral.Templates.Tests.Parsing;

/// <summary>Ollama's generic tool-call parser (B5.1), checked under every chunking of each output.</summary>
public sealed class ToolCallParserTests
{
    private static readonly string[] Names = ["get_temperature", "get_conditions", "say_hello", "say_hello_world", "get_address", "add"];

    private static Func<OutputParser> Parser(string tag) =>
        () => new OutputParser(null, new ToolCallParser(tag, Names, () => "call_test0001"));

    [Theory]
    [InlineData("<tool_call>", "Hello, how can I help you today?", "Hello, how can I help you today?", "")]
    [InlineData("<tool_call>", """<tool_call>{"name": "get_conditions", "arguments": {"location": "San Francisco"}}</tool_call>""", "", """0:get_conditions{"location":"San Francisco"}""")]
    [InlineData("<tool_call>", """<tool_call>{"name": "get_conditions", "arguments": {}}</tool_call>""", "", "0:get_conditions{}")]
    [InlineData("<tool_call>", """Let me check the weather. <tool_call>{"name": "get_temperature", "arguments": {"city": "New York"}}</tool_call>""", "Let me check the weather. ", """0:get_temperature{"city":"New York"}""")]
    [InlineData("<tool_call>", "Let me say hello to the user. I'll use the say_hello tool. ", "Let me say hello to the user. I'll use the say_hello tool. ", "")]
    [InlineData("[TOOL_CALLS]", """[TOOL_CALLS] [{"name": "get_temperature", "arguments": {"city": "London", "format": "fahrenheit"}}, {"name": "get_conditions", "arguments": {"location": "Tokyo"}}][/TOOL_CALLS]""", "", """0:get_temperature{"city":"London","format":"fahrenheit"}; 1:get_conditions{"location":"Tokyo"}""")]
    [InlineData("<tool_call>", """Okay, both! <tool_call>{"name": "get_temperature", "arguments": {"city": "London"}}</tool_call><tool_call>{"name": "get_conditions", "arguments": {"location": "Tokyo"}}</tool_call>""", "Okay, both! ", """0:get_temperature{"city":"London"}; 1:get_conditions{"location":"Tokyo"}""")]
    [InlineData("<tool_call>", """<tool_call>{"name": "say_hello", "arguments": {}}</tool_call><tool_call>{"name": "say_hello_world", "arguments": {"x": 1}}</tool_call>""", "", """0:say_hello{}; 1:say_hello_world{"x":1}""")]
    [InlineData("<tool_call>", """<tool_call>{"name": "get_address", "arguments": {"location": "London"}}</tool_call>""", "", """0:get_address{"location":"London"}""")]
    [InlineData("<tool_call>", """<tool_call>{"arguments": {"b": "10", "a": "5"}, "name": "add"}</tool_call>""", "", """0:add{"b":"10","a":"5"}""")]
    [InlineData("<tool_call>", """<tool_call>{"name": "add", "parameters": "{\"a\": 1, \"b\": 2}"}</tool_call>""", "", """0:add{"a":1,"b":2}""")]
    [InlineData("<tool_call>", """<tool_call>{"add": {"a": 1}}</tool_call>""", "", """0:add{"a":1}""")]
    [InlineData("<tool_call>", """<tool_call>{"call": {"name": "add", "arguments": {"a": 1}}}</tool_call>""", "", """0:add{"a":1}""")]
    [InlineData("<tool_call>", """<tool_call>{"name": "search", "arguments": {"q": 1}}</tool_call> trailing""", "", "")]
    public void Tagged_tool_calls(string tag, string output, string content, string calls)
    {
        var totals = AssertChunkingInvariant(Parser(tag), output);
        Assert.Equal(content, totals.Content);
        Assert.Equal(calls, totals.CallsText);
    }

    [Theory]
    [InlineData("""{"name": "get_temperature", "arguments": {"city": "Tokyo"}}""", "", """0:get_temperature{"city":"Tokyo"}""")]
    [InlineData("""{"name": "search", "arguments": {"query": "What is the capital of Canada?"}}""", """{"name": "search", "arguments": {"query": "What is the capital of Canada?"}}""", "")]
    [InlineData("""{"name": "jeff"}{"name": "get_conditions", "arguments": {"location": "San Francisco"}}""", """{"name": "jeff"}{"name": "get_conditions", "arguments": {"location": "San Francisco"}}""", "")]
    [InlineData("for { fmt.Println(\"hello\") }", "for { fmt.Println(\"hello\") }", "")]
    [InlineData("  \n{\"name\": \"add\", \"arguments\": {\"a\": \"}\"}} after", "  \n", """0:add{"a":"}"}""")]
    public void Bare_json_tool_calls(string output, string content, string calls)
    {
        var totals = AssertChunkingInvariant(Parser("{"), output);
        Assert.Equal(content, totals.Content);
        Assert.Equal(calls, totals.CallsText);
    }

    [Theory]
    [InlineData("""[{"name": "get_temperature", "arguments": {"city": "London"}}, {"name": "get_conditions", "arguments": {"location": "Tokyo"}}]""", "", """0:get_temperature{"city":"London"}; 1:get_conditions{"location":"Tokyo"}""")]
    [InlineData("""[{"name": "get_conditions", "arguments": {"location": "Tokyo"}}]]""", "", """0:get_conditions{"location":"Tokyo"}""")]
    [InlineData("""[{"name": "search", "arguments": {"q": "x"}}]""", """[{"name": "search", "arguments": {"q": "x"}}]""", "")]
    [InlineData("[special delivery]", "[special delivery]", "")]
    public void List_tool_calls(string output, string content, string calls)
    {
        var totals = AssertChunkingInvariant(Parser("["), output);
        Assert.Equal(content, totals.Content);
        Assert.Equal(calls, totals.CallsText);
    }

    [Fact]
    public void Partial_tag_is_held_back_then_released_when_it_is_not_a_tag()
    {
        var parser = new ToolCallParser("<tool_call>", Names);
        Assert.Equal("Hello ", parser.Add("Hello <tool").Content);
        Assert.Equal("<toolbox", parser.Add("box").Content);
        Assert.Equal("", parser.Add(" <tool_ca").Content[1..]);
        Assert.Equal("<tool_ca", parser.Flush());
    }

    [Fact]
    public void Calls_are_emitted_as_soon_as_complete_with_fresh_ids()
    {
        var parser = new ToolCallParser("<tool_call>", Names);
        Assert.Empty(parser.Add("<tool_call>{\"name\": \"add\", \"arguments\": {\"a\": 1").Calls);
        var (calls, content) = parser.Add("}}</tool_call>");
        var call = Assert.Single(calls);
        Assert.Equal("", content);
        Assert.Matches("^call_[a-z0-9]{8}$", call.Id);
        Assert.Equal(0, call.Index);
        Assert.NotEqual(ToolCallIds.New(), ToolCallIds.New());
    }

    [Fact]
    public void Partial_tool_name_at_the_end_waits_for_disambiguation()
    {
        var parser = new ToolCallParser("<tool_call>", Names);
        Assert.Empty(parser.Add("<tool_call>{\"arguments\": {}, \"name\": \"say_hello").Calls);
        var call = Assert.Single(parser.Add("_world\"}").Calls);
        Assert.Equal("say_hello_world", call.Name);
    }
}
