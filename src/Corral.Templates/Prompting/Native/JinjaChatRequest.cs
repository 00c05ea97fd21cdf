using System.Text.Json.Nodes;

namespace Corral.Templates.Prompting.Native;

/// <summary>Inputs for rendering a GGUF chat template the way llama-server does (B1).</summary>
public sealed record JinjaChatRequest
{
    public IReadOnlyList<ChatMessage> Messages { get; init; } = [];

    /// <summary>Tool definitions (OpenAI shape); passed to the template only when non-empty.</summary>
    public JsonArray? Tools { get; init; }

    public bool AddGenerationPrompt { get; init; } = true;

    /// <summary>Text of the BOS/EOS tokens (empty when the vocabulary has none).</summary>
    public string BosToken { get; init; } = "";

    public string EosToken { get; init; } = "";

    /// <summary>The tokenizer adds BOS itself: a rendered leading <see cref="BosToken"/> is removed once.</summary>
    public bool AddBos { get; init; }

    /// <summary>The tokenizer adds EOS itself: a rendered trailing <see cref="EosToken"/> is removed once.</summary>
    public bool AddEos { get; init; }

    /// <summary><c>enable_thinking</c>; always in the context (llama.cpp defaults it to true).</summary>
    public bool EnableThinking { get; init; } = true;

    /// <summary>Extra context (Ollama's <c>chat_template_kwargs</c>: <c>enable_thinking</c>, <c>reasoning_effort</c>, ...).</summary>
    public JsonObject? TemplateArguments { get; init; }

    /// <summary>Clock for <c>strftime_now</c>, <c>datetime</c> and <c>date_string</c> (local time by default).</summary>
    public Func<DateTime>? Now { get; init; }
}

/// <summary>What probing the template found (drives the message fix-ups).</summary>
public sealed record JinjaChatCapabilities(
    bool SupportsSystemRole,
    bool SupportsTools,
    bool SupportsToolCalls,
    bool RequiresObjectArguments,
    bool RequiresTypedContent,
    bool SupportsPreserveReasoning);
