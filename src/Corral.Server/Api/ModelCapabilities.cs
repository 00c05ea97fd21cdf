using System.Collections.Concurrent;
using Corral.Engine.Gguf;
using Corral.Server.Generation;
using Corral.Store;
using Corral.Templates.Prompting.Ollama;

namespace Corral.Server.Api;

/// <summary>
/// What a model can do (api.md §2.10, runtime.md §10.5): completion or embedding, vision and audio from the
/// GGUF header, then tools, insert and thinking from the template the model renders with (the same
/// <see cref="ModelPrompting"/> choice the inference routes make), vision from projector layers, and whatever
/// the config declares. <c>/api/show</c>, <c>/api/tags</c> and the capability checks all use this one list.
/// </summary>
public static class ModelCapabilities
{
    public const string Completion = "completion";
    public const string Tools = "tools";
    public const string Insert = "insert";
    public const string Vision = "vision";
    public const string Embedding = "embedding";
    public const string Thinking = "thinking";
    public const string Audio = "audio";

    /// <summary>Template capabilities per (blob path, TEMPLATE text, OLLAMA_GO_TEMPLATE): blobs never change.</summary>
    private static readonly ConcurrentDictionary<(string, string?, bool?), TemplateCapabilities> s_templateCache = new();

    /// <summary>Images for a model without the vision capability: upstream's capability error (400).</summary>
    public static void RequireVisionForImages(ModelStore store, StoredModel model, bool hasImages)
    {
        if (hasImages && !Of(store, model).Contains(Vision))
            throw Http.ApiException.BadRequest($"{model.Name.DisplayFull} does not support vision");
    }

    /// <summary>Every capability of a stored model.</summary>
    public static IReadOnlyList<string> Of(ModelStore store, StoredModel model, bool? goTemplateSetting = null)
    {
        var caps = new List<string>();
        void Add(string c) { if (!caps.Contains(c)) caps.Add(c); }

        var layer = model.Manifest.Layers.FirstOrDefault(l => l.MediaType == MediaTypes.Model);
        if (layer != null && store.HeaderSummary(layer.Digest) is { } header)
            foreach (var c in header.Capabilities) Add(c);
        foreach (var c in model.Config.Capabilities ?? []) Add(c);
        foreach (var c in Names(TemplateCapabilitiesOf(model, goTemplateSetting))) Add(c);
        if (model.Config.ModelFamily is "gptoss" or "gpt-oss") Add(Thinking);
        if (model.ProjectorPaths.Count > 0) Add(Vision);
        return caps;
    }

    /// <summary>The capabilities a Go TEMPLATE implies (the store's hook for <c>/api/tags</c>).</summary>
    public static IEnumerable<string> FromGoTemplate(string template, ModelConfig config)
    {
        var caps = Names(ModelPrompting.ParseGo(template).Capabilities).ToList();
        if (config.ModelFamily is "gptoss" or "gpt-oss" && !caps.Contains(Thinking)) caps.Add(Thinking);
        return caps;
    }

    private static TemplateCapabilities TemplateCapabilitiesOf(StoredModel model, bool? goTemplateSetting)
    {
        if (model.ModelPath == null) return TemplateCapabilities.None;
        return s_templateCache.GetOrAdd((model.ModelPath, model.Template, goTemplateSetting), _ =>
        {
            try
            {
                using var file = GgufFile.Open(model.ModelPath);
                return ModelPrompting.For(model, file, goTemplateSetting).Capabilities;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or GgufFormatException)
            {
                return ModelPrompting.For(model, null, goTemplateSetting).Capabilities;
            }
        });
    }

    private static IEnumerable<string> Names(TemplateCapabilities c)
    {
        if (c.HasFlag(TemplateCapabilities.Tools)) yield return Tools;
        if (c.HasFlag(TemplateCapabilities.Insert)) yield return Insert;
        if (c.HasFlag(TemplateCapabilities.Thinking)) yield return Thinking;
    }
}
