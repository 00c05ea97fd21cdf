using System.Text.Json.Nodes;

namespace Corral.Templates.Prompting;

/// <summary>One chat message as Ollama's API carries it (api.md §2.1).</summary>
public sealed record ChatMessage
{
    public ChatMessage() { }

    public ChatMessage(string role, string content)
    {
        Role = role;
        Content = content;
    }

    /// <summary><c>system</c>, <c>user</c>, <c>assistant</c>, <c>tool</c> (lower-cased on input; other values pass through).</summary>
    public string Role { get; init; } = "user";

    public string Content { get; init; } = "";

    /// <summary>Reasoning text of an assistant turn.</summary>
    public string? Thinking { get; init; }

    /// <summary>Raw image/audio bytes attached to the message (they become <c>[img-n]</c> tags for templates).</summary>
    public IReadOnlyList<byte[]>? Images { get; init; }

    public IReadOnlyList<ChatToolCall>? ToolCalls { get; init; }

    /// <summary>On <c>tool</c> messages: the function that produced the result.</summary>
    public string? ToolName { get; init; }

    /// <summary>On <c>tool</c> messages: the id of the call being answered.</summary>
    public string? ToolCallId { get; init; }
}

/// <summary>A tool call (api.md §2.3): arguments are a JSON object whose key order is kept; null means "no arguments given".</summary>
public sealed record ChatToolCall(string Name, JsonObject? Arguments, string? Id = null, int Index = 0);

/// <summary>
/// The request's <c>think</c> value: unset, a bool, or a level (<c>low</c>, <c>medium</c>, <c>high</c>, <c>max</c>).
/// Templates see <see cref="Enabled"/> as <c>.Think</c>, <see cref="Level"/> as <c>.ThinkLevel</c> and <see cref="IsSet"/> as <c>.IsThinkSet</c>.
/// </summary>
public readonly record struct ThinkValue
{
    private ThinkValue(bool isSet, bool? flag, string? level)
    {
        IsSet = isSet;
        Flag = flag;
        LevelName = level;
    }

    public static ThinkValue Unset => default;
    public static ThinkValue FromBool(bool value) => new(true, value, null);

    /// <summary>A level string; anything but <c>high</c>, <c>medium</c>, <c>low</c>, <c>max</c> is rejected by the API before it gets here.</summary>
    public static ThinkValue FromLevel(string level) => new(true, null, level);

    public bool IsSet { get; }
    public bool? Flag { get; }
    public string? LevelName { get; }

    /// <summary>True for <c>true</c> or any valid level.</summary>
    public bool Enabled => Flag ?? LevelName is "high" or "medium" or "low" or "max";

    /// <summary>The level string; <c>medium</c> for <c>true</c>; empty for false or unset.</summary>
    public string Level => LevelName ?? (Flag == true ? "medium" : "");
}
