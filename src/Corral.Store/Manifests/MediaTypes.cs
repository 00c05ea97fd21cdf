namespace Corral.Store;

/// <summary>Manifest and layer media types (runtime.md §3.2–3.3).</summary>
public static class MediaTypes
{
    public const string Manifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string Config = "application/vnd.docker.container.image.v1+json";

    public const string Model = "application/vnd.ollama.image.model";
    public const string Projector = "application/vnd.ollama.image.projector";
    public const string Adapter = "application/vnd.ollama.image.adapter";
    public const string Template = "application/vnd.ollama.image.template";
    /// <summary>Legacy name for <see cref="Template"/>.</summary>
    public const string Prompt = "application/vnd.ollama.image.prompt";
    public const string System = "application/vnd.ollama.image.system";
    public const string Params = "application/vnd.ollama.image.params";
    public const string Messages = "application/vnd.ollama.image.messages";
    public const string License = "application/vnd.ollama.image.license";
    public const string Draft = "application/vnd.ollama.image.draft";
    public const string Tensor = "application/vnd.ollama.image.tensor";
    public const string Json = "application/vnd.ollama.image.json";
    /// <summary>Deprecated embeddings layer; ignored with a warning.</summary>
    public const string Embed = "application/vnd.ollama.image.embed";

    /// <summary>Layers whose blobs are GGUF files.</summary>
    public static bool IsGguf(string mediaType) => mediaType is Model or Projector or Adapter or Draft;
}
