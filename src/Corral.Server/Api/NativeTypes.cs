using System.Text.Json;
using System.Text.Json.Serialization;

namespace Corral.Server.Api;

// Request and response shapes of the native /api routes (api.md §2 and §4). Optional response
// fields are omitted when empty, as Go's omitempty does; required ones are always written.

public sealed class GenerateRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("prompt")] public string? Prompt { get; set; }
    [JsonPropertyName("suffix")] public string? Suffix { get; set; }
    [JsonPropertyName("system")] public string? System { get; set; }
    [JsonPropertyName("template")] public string? Template { get; set; }
    [JsonPropertyName("context")] public int[]? Context { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("raw")] public bool? Raw { get; set; }
    [JsonPropertyName("format")] public JsonElement? Format { get; set; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; set; }
    [JsonPropertyName("images")] public string[]? Images { get; set; }
    [JsonPropertyName("options")] public JsonElement? Options { get; set; }
    [JsonPropertyName("think")] public JsonElement? Think { get; set; }
    [JsonPropertyName("truncate")] public bool? Truncate { get; set; }
    [JsonPropertyName("shift")] public bool? Shift { get; set; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; set; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; set; }
    [JsonPropertyName("_debug_render_only")] public bool? DebugRenderOnly { get; set; }
}

public sealed class ChatRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("messages")] public List<Message>? Messages { get; set; }
    [JsonPropertyName("tools")] public JsonElement? Tools { get; set; }
    [JsonPropertyName("format")] public JsonElement? Format { get; set; }
    [JsonPropertyName("options")] public JsonElement? Options { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; set; }
    [JsonPropertyName("think")] public JsonElement? Think { get; set; }
    [JsonPropertyName("truncate")] public bool? Truncate { get; set; }
    [JsonPropertyName("shift")] public bool? Shift { get; set; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; set; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; set; }
    [JsonPropertyName("_debug_render_only")] public bool? DebugRenderOnly { get; set; }
}

public sealed class Message
{
    [JsonPropertyName("role")] public string Role { get; set; } = "";
    [JsonPropertyName("content")] public string Content { get; set; } = "";
    [JsonPropertyName("thinking"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Thinking { get; set; }
    [JsonPropertyName("images"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public List<string>? Images { get; set; }
    [JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public List<ToolCall>? ToolCalls { get; set; }
    [JsonPropertyName("tool_name"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? ToolName { get; set; }
    [JsonPropertyName("tool_call_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? ToolCallId { get; set; }
}

public sealed class ToolCall
{
    [JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Id { get; set; }
    [JsonPropertyName("function")] public ToolCallFunction Function { get; set; } = new();
}

public sealed class ToolCallFunction
{
    [JsonPropertyName("index")] public int Index { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    /// <summary>A JSON object; key order preserved.</summary>
    [JsonPropertyName("arguments")] public JsonElement Arguments { get; set; }
}

public sealed class Logprob
{
    [JsonPropertyName("token")] public string Token { get; set; } = "";
    [JsonPropertyName("logprob")] public double Value { get; set; }
    [JsonPropertyName("bytes"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int[]? Bytes { get; set; }
    [JsonPropertyName("top_logprobs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public List<Logprob>? TopLogprobs { get; set; }
}

/// <summary>The metrics every final inference object carries (api.md §2.7), omitted when zero.</summary>
public abstract class MetricsResponse
{
    [JsonPropertyName("total_duration"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long TotalDuration { get; set; }
    [JsonPropertyName("load_duration"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long LoadDuration { get; set; }
    [JsonPropertyName("prompt_eval_count"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int PromptEvalCount { get; set; }
    [JsonPropertyName("prompt_eval_duration"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long PromptEvalDuration { get; set; }
    [JsonPropertyName("eval_count"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int EvalCount { get; set; }
    [JsonPropertyName("eval_duration"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long EvalDuration { get; set; }
    /// <summary>Corral addition: prompt tokens dropped to fit the context (never silent truncation).</summary>
    [JsonPropertyName("truncated"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int Truncated { get; set; }
    /// <summary>Corral addition (chat): oldest history messages dropped to fit the context.</summary>
    [JsonPropertyName("truncated_messages"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int TruncatedMessages { get; set; }
}

public sealed class GenerateResponse : MetricsResponse
{
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("created_at")] public string CreatedAt { get; set; } = "";
    [JsonPropertyName("response")] public string Response { get; set; } = "";
    [JsonPropertyName("thinking"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Thinking { get; set; }
    [JsonPropertyName("done")] public bool Done { get; set; }
    [JsonPropertyName("done_reason"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? DoneReason { get; set; }
    [JsonPropertyName("context"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int[]? Context { get; set; }
    [JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public List<ToolCall>? ToolCalls { get; set; }
    [JsonPropertyName("logprobs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public List<Logprob>? Logprobs { get; set; }
    [JsonPropertyName("_debug_info"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public DebugInfo? DebugInfo { get; set; }
}

public sealed class ChatResponse : MetricsResponse
{
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("created_at")] public string CreatedAt { get; set; } = "";
    [JsonPropertyName("message")] public Message Message { get; set; } = new() { Role = "assistant" };
    [JsonPropertyName("done")] public bool Done { get; set; }
    [JsonPropertyName("done_reason"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? DoneReason { get; set; }
    [JsonPropertyName("logprobs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public List<Logprob>? Logprobs { get; set; }
    [JsonPropertyName("_debug_info"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public DebugInfo? DebugInfo { get; set; }
}

public sealed class DebugInfo
{
    [JsonPropertyName("rendered_template")] public string RenderedTemplate { get; set; } = "";
    [JsonPropertyName("image_count"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int ImageCount { get; set; }
}

public sealed class ErrorResponse
{
    [JsonPropertyName("error")] public string Error { get; set; } = "";
}

public sealed class VersionResponse
{
    [JsonPropertyName("version")] public string Version { get; set; } = "";
}

/// <summary>pull/push/create progress line (runtime.md §4.7).</summary>
public sealed class ProgressResponse
{
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("digest"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Digest { get; set; }
    [JsonPropertyName("total"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long Total { get; set; }
    [JsonPropertyName("completed"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long Completed { get; set; }
}

public sealed class ModelDetails
{
    [JsonPropertyName("parent_model")] public string ParentModel { get; set; } = "";
    [JsonPropertyName("format")] public string Format { get; set; } = "gguf";
    [JsonPropertyName("family")] public string Family { get; set; } = "";
    [JsonPropertyName("families")] public List<string>? Families { get; set; }
    [JsonPropertyName("parameter_size")] public string ParameterSize { get; set; } = "";
    [JsonPropertyName("quantization_level")] public string QuantizationLevel { get; set; } = "";
    [JsonPropertyName("context_length"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long ContextLength { get; set; }
    [JsonPropertyName("embedding_length"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long EmbeddingLength { get; set; }
}
