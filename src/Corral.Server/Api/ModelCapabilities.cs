using System.Text.RegularExpressions;
using Corral.Store;

namespace Corral.Server.Api;

/// <summary>
/// What a model can do (api.md §2.10, runtime.md §10.5, tokenizers-and-templates.md B4.6): completion or
/// embedding, vision and audio from the GGUF header, then tools, insert and thinking from its template,
/// vision again from projector layers, and whatever the config declares. <c>/api/show</c>, <c>/api/tags</c>
/// and the capability checks of the inference routes all use this one list.
/// </summary>
public static partial class ModelCapabilities
{
    public const string Completion = "completion";
    public const string Tools = "tools";
    public const string Insert = "insert";
    public const string Vision = "vision";
    public const string Embedding = "embedding";
    public const string Thinking = "thinking";
    public const string Audio = "audio";

    /// <summary>Images for a model without the vision capability: upstream's capability error (400).</summary>
    public static void RequireVisionForImages(ModelStore store, StoredModel model, bool hasImages)
    {
        if (hasImages && !Of(store, model).Contains(Vision))
            throw Http.ApiException.BadRequest($"{model.Name.DisplayFull} does not support vision");
    }

    /// <summary>Every capability of a stored model.</summary>
    public static IReadOnlyList<string> Of(ModelStore store, StoredModel model)
    {
        var caps = new List<string>();
        void Add(string c) { if (!caps.Contains(c)) caps.Add(c); }

        string? chatTemplate = null;
        var layer = model.Manifest.Layers.FirstOrDefault(l => l.MediaType == MediaTypes.Model);
        if (layer != null && store.HeaderSummary(layer.Digest) is { } header)
            foreach (var c in header.Capabilities) Add(c);
        foreach (var c in model.Config.Capabilities ?? []) Add(c);
        if (model.Template != null)
        {
            foreach (var c in FromGoTemplate(model.Template, model.Config)) Add(c);
        }
        else if (model.ModelPath != null && (chatTemplate = GgufChatTemplate(model.ModelPath)) is { Length: > 0 })
        {
            foreach (var c in FromJinjaTemplate(chatTemplate)) Add(c);
        }
        if (model.ProjectorPaths.Count > 0) Add(Vision);
        return caps;
    }

    /// <summary>
    /// A Go TEMPLATE's capabilities: <c>tools</c> when it references <c>.Tools</c>, <c>insert</c> for
    /// <c>.Suffix</c>, <c>thinking</c> when <c>.Thinking</c> is wrapped in literal tags (upstream infers the
    /// tags around it) or the family is gpt-oss. Field references are found in the template's actions, which
    /// is what upstream's parse-tree walk collects for these well-formed names.
    /// </summary>
    public static IEnumerable<string> FromGoTemplate(string template, ModelConfig config)
    {
        var fields = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match action in GoAction().Matches(template))
            foreach (Match f in GoField().Matches(action.Value))
                fields.Add(f.Groups[1].Value.ToLowerInvariant());
        if (fields.Contains("tools")) yield return Tools;
        if (fields.Contains("suffix")) yield return Insert;
        if ((fields.Contains("thinking") && ThinkingTags().IsMatch(template)) || config.ModelFamily is "gptoss" or "gpt-oss")
            yield return Thinking;
    }

    /// <summary>A GGUF chat template's capabilities, by the substring rules upstream applies (B4.6).</summary>
    public static IEnumerable<string> FromJinjaTemplate(string template)
    {
        if (template.Contains("tools", StringComparison.Ordinal) || template.Contains("tool_call", StringComparison.Ordinal)) yield return Tools;
        bool tags = template.Contains("<think>", StringComparison.Ordinal) && template.Contains("</think>", StringComparison.Ordinal);
        bool splits = (template.Contains("content.split('</think>')", StringComparison.Ordinal) || template.Contains("content.split(\"</think>\")", StringComparison.Ordinal))
            && !template.Contains("reasoning_content", StringComparison.Ordinal) && !template.Contains("<SPECIAL_12>", StringComparison.Ordinal);
        if (tags || splits) yield return Thinking;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> s_chatTemplates = new(StringComparer.Ordinal);

    /// <summary>The GGUF's <c>tokenizer.chat_template</c> (cached per blob path: blobs never change), or null.</summary>
    public static string? GgufChatTemplate(string path) => s_chatTemplates.GetOrAdd(path, static p =>
    {
        try
        {
            using var f = Engine.Gguf.GgufFile.Open(p);
            return f.GetString("tokenizer.chat_template");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Engine.Gguf.GgufFormatException)
        {
            return null;
        }
    });

    [GeneratedRegex(@"\{\{.*?\}\}", RegexOptions.Singleline)]
    private static partial Regex GoAction();

    [GeneratedRegex(@"\.([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex GoField();

    /// <summary>Literal text tags on both sides of a <c>.Thinking</c> output action, e.g. <c>&lt;think&gt;{{ .Thinking }}&lt;/think&gt;</c>.</summary>
    [GeneratedRegex(@"[^\s{}]+\s*\{\{-?\s*\.Thinking\s*-?\}\}\s*[^\s{}]+", RegexOptions.Singleline)]
    private static partial Regex ThinkingTags();
}
