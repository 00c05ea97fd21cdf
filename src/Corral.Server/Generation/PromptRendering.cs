using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Server.Api;
using Corral.Server.Http;
using Corral.Server.Scheduling;
using Corral.Store;
using Corral.Templates;
using Corral.Templates.Prompting;

namespace Corral.Server.Generation;

/// <summary>
/// Builds the prompt text of chat and generate requests as upstream does (runtime.md §10): message
/// assembly with the model's SYSTEM and MESSAGE history, thinking defaults, capability checks, and
/// history truncation to the context (oldest messages first, system messages kept).
/// </summary>
public static class PromptRendering
{
    /// <summary>Null when <paramref name="template"/> parses, else <c>template error: …</c> (create answers 400).</summary>
    public static string? ValidateTemplate(string template)
    {
        try
        {
            Templates.Prompting.Ollama.OllamaTemplate.Parse(template);
            return null;
        }
        catch (TemplateException e)
        {
            return e.Message;
        }
    }

    /// <summary>The request's <c>think</c> (api.md §2.4).</summary>
    public static ThinkValue ParseThink(JsonElement? think)
    {
        if (think is not { } t || t.ValueKind == JsonValueKind.Null) return ThinkValue.Unset;
        return t.ValueKind switch
        {
            JsonValueKind.True => ThinkValue.FromBool(true),
            JsonValueKind.False => ThinkValue.FromBool(false),
            JsonValueKind.String => t.GetString() switch
            {
                "high" or "medium" or "low" or "max" => ThinkValue.FromLevel(t.GetString()!),
                "true" => ThinkValue.FromBool(true),
                "false" => ThinkValue.FromBool(false),
                var s => throw ApiException.BadRequest($"invalid think value: \"{s}\" (must be \"high\", \"medium\", \"low\", \"max\", true, or false)"),
            },
            _ => throw ApiException.BadRequest("think must be a boolean or string (\"high\", \"medium\", \"low\", \"max\", true, or false)"),
        };
    }

    /// <summary>Applies the thinking default and refuses thinking on models that cannot.</summary>
    public static ThinkValue ResolveThink(ThinkValue think, ModelPrompting prompting, string requestedModel)
    {
        if (!think.IsSet) return prompting.SupportsThinking ? ThinkValue.FromBool(true) : think;
        if (think.Enabled && !prompting.SupportsThinking)
            throw ApiException.BadRequest($"\"{requestedModel}\" does not support thinking");
        return think;
    }

    public static ChatMessage ToChat(Message m)
    {
        List<byte[]>? images = null;
        if (m.Images is { Count: > 0 })
        {
            images = new List<byte[]>(m.Images.Count);
            foreach (var b64 in m.Images)
            {
                try { images.Add(Convert.FromBase64String(b64)); }
                catch (FormatException) { throw ApiException.BadRequest("invalid image data: images must be base64-encoded"); }
            }
        }
        return new ChatMessage
        {
            Role = m.Role,
            Content = m.Content ?? "",
            Thinking = string.IsNullOrEmpty(m.Thinking) ? null : m.Thinking,
            Images = images,
            ToolCalls = m.ToolCalls?.Select(tc => new ChatToolCall(tc.Function.Name,
                tc.Function.Arguments.ValueKind == JsonValueKind.Object ? JsonNode.Parse(tc.Function.Arguments.GetRawText()) as JsonObject : null,
                tc.Id, tc.Function.Index)).ToList(),
            ToolName = string.IsNullOrEmpty(m.ToolName) ? null : m.ToolName,
            ToolCallId = string.IsNullOrEmpty(m.ToolCallId) ? null : m.ToolCallId,
        };
    }

    public static JsonArray? ParseTools(JsonElement? tools) =>
        tools is { ValueKind: JsonValueKind.Array } t && t.GetArrayLength() > 0 ? JsonNode.Parse(t.GetRawText()) as JsonArray : null;

    /// <summary>
    /// /api/chat: model history and SYSTEM prepended, earlier reasoning stripped where upstream does, then the
    /// oldest non-system messages dropped until the prompt fits <paramref name="numCtx"/> (the last message is always kept).
    /// Tokens are the prompt's tokens where counting them already encoded it (null otherwise), so they are not encoded twice.
    /// </summary>
    public static (string Prompt, int DroppedMessages, int[]? Tokens) RenderChat(ModelPrompting prompting, StoredModel model, IReadOnlyList<Message> request,
        JsonArray? tools, ThinkValue think, LoadedModel? loaded, int numCtx, bool truncate)
    {
        var messages = new List<ChatMessage>();
        bool requestHasSystem = request.Count > 0 && request[0].Role == "system";
        if (!requestHasSystem && model.System.Length > 0) messages.Add(new ChatMessage("system", model.System));
        foreach (var m in model.Messages) messages.Add(new ChatMessage(m.Role, m.Content));
        foreach (var m in request) messages.Add(ToChat(m));
        if (StripsEarlierThinking(model)) StripThinkingBeforeLastUser(messages);

        var vocab = loaded?.Tokenizer.Vocabulary;
        string full = prompting.Render(messages, tools, think, vocab);
        if (!truncate || loaded == null) return (full, 0, null);
        int[] fullTokens = Encode(loaded, full);
        if (fullTokens.Length <= numCtx) return (full, 0, fullTokens);

        // Drop from the front (keeping system messages of the dropped prefix) until it fits.
        for (int start = 1; start < messages.Count; start++)
        {
            var kept = messages.Take(start).Where(m => m.Role == "system").Concat(messages.Skip(start)).ToList();
            string p = prompting.Render(kept, tools, think, vocab);
            int[] tokens = Encode(loaded, p);
            if (tokens.Length <= numCtx || start == messages.Count - 1)
                return (p, messages.Take(start).Count(m => m.Role != "system"), tokens);
        }
        return (full, 0, fullTokens);
    }

    /// <summary>/api/generate without raw (runtime.md §10.4).</summary>
    public static string RenderGenerate(ModelPrompting prompting, StoredModel model, GenerateRequest req, ThinkValue think, LoadedModel? loaded)
    {
        if (!string.IsNullOrEmpty(req.Suffix))
            return prompting.RenderInsert(req.Prompt ?? "", req.Suffix, think);
        var messages = new List<ChatMessage>();
        string system = !string.IsNullOrEmpty(req.System) ? req.System : model.System;
        if (system.Length > 0) messages.Add(new ChatMessage("system", system));
        if (req.Context is not { Length: > 0 })
            foreach (var m in model.Messages) messages.Add(new ChatMessage(m.Role, m.Content));
        messages.Add(ToChat(new Message { Role = "user", Content = req.Prompt ?? "", Images = req.Images?.ToList() }));
        if (!string.IsNullOrEmpty(req.Template))
        {
            var custom = ModelPrompting.ParseGo(req.Template);
            var p = new ModelPrompting { Mode = PromptMode.GoTemplate, Go = custom, Capabilities = custom.Capabilities };
            return p.Render(messages, null, think, loaded?.Tokenizer.Vocabulary);
        }
        return prompting.Render(messages, null, think, loaded?.Tokenizer.Vocabulary);
    }

    /// <summary>The prompt's tokens exactly as <see cref="TextGeneration.Tokenize"/> encodes a prompt without context tokens.</summary>
    private static int[] Encode(LoadedModel loaded, string prompt) =>
        loaded.Tokenizer.Encode(prompt, addSpecial: true, parseSpecial: true);

    private static bool StripsEarlierThinking(StoredModel model) =>
        model.Config.ModelFamily == "qwen3" || (model.Config.ModelFamilies?.Contains("qwen3") ?? false) || model.Name.Model == "deepseek-r1";

    private static void StripThinkingBeforeLastUser(List<ChatMessage> messages)
    {
        int lastUser = messages.FindLastIndex(m => m.Role == "user");
        for (int i = 0; i < lastUser; i++)
        {
            var m = messages[i];
            if (m.Role != "assistant") continue;
            int open = m.Content.IndexOf("<think>", StringComparison.Ordinal);
            int close = m.Content.IndexOf("</think>", StringComparison.Ordinal);
            if (open >= 0 && close > open)
                messages[i] = m with { Content = (m.Content[..open] + m.Content[(close + "</think>".Length)..]).TrimStart() };
        }
    }
}
