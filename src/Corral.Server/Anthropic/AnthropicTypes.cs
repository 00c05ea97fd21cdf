using System.Text.Json;
using System.Text.Json.Serialization;

namespace Corral.Server.Anthropic;

// Wire shapes of POST /v1/messages (api.md §6).

public sealed class MessagesRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; set; }
    [JsonPropertyName("messages")] public List<AnthropicMessage>? Messages { get; set; }
    /// <summary>A string or an array of text blocks.</summary>
    [JsonPropertyName("system")] public JsonElement? System { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("temperature")] public double? Temperature { get; set; }
    [JsonPropertyName("top_p")] public double? TopP { get; set; }
    [JsonPropertyName("top_k")] public int? TopK { get; set; }
    [JsonPropertyName("stop_sequences")] public List<string>? StopSequences { get; set; }
    [JsonPropertyName("tools")] public List<JsonElement>? Tools { get; set; }
    [JsonPropertyName("thinking")] public ThinkingConfig? Thinking { get; set; }
    [JsonPropertyName("output_config")] public OutputConfig? OutputConfig { get; set; }
}

public sealed class AnthropicMessage
{
    [JsonPropertyName("role")] public string Role { get; set; } = "";
    /// <summary>A string or an array of content blocks.</summary>
    [JsonPropertyName("content")] public JsonElement? Content { get; set; }
}

public sealed class ThinkingConfig
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("budget_tokens")] public int? BudgetTokens { get; set; }
}

public sealed class OutputConfig
{
    [JsonPropertyName("effort")] public string? Effort { get; set; }
}

public sealed class MessageResponse
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("type")] public string Type { get; set; } = "message";
    [JsonPropertyName("role")] public string Role { get; set; } = "assistant";
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    /// <summary>Null when every part is empty (upstream's shape).</summary>
    [JsonPropertyName("content")] public List<ContentBlock>? Content { get; set; }
    [JsonPropertyName("stop_reason"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? StopReason { get; set; }
    [JsonPropertyName("usage")] public MessageUsage Usage { get; set; } = new();
}

/// <summary>One content block: thinking, text or tool_use (only that kind's fields are written).</summary>
public sealed class ContentBlock
{
    [JsonPropertyName("type")] public string Type { get; set; } = "text";
    [JsonPropertyName("thinking"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Thinking { get; set; }
    [JsonPropertyName("text"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Text { get; set; }
    [JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Id { get; set; }
    [JsonPropertyName("name"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Name { get; set; }
    [JsonPropertyName("input"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public JsonElement? Input { get; set; }

    public static ContentBlock OfThinking(string t) => new() { Type = "thinking", Thinking = t };
    public static ContentBlock OfText(string t) => new() { Type = "text", Text = t };
    public static ContentBlock OfToolUse(string id, string name, JsonElement input) => new() { Type = "tool_use", Id = id, Name = name, Input = input };
}

public sealed class MessageUsage
{
    [JsonPropertyName("input_tokens")] public int InputTokens { get; set; }
    [JsonPropertyName("output_tokens")] public int OutputTokens { get; set; }
}

public sealed class MessageStartEvent
{
    [JsonPropertyName("type")] public string Type { get; set; } = "message_start";
    [JsonPropertyName("message")] public MessageResponse Message { get; set; } = new();
}

public sealed class ContentBlockStartEvent
{
    [JsonPropertyName("type")] public string Type { get; set; } = "content_block_start";
    [JsonPropertyName("index")] public int Index { get; set; }
    [JsonPropertyName("content_block")] public ContentBlock ContentBlock { get; set; } = new();
}

public sealed class ContentBlockDeltaEvent
{
    [JsonPropertyName("type")] public string Type { get; set; } = "content_block_delta";
    [JsonPropertyName("index")] public int Index { get; set; }
    [JsonPropertyName("delta")] public BlockDelta Delta { get; set; } = new();
}

public sealed class BlockDelta
{
    [JsonPropertyName("type")] public string Type { get; set; } = "text_delta";
    [JsonPropertyName("text"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Text { get; set; }
    [JsonPropertyName("thinking"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Thinking { get; set; }
    [JsonPropertyName("partial_json"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? PartialJson { get; set; }
}

public sealed class ContentBlockStopEvent
{
    [JsonPropertyName("type")] public string Type { get; set; } = "content_block_stop";
    [JsonPropertyName("index")] public int Index { get; set; }
}

public sealed class MessageDeltaEvent
{
    [JsonPropertyName("type")] public string Type { get; set; } = "message_delta";
    [JsonPropertyName("delta")] public MessageDelta Delta { get; set; } = new();
    [JsonPropertyName("usage")] public MessageUsage Usage { get; set; } = new();
}

public sealed class MessageDelta
{
    [JsonPropertyName("stop_reason"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? StopReason { get; set; }
}

public sealed class MessageStopEvent
{
    [JsonPropertyName("type")] public string Type { get; set; } = "message_stop";
}

public sealed class AnthropicError
{
    [JsonPropertyName("type")] public string Type { get; set; } = "error";
    [JsonPropertyName("error")] public AnthropicErrorBody Error { get; set; } = new();
    [JsonPropertyName("request_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RequestId { get; set; }
}

public sealed class AnthropicErrorBody
{
    [JsonPropertyName("type")] public string Type { get; set; } = "api_error";
    [JsonPropertyName("message")] public string Message { get; set; } = "";
}
