using System.Collections.Concurrent;
using Corral.Engine.Gguf;
using Corral.Store;
using Corral.Templates;
using Corral.Templates.Jinja;
using Corral.Templates.Prompting;
using Corral.Templates.Prompting.Native;
using Corral.Templates.Prompting.Ollama;
using Corral.Server.Http;

namespace Corral.Server.Generation;

/// <summary>How a model's prompts are rendered (runtime.md §10.1).</summary>
public enum PromptMode
{
    /// <summary>The model's Go <c>TEMPLATE</c> layer (or Ollama's default <c>{{ .Prompt }}</c>).</summary>
    GoTemplate,
    /// <summary>The GGUF <c>tokenizer.chat_template</c> (Jinja), rendered as llama-server does.</summary>
    ChatTemplate,
}

/// <summary>
/// A model's prompt renderer and what it implies: the chosen mode, the parsed template, capabilities
/// (tools, insert, thinking) and the thinking/tool-call tags the output parsers look for. Parsed
/// templates are cached by source text.
/// </summary>
public sealed class ModelPrompting
{
    private static readonly ConcurrentDictionary<string, OllamaTemplate> s_goCache = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, JinjaChatTemplate> s_jinjaCache = new();

    public required PromptMode Mode { get; init; }
    public OllamaTemplate? Go { get; init; }
    public string? ChatTemplateSource { get; init; }
    public string? ToolUseTemplateSource { get; init; }
    public TemplateCapabilities Capabilities { get; init; }

    public bool SupportsTools => Capabilities.HasFlag(TemplateCapabilities.Tools);
    public bool SupportsThinking => Capabilities.HasFlag(TemplateCapabilities.Thinking);
    public bool SupportsInsert => Capabilities.HasFlag(TemplateCapabilities.Insert);

    /// <summary>Thinking tags for output parsing (Go templates infer them; chat templates use &lt;think&gt;).</summary>
    public (string Open, string Close) ThinkingTags =>
        Go != null && Mode == PromptMode.GoTemplate ? Go.ThinkingTags : SupportsThinking ? ("<think>", "</think>") : ("", "");

    public static OllamaTemplate ParseGo(string text)
    {
        try
        {
            return s_goCache.GetOrAdd(text, OllamaTemplate.Parse);
        }
        catch (TemplateException e)
        {
            throw ApiException.Internal(e.Message);
        }
    }

    /// <summary>The parsed chat template for this model, cached by the source actually chosen (shared across models).</summary>
    public JinjaChatTemplate Jinja(bool withTools) =>
        s_jinjaCache.GetOrAdd(JinjaChatTemplate.SelectSource(ChatTemplateSource, ToolUseTemplateSource, withTools), source => JinjaChatTemplate.FromSource(source));

    /// <summary>
    /// Chooses the renderer: a TEMPLATE layer wins when Go templates are enabled, unless OLLAMA_GO_TEMPLATE is
    /// unset and the GGUF template offers more; otherwise the GGUF chat template; otherwise <c>{{ .Prompt }}</c>.
    /// </summary>
    public static ModelPrompting For(StoredModel model, GgufFile? file, bool? goTemplateSetting)
    {
        string? chat = file?.GetString("tokenizer.chat_template");
        string? toolUse = file?.GetString("tokenizer.chat_template.tool_use");
        if (model.Template != null && goTemplateSetting != false)
        {
            var go = ParseGo(model.Template);
            bool preferChat = goTemplateSetting == null && !string.IsNullOrEmpty(chat) && ChatTemplateSupport.ShouldPreferChatTemplate(chat, go);
            if (!preferChat)
                return new ModelPrompting { Mode = PromptMode.GoTemplate, Go = go, Capabilities = go.Capabilities, ChatTemplateSource = chat };
        }
        if (!string.IsNullOrEmpty(chat))
        {
            return new ModelPrompting
            {
                Mode = PromptMode.ChatTemplate,
                ChatTemplateSource = chat,
                ToolUseTemplateSource = string.IsNullOrEmpty(toolUse) ? null : toolUse,
                Capabilities = ChatTemplateSupport.Capabilities(chat) | ChatTemplateSupport.Capabilities(toolUse),
            };
        }
        var fallback = ParseGo(model.TemplateOrDefault);
        return new ModelPrompting { Mode = PromptMode.GoTemplate, Go = fallback, Capabilities = fallback.Capabilities };
    }

    /// <summary>Renders a conversation (chat, or generate's one-turn conversation).</summary>
    public string Render(IReadOnlyList<ChatMessage> messages, System.Text.Json.Nodes.JsonArray? tools, ThinkValue think, Engine.Tokenizers.Vocabulary? vocab)
    {
        try
        {
            if (Mode == PromptMode.GoTemplate)
            {
                var tagged = ImageTags.Apply(messages, out _);
                return Go!.Render(new OllamaTemplateValues { Messages = tagged, Tools = tools, Think = think });
            }
            var template = Jinja(tools is { Count: > 0 });
            return template.Render(new JinjaChatRequest
            {
                Messages = messages,
                Tools = tools is { Count: > 0 } ? tools : null,
                AddGenerationPrompt = true,
                BosToken = vocab is { Bos: >= 0 } v1 ? v1.GetText(v1.Bos) : "",
                EosToken = vocab is { Eos: >= 0 } v2 ? v2.GetText(v2.Eos) : "",
                AddBos = vocab?.AddBos ?? false,
                AddEos = vocab?.AddEos ?? false,
                EnableThinking = !think.IsSet || think.Enabled,
            });
        }
        catch (TemplateRaisedException e)
        {
            throw ApiException.BadRequest(e.Message);
        }
        catch (JinjaException e)
        {
            // The conversation is what the GGUF template cannot render (a role it lacks, a missing variable): a client error.
            throw ApiException.BadRequest("template error: " + e.Message);
        }
        catch (TemplateException e)
        {
            throw ApiException.Internal("template error: " + e.Message);
        }
    }

    /// <summary>Insert (fill-in-the-middle) rendering for generate with a suffix.</summary>
    public string RenderInsert(string prompt, string suffix, ThinkValue think)
    {
        try
        {
            var go = Go ?? ParseGo(StoredModel.DefaultTemplate);
            return go.Render(new OllamaTemplateValues { Prompt = prompt, Suffix = suffix, Think = think });
        }
        catch (TemplateException e)
        {
            throw ApiException.Internal("template error: " + e.Message);
        }
    }
}
