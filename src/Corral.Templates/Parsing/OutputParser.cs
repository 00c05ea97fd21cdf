using System.Text.Json.Nodes;
using Corral.Templates.Prompting;
using Corral.Templates.Prompting.Native;
using Corral.Templates.Prompting.Ollama;

namespace Corral.Templates.Parsing;

/// <summary>What one chunk of model output turned into.</summary>
public sealed record ParsedChunk(string Content, string Thinking, IReadOnlyList<ParsedToolCall> ToolCalls)
{
    public static ParsedChunk Empty { get; } = new("", "", []);

    public bool IsEmpty => Content.Length == 0 && Thinking.Length == 0 && ToolCalls.Count == 0;
}

/// <summary>
/// Streams model output through the thinking parser and then the tool-call parser (B5's order for template-rendered
/// models). Feed each generated fragment to <see cref="Add"/> and call <see cref="Finish"/> once at the end.
/// </summary>
public sealed class OutputParser
{
    private readonly ThinkingParser? _thinking;
    private readonly ToolCallParser? _tools;

    public OutputParser(ThinkingParser? thinking, ToolCallParser? tools)
    {
        _thinking = thinking;
        _tools = tools;
    }

    public ThinkingParser? Thinking => _thinking;
    public ToolCallParser? Tools => _tools;

    /// <summary>
    /// The parsers Ollama sets up for a Go-template model: thinking when think is on and the template's tags are
    /// inferable (pre-fed with the opening tag when the prompt ends with it), tool calls when the request has tools.
    /// </summary>
    public static OutputParser ForOllamaTemplate(OllamaTemplate template, string prompt, ThinkValue think, JsonArray? tools, Func<string>? newId = null)
    {
        var (open, close) = template.ThinkingTags;
        ThinkingParser? thinking = think.Enabled && open.Length > 0 && close.Length > 0
            ? new ThinkingParser(open, close, prompt.Trim().EndsWith(open, StringComparison.Ordinal))
            : null;
        return new OutputParser(thinking, ToolParserFor(template.ToolCallTag, tools, newId));
    }

    /// <summary>
    /// Parsers for a model prompted through its GGUF chat template: <c>&lt;think&gt;</c>/<c>&lt;/think&gt;</c> when the
    /// template supports thinking and think is not off (starting inside thinking when the prompt ends with <c>&lt;think&gt;</c>),
    /// and a tool-call tag taken from the template source (<c>&lt;tool_call&gt;</c>, <c>[TOOL_CALLS]</c>, <c>&lt;|python_tag|&gt;</c>, else bare JSON).
    /// </summary>
    public static OutputParser ForChatTemplate(string chatTemplate, string prompt, ThinkValue think, JsonArray? tools, Func<string>? newId = null)
    {
        bool thinkingOn = !think.IsSet || think.Enabled;
        ThinkingParser? thinking = thinkingOn && ChatTemplateSupport.HasThinkingSupport(chatTemplate)
            ? new ThinkingParser("<think>", "</think>", prompt.TrimEnd().EndsWith("<think>", StringComparison.Ordinal))
            : null;
        string tag = new[] { "<tool_call>", "[TOOL_CALLS]", "<|python_tag|>", "<function_call>", "<|tool_call_start|>" }
            .FirstOrDefault(t => chatTemplate.Contains(t, StringComparison.Ordinal)) ?? "{";
        return new OutputParser(thinking, ToolParserFor(tag, tools, newId));
    }

    private static ToolCallParser? ToolParserFor(string tag, JsonArray? tools, Func<string>? newId)
    {
        if (tools is not { Count: > 0 }) return null;
        var names = tools.Select(t => t?["function"]?["name"] is JsonValue v && v.TryGetValue<string>(out var n) ? n : "").Where(n => n.Length > 0);
        return new ToolCallParser(tag, names, newId);
    }

    /// <summary>Feeds one generated fragment.</summary>
    public ParsedChunk Add(string chunk)
    {
        string thinking = "", content = chunk;
        if (_thinking != null) (thinking, content) = _thinking.Add(chunk);
        IReadOnlyList<ParsedToolCall> calls = [];
        if (_tools != null && content.Length > 0) (calls, content) = _tools.Add(content);
        return new ParsedChunk(content, thinking, calls);
    }

    /// <summary>End of output: releases text held back to disambiguate tags.</summary>
    public ParsedChunk Finish()
    {
        string thinking = "", content = "";
        IReadOnlyList<ParsedToolCall> calls = [];
        if (_thinking != null)
        {
            (thinking, content) = _thinking.Flush();
            if (_tools != null && content.Length > 0) (calls, content) = _tools.Add(content);
        }
        if (_tools != null) content += _tools.Flush();
        return new ParsedChunk(content, thinking, calls);
    }
}
