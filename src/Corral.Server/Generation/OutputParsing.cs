using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Server.Api;
using Corral.Templates.Parsing;
using Corral.Templates.Prompting;

namespace Corral.Server.Generation;

/// <summary>
/// Splits streamed model text into content, thinking and complete tool calls before it reaches a sink,
/// so tool-call markup and thinking tags never leak into <c>content</c>, streaming or not.
/// </summary>
public sealed class OutputParsing(OutputParser? parser)
{
    public static OutputParsing For(ModelPrompting prompting, string prompt, ThinkValue think, JsonArray? tools)
    {
        OutputParser parser = prompting.Mode == PromptMode.GoTemplate && prompting.Go != null
            ? OutputParser.ForOllamaTemplate(prompting.Go, prompt, think, tools)
            : OutputParser.ForChatTemplate(prompting.ChatTemplateSource ?? "", prompt, think, tools);
        return new OutputParsing(parser.Thinking == null && parser.Tools == null ? null : parser);
    }

    /// <summary>No parsing (raw generate).</summary>
    public static OutputParsing None { get; } = new(null);

    public ResponseChunk Add(string text, List<Logprob>? logprobs) =>
        parser == null ? new ResponseChunk { Content = text, Logprobs = logprobs } : Map(parser.Add(text), logprobs);

    public ResponseChunk Finish() => parser == null ? new ResponseChunk() : Map(parser.Finish(), null);

    private static ResponseChunk Map(ParsedChunk p, List<Logprob>? logprobs) => new()
    {
        Content = p.Content,
        Thinking = p.Thinking,
        ToolCalls = p.ToolCalls.Count == 0 ? null : p.ToolCalls.Select(ToApi).ToList(),
        Logprobs = logprobs,
    };

    private static ToolCall ToApi(ParsedToolCall c) => new()
    {
        Id = c.Id,
        Function = new ToolCallFunction
        {
            Index = c.Index,
            Name = c.Name,
            Arguments = JsonSerializer.SerializeToElement(c.Arguments),
        },
    };
}
