using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Corral.Server.Api;

// Shapes of the model-management routes: show, ps, copy, delete, status (api.md §4.8–4.16).

public sealed class ShowRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    /// <summary>Legacy spelling of <see cref="Model"/>.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("verbose")] public bool? Verbose { get; set; }
    [JsonPropertyName("system")] public string? System { get; set; }
    [JsonPropertyName("options")] public Dictionary<string, JsonElement>? Options { get; set; }
    [JsonPropertyName("template")] public string? Template { get; set; }
}

public sealed class ShowResponse
{
    [JsonPropertyName("license"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? License { get; set; }
    [JsonPropertyName("modelfile"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Modelfile { get; set; }
    [JsonPropertyName("parameters"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Parameters { get; set; }
    [JsonPropertyName("template"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Template { get; set; }
    [JsonPropertyName("system"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? System { get; set; }
    [JsonPropertyName("renderer"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Renderer { get; set; }
    [JsonPropertyName("parser"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Parser { get; set; }
    [JsonPropertyName("details")] public ModelDetails Details { get; set; } = new();
    [JsonPropertyName("messages"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public List<ShowMessage>? Messages { get; set; }
    /// <summary>Always present, possibly <c>{}</c>.</summary>
    [JsonPropertyName("model_info")] public JsonObject ModelInfo { get; set; } = [];
    [JsonPropertyName("projector_info"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public JsonObject? ProjectorInfo { get; set; }
    [JsonPropertyName("tensors"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public List<TensorInfo>? Tensors { get; set; }
    [JsonPropertyName("capabilities"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public List<string>? Capabilities { get; set; }
    [JsonPropertyName("modified_at")] public string ModifiedAt { get; set; } = "";
    [JsonPropertyName("requires"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Requires { get; set; }
}

public sealed class ShowMessage
{
    [JsonPropertyName("role")] public string Role { get; set; } = "";
    [JsonPropertyName("content")] public string Content { get; set; } = "";
}

public sealed class TensorInfo
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("shape")] public long[] Shape { get; set; } = [];
}

public sealed class PsResponse
{
    [JsonPropertyName("models")] public List<RunningModel> Models { get; set; } = [];
}

public sealed class RunningModel
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("size")] public long Size { get; set; }
    [JsonPropertyName("digest")] public string Digest { get; set; } = "";
    [JsonPropertyName("details")] public ModelDetails Details { get; set; } = new();
    [JsonPropertyName("expires_at")] public string ExpiresAt { get; set; } = "";
    [JsonPropertyName("size_vram")] public long SizeVram { get; set; }
    [JsonPropertyName("context_length")] public int ContextLength { get; set; }
}

public sealed class CopyRequest
{
    [JsonPropertyName("source")] public string? Source { get; set; }
    [JsonPropertyName("destination")] public string? Destination { get; set; }
}

public sealed class DeleteRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
}

public sealed class StatusResponse
{
    [JsonPropertyName("cloud")] public CloudStatus Cloud { get; set; } = new();
}

public sealed class CloudStatus
{
    [JsonPropertyName("disabled")] public bool Disabled { get; set; }
    [JsonPropertyName("source")] public string Source { get; set; } = "none";
}

public sealed class EmbedRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    /// <summary>A string or an array of strings.</summary>
    [JsonPropertyName("input")] public JsonElement? Input { get; set; }
    [JsonPropertyName("truncate")] public bool? Truncate { get; set; }
    [JsonPropertyName("dimensions")] public int? Dimensions { get; set; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; set; }
    [JsonPropertyName("options")] public JsonElement? Options { get; set; }
}

public sealed class EmbedResponse
{
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("embeddings")] public float[][] Embeddings { get; set; } = [];
    [JsonPropertyName("total_duration"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long TotalDuration { get; set; }
    [JsonPropertyName("load_duration"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long LoadDuration { get; set; }
    [JsonPropertyName("prompt_eval_count"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int PromptEvalCount { get; set; }
}

public sealed class EmbeddingsRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("prompt")] public string? Prompt { get; set; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; set; }
    [JsonPropertyName("options")] public JsonElement? Options { get; set; }
}

public sealed class EmbeddingsResponse
{
    /// <summary>Raw (not normalised) pooled values, printed as their shortest float32 text.</summary>
    [JsonPropertyName("embedding")] public float[] Embedding { get; set; } = [];
}
