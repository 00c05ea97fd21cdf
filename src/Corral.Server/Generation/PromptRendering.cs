using Corral.Server.Api;
using Corral.Server.Http;
using Corral.Store;

namespace Corral.Server.Generation;

/// <summary>Builds the prompt text for a model from its template (runtime.md §10).</summary>
public static class PromptRendering
{
    public static string RenderGenerate(StoredModel model, GenerateRequest req)
    {
        string template = string.IsNullOrEmpty(req.Template) ? model.TemplateOrDefault : req.Template;
        if (template.Trim() == StoredModel.DefaultTemplate) return req.Prompt ?? "";
        throw ApiException.Internal("templates other than {{ .Prompt }} are not supported yet");
    }

    /// <summary>Null when <paramref name="template"/> parses, else the parser's message (create answers 400 <c>template error: …</c>).</summary>
    public static string? ValidateTemplate(string template) => null;

    public static string RenderChat(StoredModel model, IReadOnlyList<Message> messages)
    {
        if (model.TemplateOrDefault.Trim() != StoredModel.DefaultTemplate)
            throw ApiException.Internal("templates other than {{ .Prompt }} are not supported yet");
        // Legacy per-turn rendering of "{{ .Prompt }}{{ .Response }}": user and assistant texts in order.
        var sb = new System.Text.StringBuilder();
        foreach (var m in messages)
            if (m.Role is "user" or "assistant") sb.Append(m.Content);
        return sb.ToString();
    }
}
