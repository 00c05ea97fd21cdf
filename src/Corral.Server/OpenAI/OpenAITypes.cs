using System.Text.Json;
using System.Text.Json.Serialization;
using Corral.Server.Api;

namespace Corral.Server.OpenAI;

// Wire shapes of the OpenAI-compatible routes (api.md §5). Requests keep the polymorphic fields as JSON
// (content string-or-parts, stop string-or-array, input string-or-array) and are validated by the translators.

public sealed class ChatCompletionRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("messages")] public List<ChatMessage>? Messages { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("stream_options")] public StreamOptions? StreamOptions { get; set; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; set; }
    /// <summary>Newer SDKs (the OpenAI .NET SDK among them) send only this; upstream ignores it, Corral uses it when <c>max_tokens</c> is absent.</summary>
    [JsonPropertyName("max_completion_tokens")] public int? MaxCompletionTokens { get; set; }
    [JsonPropertyName("seed")] public int? Seed { get; set; }
    [JsonPropertyName("stop")] public JsonElement? Stop { get; set; }
    [JsonPropertyName("temperature")] public double? Temperature { get; set; }
    [JsonPropertyName("top_p")] public double? TopP { get; set; }
    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; set; }
    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; set; }
    [JsonPropertyName("response_format")] public ResponseFormat? ResponseFormat { get; set; }
    [JsonPropertyName("tools")] public JsonElement? Tools { get; set; }
    [JsonPropertyName("reasoning")] public ReasoningRequest? Reasoning { get; set; }
    [JsonPropertyName("reasoning_effort")] public string? ReasoningEffort { get; set; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; set; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; set; }
    [JsonPropertyName("_debug_render_only")] public bool? DebugRenderOnly { get; set; }
    /// <summary>A GBNF grammar, as llama-server accepts it on this route (Corral's <c>options.grammar</c>; upstream has none).</summary>
    [JsonPropertyName("grammar")] public string? Grammar { get; set; }
}

public sealed class ChatMessage
{
    [JsonPropertyName("role")] public string Role { get; set; } = "";
    /// <summary>A string, an array of content parts, or null (only beside tool calls).</summary>
    [JsonPropertyName("content")] public JsonElement? Content { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("tool_calls")] public List<OpenAIToolCall>? ToolCalls { get; set; }
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; set; }
    [JsonPropertyName("reasoning")] public string? Reasoning { get; set; }
}

public sealed class OpenAIToolCall
{
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("index")] public int Index { get; set; }
    [JsonPropertyName("type")] public string Type { get; set; } = "function";
    [JsonPropertyName("function")] public OpenAIFunctionCall Function { get; set; } = new();
}

public sealed class OpenAIFunctionCall
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    /// <summary>The arguments object serialised as a JSON string.</summary>
    [JsonPropertyName("arguments")] public string Arguments { get; set; } = "";
}

public sealed class StreamOptions
{
    [JsonPropertyName("include_usage")] public bool IncludeUsage { get; set; }
}

public sealed class ResponseFormat
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("json_schema")] public JsonSchemaFormat? JsonSchema { get; set; }
}

public sealed class JsonSchemaFormat
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("schema")] public JsonElement? Schema { get; set; }
}

public sealed class ReasoningRequest
{
    [JsonPropertyName("effort")] public string? Effort { get; set; }
}

public sealed class CompletionRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    /// <summary>String only (an array is a decode error, as upstream).</summary>
    [JsonPropertyName("prompt")] public string? Prompt { get; set; }
    [JsonPropertyName("suffix")] public string? Suffix { get; set; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; set; }
    [JsonPropertyName("temperature")] public double? Temperature { get; set; }
    [JsonPropertyName("top_p")] public double? TopP { get; set; }
    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; set; }
    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; set; }
    [JsonPropertyName("seed")] public int? Seed { get; set; }
    [JsonPropertyName("stop")] public JsonElement? Stop { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("stream_options")] public StreamOptions? StreamOptions { get; set; }
    [JsonPropertyName("logprobs")] public int? Logprobs { get; set; }
    [JsonPropertyName("_debug_render_only")] public bool? DebugRenderOnly { get; set; }
}

public sealed class EmbeddingRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("input")] public JsonElement? Input { get; set; }
    [JsonPropertyName("dimensions")] public int? Dimensions { get; set; }
    [JsonPropertyName("encoding_format")] public string? EncodingFormat { get; set; }
}

// ---------------------------------------------------------------- responses

public sealed class Usage
{
    [JsonPropertyName("prompt_tokens")] public int PromptTokens { get; set; }
    [JsonPropertyName("completion_tokens")] public int CompletionTokens { get; set; }
    [JsonPropertyName("total_tokens")] public int TotalTokens { get; set; }

    public static Usage Of(int prompt, int completion) => new() { PromptTokens = prompt, CompletionTokens = completion, TotalTokens = prompt + completion };
}

public sealed class ChatCompletion
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("object")] public string Object { get; set; } = "chat.completion";
    [JsonPropertyName("created")] public long Created { get; set; }
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("system_fingerprint")] public string SystemFingerprint { get; set; } = OpenAIRoutes.SystemFingerprint;
    [JsonPropertyName("choices")] public List<ChatChoice> Choices { get; set; } = [];
    [JsonPropertyName("usage")] public Usage Usage { get; set; } = new();
}

public sealed class ChatChoice
{
    [JsonPropertyName("index")] public int Index { get; set; }
    [JsonPropertyName("message")] public AssistantMessage Message { get; set; } = new();
    [JsonPropertyName("finish_reason")] public string? FinishReason { get; set; }
    [JsonPropertyName("logprobs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ChoiceLogprobs? Logprobs { get; set; }
}

public sealed class AssistantMessage
{
    [JsonPropertyName("role")] public string Role { get; set; } = "assistant";
    [JsonPropertyName("content")] public string Content { get; set; } = "";
    [JsonPropertyName("reasoning"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Reasoning { get; set; }
    [JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<OpenAIToolCall>? ToolCalls { get; set; }
}

public sealed class ChoiceLogprobs
{
    [JsonPropertyName("content")] public List<Logprob> Content { get; set; } = [];
}

public sealed class ChatCompletionChunk
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("object")] public string Object { get; set; } = "chat.completion.chunk";
    [JsonPropertyName("created")] public long Created { get; set; }
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("system_fingerprint")] public string SystemFingerprint { get; set; } = OpenAIRoutes.SystemFingerprint;
    [JsonPropertyName("choices")] public List<ChunkChoice> Choices { get; set; } = [];
    [JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Usage? Usage { get; set; }
}

public sealed class ChunkChoice
{
    [JsonPropertyName("index")] public int Index { get; set; }
    [JsonPropertyName("delta")] public ChunkDelta Delta { get; set; } = new();
    [JsonPropertyName("finish_reason")] public string? FinishReason { get; set; }
    [JsonPropertyName("logprobs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ChoiceLogprobs? Logprobs { get; set; }
}

/// <summary>A streamed delta; the finish chunk's delta is <c>{}</c>, so every key is optional.</summary>
public sealed class ChunkDelta
{
    [JsonPropertyName("role"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Role { get; set; }
    [JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Content { get; set; }
    [JsonPropertyName("reasoning"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Reasoning { get; set; }
    [JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<OpenAIToolCall>? ToolCalls { get; set; }
}

public sealed class Completion
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("object")] public string Object { get; set; } = "text_completion";
    [JsonPropertyName("created")] public long Created { get; set; }
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("system_fingerprint")] public string SystemFingerprint { get; set; } = OpenAIRoutes.SystemFingerprint;
    [JsonPropertyName("choices")] public List<CompletionChoice> Choices { get; set; } = [];
    [JsonPropertyName("usage")] public Usage Usage { get; set; } = new();
}

public sealed class CompletionChunk
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("object")] public string Object { get; set; } = "text_completion";
    [JsonPropertyName("created")] public long Created { get; set; }
    [JsonPropertyName("choices")] public List<CompletionChoice> Choices { get; set; } = [];
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("system_fingerprint")] public string SystemFingerprint { get; set; } = OpenAIRoutes.SystemFingerprint;
    [JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Usage? Usage { get; set; }
}

public sealed class CompletionChoice
{
    [JsonPropertyName("text")] public string Text { get; set; } = "";
    [JsonPropertyName("index")] public int Index { get; set; }
    [JsonPropertyName("finish_reason")] public string? FinishReason { get; set; }
}

public sealed class ModelList
{
    [JsonPropertyName("object")] public string Object { get; set; } = "list";
    /// <summary>Null (not <c>[]</c>) when no model is installed, as upstream answers.</summary>
    [JsonPropertyName("data")] public List<ModelEntry>? Data { get; set; }
}

public sealed class ModelEntry
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("object")] public string Object { get; set; } = "model";
    [JsonPropertyName("created")] public long Created { get; set; }
    [JsonPropertyName("owned_by")] public string OwnedBy { get; set; } = "";
}

public sealed class EmbeddingList
{
    [JsonPropertyName("object")] public string Object { get; set; } = "list";
    [JsonPropertyName("data")] public List<EmbeddingEntry> Data { get; set; } = [];
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("usage")] public EmbeddingUsage Usage { get; set; } = new();
}

public sealed class EmbeddingEntry
{
    [JsonPropertyName("object")] public string Object { get; set; } = "embedding";
    /// <summary>A float array, or a base64 string of little-endian float32 values.</summary>
    [JsonPropertyName("embedding")] public object Embedding { get; set; } = Array.Empty<float>();
    [JsonPropertyName("index")] public int Index { get; set; }
}

public sealed class EmbeddingUsage
{
    [JsonPropertyName("prompt_tokens")] public int PromptTokens { get; set; }
    [JsonPropertyName("total_tokens")] public int TotalTokens { get; set; }
}

public sealed class OpenAIError
{
    [JsonPropertyName("error")] public OpenAIErrorBody Error { get; set; } = new();
}

public sealed class OpenAIErrorBody
{
    [JsonPropertyName("message")] public string Message { get; set; } = "";
    [JsonPropertyName("type")] public string Type { get; set; } = "api_error";
    [JsonPropertyName("param")] public string? Param { get; set; }
    [JsonPropertyName("code")] public string? Code { get; set; }
}
