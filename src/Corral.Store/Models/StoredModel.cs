using System.Text.Json;

namespace Corral.Store;

/// <summary>A manifest file found under <c>manifests/</c>, parsed.</summary>
public sealed record ManifestEntry(ModelName Name, Manifest Manifest, string Path, DateTimeOffset ModifiedAt);

/// <summary>
/// A local model resolved from its manifest (runtime.md §3.5): blob paths by layer type, the text layers, the params map
/// (in file order; numbers as JSON numbers), messages, licenses and config.
/// </summary>
public sealed class StoredModel
{
    /// <summary>The template used when a model has no template layer.</summary>
    public const string DefaultTemplate = "{{ .Prompt }}";

    public required ModelName Name { get; init; }

    /// <summary>Display-shortest name (<c>llama3.2:latest</c>).</summary>
    public string ShortName => Name.DisplayShortest;

    public required Manifest Manifest { get; init; }

    /// <summary>Lowercase hex digest of the manifest bytes.</summary>
    public string Digest => Manifest.Digest;

    public required ModelConfig Config { get; init; }

    /// <summary>Path of the GGUF weights blob (<c>application/vnd.ollama.image.model</c>), or null.</summary>
    public string? ModelPath { get; init; }

    /// <summary>The model layer's <c>from</c> (reported as <c>parent_model</c>).</summary>
    public string ParentModel { get; init; } = "";

    public string? DraftPath { get; init; }

    public IReadOnlyList<string> ProjectorPaths { get; init; } = [];

    public IReadOnlyList<string> AdapterPaths { get; init; } = [];

    /// <summary>The template layer's text, or null when the model has none (see <see cref="TemplateOrDefault"/>).</summary>
    public string? Template { get; init; }

    public string TemplateOrDefault => Template ?? DefaultTemplate;

    public string System { get; init; } = "";

    /// <summary>The params layer decoded as a map (file order). Values are detached JSON elements.</summary>
    public IReadOnlyDictionary<string, JsonElement> Parameters { get; init; } = new Dictionary<string, JsonElement>();

    public IReadOnlyList<ModelMessage> Messages { get; init; } = [];

    public IReadOnlyList<string> Licenses { get; init; } = [];

    /// <summary>Licenses joined with <c>\n</c>, as <c>/api/show</c> returns them.</summary>
    public string License => string.Join("\n", Licenses);

    /// <summary>Sum of all layer sizes and the config size.</summary>
    public long Size => Manifest.TotalSize;

    /// <summary>Manifest file modification time.</summary>
    public required DateTimeOffset ModifiedAt { get; init; }

    /// <summary>The deprecated embeddings layer was present (and ignored).</summary>
    public bool HasDeprecatedEmbedLayer { get; init; }

    public ModelDetails Details => ModelDetails.FromConfig(Config, ParentModel);
}
