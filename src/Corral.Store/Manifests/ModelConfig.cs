using System.Text.Json;

namespace Corral.Store;

/// <summary>Draft model description inside the config blob (all fields omitted when empty).</summary>
public sealed record DraftConfig(string ModelFormat = "", string Architecture = "", string TensorPrefix = "", string Config = "");

/// <summary>
/// The config blob a manifest points at (upstream "ConfigV2", runtime.md §3.4). Written with upstream's field order and
/// omit-empty rules so digests match; unknown fields of registry configs are ignored on read.
/// </summary>
public sealed record ModelConfig
{
    /// <summary><c>gguf</c> or <c>safetensors</c>; empty means gguf.</summary>
    public string ModelFormat { get; init; } = "";
    /// <summary>GGUF <c>general.architecture</c>.</summary>
    public string ModelFamily { get; init; } = "";
    /// <summary>May be null (written as <c>null</c>).</summary>
    public IReadOnlyList<string>? ModelFamilies { get; init; }
    /// <summary>Human parameter count, shown as "parameter size" (<c>8.0B</c>).</summary>
    public string ModelType { get; init; } = "";
    /// <summary>Quantization level (<c>Q4_K_M</c>).</summary>
    public string FileType { get; init; } = "";
    public string Renderer { get; init; } = "";
    public string Parser { get; init; } = "";
    public string Requires { get; init; } = "";
    public string RemoteHost { get; init; } = "";
    public string RemoteModel { get; init; } = "";
    public IReadOnlyList<string>? Capabilities { get; init; }
    public long ContextLength { get; init; }
    public long EmbeddingLength { get; init; }
    public string BaseName { get; init; } = "";
    public DraftConfig? Draft { get; init; }
    public string Architecture { get; init; } = "";
    public string OS { get; init; } = "";

    /// <summary>Empty or <c>gguf</c>.</summary>
    public bool IsGguf => ModelFormat is "" or "gguf";

    public bool IsSafetensors => ModelFormat == "safetensors";

    public bool IsRemote => RemoteHost.Length > 0 || RemoteModel.Length > 0;

    /// <summary>What a locally created model starts with (Ollama always claims linux/amd64).</summary>
    public static ModelConfig NewLocal() => new() { OS = "linux", Architecture = "amd64" };

    /// <summary>The blob bytes: compact Go-style JSON and a trailing <c>\n</c>.</summary>
    public byte[] ToJsonBytes()
    {
        var w = new GoJsonWriter();
        w.BeginObject()
            .Name("model_format").String(ModelFormat)
            .Name("model_family").String(ModelFamily)
            .Name("model_families").StringArray(ModelFamilies)
            .Name("model_type").String(ModelType)
            .Name("file_type").String(FileType);
        if (Renderer.Length > 0) w.Name("renderer").String(Renderer);
        if (Parser.Length > 0) w.Name("parser").String(Parser);
        if (Requires.Length > 0) w.Name("requires").String(Requires);
        if (RemoteHost.Length > 0) w.Name("remote_host").String(RemoteHost);
        if (RemoteModel.Length > 0) w.Name("remote_model").String(RemoteModel);
        if (Capabilities is { Count: > 0 }) w.Name("capabilities").StringArray(Capabilities);
        if (ContextLength != 0) w.Name("context_length").Number(ContextLength);
        if (EmbeddingLength != 0) w.Name("embedding_length").Number(EmbeddingLength);
        if (BaseName.Length > 0) w.Name("base_name").String(BaseName);
        if (Draft is not null)
        {
            w.Name("draft").BeginObject();
            if (Draft.ModelFormat.Length > 0) w.Name("model_format").String(Draft.ModelFormat);
            if (Draft.Architecture.Length > 0) w.Name("architecture").String(Draft.Architecture);
            if (Draft.TensorPrefix.Length > 0) w.Name("tensor_prefix").String(Draft.TensorPrefix);
            if (Draft.Config.Length > 0) w.Name("config").String(Draft.Config);
            w.EndObject();
        }
        w.Name("architecture").String(Architecture).Name("os").String(OS).EndObject();
        return w.ToUtf8WithNewline();
    }

    /// <summary>Decodes a config blob (Go semantics: first value, case-insensitive keys, unknown keys ignored, strict types).</summary>
    public static ModelConfig Parse(byte[] bytes, string? source = null)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowMultipleValues = true });
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Null) return new ModelConfig();
            if (root.ValueKind != JsonValueKind.Object) throw new JsonException("expected a JSON object");
            var c = new ModelConfig();
            foreach (var p in root.EnumerateObject())
            {
                var v = p.Value;
                string k = p.Name.ToLowerInvariant();
                c = k switch
                {
                    "model_format" => c with { ModelFormat = GoJsonRead.String(v, k) ?? c.ModelFormat },
                    "model_family" => c with { ModelFamily = GoJsonRead.String(v, k) ?? c.ModelFamily },
                    "model_families" => c with { ModelFamilies = GoJsonRead.StringList(v, k) },
                    "model_type" => c with { ModelType = GoJsonRead.String(v, k) ?? c.ModelType },
                    "file_type" => c with { FileType = GoJsonRead.String(v, k) ?? c.FileType },
                    "renderer" => c with { Renderer = GoJsonRead.String(v, k) ?? c.Renderer },
                    "parser" => c with { Parser = GoJsonRead.String(v, k) ?? c.Parser },
                    "requires" => c with { Requires = GoJsonRead.String(v, k) ?? c.Requires },
                    "remote_host" => c with { RemoteHost = GoJsonRead.String(v, k) ?? c.RemoteHost },
                    "remote_model" => c with { RemoteModel = GoJsonRead.String(v, k) ?? c.RemoteModel },
                    "capabilities" => c with { Capabilities = GoJsonRead.StringList(v, k) },
                    "context_length" => v.ValueKind == JsonValueKind.Null ? c : c with { ContextLength = GoJsonRead.Int64(v, k) },
                    "embedding_length" => v.ValueKind == JsonValueKind.Null ? c : c with { EmbeddingLength = GoJsonRead.Int64(v, k) },
                    "base_name" => c with { BaseName = GoJsonRead.String(v, k) ?? c.BaseName },
                    "draft" => c with { Draft = ParseDraft(v) },
                    "architecture" => c with { Architecture = GoJsonRead.String(v, k) ?? c.Architecture },
                    "os" => c with { OS = GoJsonRead.String(v, k) ?? c.OS },
                    _ => c,
                };
            }
            return c;
        }
        catch (JsonException e)
        {
            throw new ManifestFormatException($"invalid model config{(source is null ? "" : " " + source)}: {e.Message}");
        }
    }

    private static DraftConfig? ParseDraft(JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Object) throw new JsonException("draft: expected an object");
        var d = new DraftConfig();
        foreach (var p in v.EnumerateObject())
        {
            string k = p.Name.ToLowerInvariant();
            d = k switch
            {
                "model_format" => d with { ModelFormat = GoJsonRead.String(p.Value, "draft." + k) ?? d.ModelFormat },
                "architecture" => d with { Architecture = GoJsonRead.String(p.Value, "draft." + k) ?? d.Architecture },
                "tensor_prefix" => d with { TensorPrefix = GoJsonRead.String(p.Value, "draft." + k) ?? d.TensorPrefix },
                "config" => d with { Config = GoJsonRead.String(p.Value, "draft." + k) ?? d.Config },
                _ => d,
            };
        }
        return d;
    }
}
