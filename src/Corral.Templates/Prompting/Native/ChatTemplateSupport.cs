using Corral.Templates.Prompting.Ollama;

namespace Corral.Templates.Prompting.Native;

/// <summary>
/// Ollama's source-text checks on a GGUF <c>tokenizer.chat_template</c> (B4.6), and its rule for preferring the GGUF
/// template over a Go <c>TEMPLATE</c> layer (B4.1).
/// </summary>
public static class ChatTemplateSupport
{
    public static bool HasToolSupport(string chatTemplate) =>
        chatTemplate.Contains("tools", StringComparison.Ordinal) || chatTemplate.Contains("tool_call", StringComparison.Ordinal);

    public static bool HasToolRoundTrip(string chatTemplate)
    {
        if (!HasToolSupport(chatTemplate)) return false;
        bool toolCalls = chatTemplate.Contains("tool_calls", StringComparison.Ordinal) || chatTemplate.Contains("assistant_tool_call", StringComparison.Ordinal);
        return toolCalls && (chatTemplate.Contains("tool_response", StringComparison.Ordinal)
            || chatTemplate.Contains("tool_results", StringComparison.Ordinal)
            || chatTemplate.Contains("role'] == 'tool'", StringComparison.Ordinal)
            || chatTemplate.Contains("role'] == \"tool\"", StringComparison.Ordinal)
            || chatTemplate.Contains("role\"] == 'tool'", StringComparison.Ordinal)
            || chatTemplate.Contains("role\"] == \"tool\"", StringComparison.Ordinal)
            || chatTemplate.Contains("message.role == 'tool'", StringComparison.Ordinal)
            || chatTemplate.Contains("message.role == \"tool\"", StringComparison.Ordinal)
            || chatTemplate.Contains("ipython", StringComparison.Ordinal));
    }

    public static bool HasThinkingSupport(string chatTemplate)
    {
        if (chatTemplate.Contains("<think>", StringComparison.Ordinal) && chatTemplate.Contains("</think>", StringComparison.Ordinal)) return true;
        // Templates that strip earlier reasoning by splitting at </think> still let the reasoning be extracted.
        return (chatTemplate.Contains("content.split('</think>')", StringComparison.Ordinal) || chatTemplate.Contains("content.split(\"</think>\")", StringComparison.Ordinal))
            && !chatTemplate.Contains("reasoning_content", StringComparison.Ordinal)
            && !chatTemplate.Contains("<SPECIAL_12>", StringComparison.Ordinal);
    }

    /// <summary>Capabilities Ollama reads from a GGUF chat template (tools, thinking); none for an empty template.</summary>
    public static TemplateCapabilities Capabilities(string? chatTemplate)
    {
        if (string.IsNullOrEmpty(chatTemplate)) return TemplateCapabilities.None;
        return (HasToolSupport(chatTemplate) ? TemplateCapabilities.Tools : 0)
            | (HasThinkingSupport(chatTemplate) ? TemplateCapabilities.Thinking : 0);
    }

    /// <summary>
    /// Whether the GGUF template should replace the Go template (only considered when <c>OLLAMA_GO_TEMPLATE</c> is unset
    /// and the model has no renderer/parser and is not harmony): it has more capabilities (unless only the Go template
    /// has a tool round trip), or the same capabilities including tools and only it has a tool round trip.
    /// </summary>
    public static bool ShouldPreferChatTemplate(string chatTemplate, OllamaTemplate goTemplate)
    {
        var chatCaps = Capabilities(chatTemplate);
        var goCaps = goTemplate.Capabilities;
        if (Count(chatCaps) > Count(goCaps))
            return !goTemplate.HasToolRoundTrip || HasToolRoundTrip(chatTemplate);
        if (chatCaps != goCaps || !chatCaps.HasFlag(TemplateCapabilities.Tools)) return false;
        return HasToolRoundTrip(chatTemplate) && !goTemplate.HasToolRoundTrip;
    }

    private static int Count(TemplateCapabilities c) => System.Numerics.BitOperations.PopCount((uint)c);
}
