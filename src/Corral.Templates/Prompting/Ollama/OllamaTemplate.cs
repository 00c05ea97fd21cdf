using System.Text.Json.Nodes;
using Corral.Templates.GoTemplates;
using Corral.Templates.GoTemplates.Syntax;

namespace Corral.Templates.Prompting.Ollama;

/// <summary>What a template lets a model do (Ollama's capability strings <c>tools</c>, <c>insert</c>, <c>thinking</c>).</summary>
[Flags]
public enum TemplateCapabilities
{
    None = 0,
    Tools = 1,
    Insert = 2,
    Thinking = 4,
}

/// <summary>Inputs of one prompt rendering through an Ollama <c>TEMPLATE</c> layer.</summary>
public sealed record OllamaTemplateValues
{
    /// <summary>The conversation, already assembled by the server (history, SYSTEM, image tags).</summary>
    public IReadOnlyList<ChatMessage> Messages { get; init; } = [];

    /// <summary>Tool definitions in OpenAI shape, or null when the request has none.</summary>
    public JsonArray? Tools { get; init; }

    /// <summary>Fill-in-the-middle: with both <see cref="Prompt"/> and <see cref="Suffix"/> set the template runs in insert mode.</summary>
    public string Prompt { get; init; } = "";

    public string Suffix { get; init; } = "";

    public ThinkValue Think { get; init; }

    /// <summary>Clock for <c>currentDate</c>/<c>yesterdayDate</c> (local time by default).</summary>
    public Func<DateTime>? Now { get; init; }

    /// <summary>Render as a legacy (per-turn) template even if it uses <c>.Messages</c> (upstream's test hook).</summary>
    public bool ForceLegacy { get; init; }
}

/// <summary>
/// A model's Go <c>TEMPLATE</c> with Ollama's semantics (runtime.md §10.2, B4.3–B4.4): a <c>{{ .Response }}</c> is
/// appended when the template mentions neither messages nor response; rendering chooses insert, messages or legacy
/// mode; and the tree is analysed for capabilities, the tool-call tag and the thinking tags.
/// </summary>
public sealed class OllamaTemplate
{
    private readonly GoListNode _root;
    // The legacy (messages-less) template cut after .Response: depends only on the template, and executing never changes nodes.
    private GoListNode? _cutAfterResponse;

    private OllamaTemplate(string text, GoTemplate template, GoListNode root, IReadOnlyList<string> variables)
    {
        Text = text;
        Template = template;
        _root = root;
        Variables = variables;
        ToolCallTag = TemplateTreeAnalysis.InferToolCallTag(template.Root);
        ThinkingTags = TemplateTreeAnalysis.InferThinkingTags(template.Root);
    }

    /// <summary>Ollama's default template for models without one.</summary>
    public static OllamaTemplate Default { get; } = Parse("{{ .Prompt }}");

    public string Text { get; }

    public GoTemplate Template { get; }

    /// <summary>Lower-cased, sorted, distinct identifiers (fields and variables) the template mentions (Ollama's <c>Vars()</c>).</summary>
    public IReadOnlyList<string> Variables { get; }

    /// <summary>The text that introduces tool calls in model output (B5.1); <c>{</c> when none can be inferred.</summary>
    public string ToolCallTag { get; }

    /// <summary>Opening and closing thinking tags (B5.2); empty strings when they cannot be inferred.</summary>
    public (string Open, string Close) ThinkingTags { get; }

    public bool UsesMessages => Variables.Contains("messages");

    /// <summary>Capabilities from the template: tools (uses <c>.Tools</c>), insert (<c>.Suffix</c>), thinking (tags inferable).</summary>
    public TemplateCapabilities Capabilities =>
        (Variables.Contains("tools") ? TemplateCapabilities.Tools : 0)
        | (Variables.Contains("suffix") ? TemplateCapabilities.Insert : 0)
        | (ThinkingTags.Open.Length > 0 && ThinkingTags.Close.Length > 0 ? TemplateCapabilities.Thinking : 0);

    /// <summary>Whether the template can show tool calls and their results (used to choose between Go and GGUF templates).</summary>
    public bool HasToolRoundTrip =>
        Variables.Contains("tools") && Variables.Contains("toolcalls")
        && (Text.Contains("eq .Role \"tool\"", StringComparison.Ordinal) || Text.Contains("tool_response", StringComparison.Ordinal)
            || Text.Contains("TOOL_RESULTS", StringComparison.Ordinal));

    /// <summary>Parses a template; errors read like Go's (<c>template: :1: unclosed action</c>).</summary>
    /// <exception cref="GoTemplateException"/>
    public static OllamaTemplate Parse(string text)
    {
        var template = GoTemplate.Parse(text, OllamaFunctions.All);
        var names = new List<string>();
        foreach (var definition in template.Definitions.Values) TemplateTreeAnalysis.CollectIdentifiers(definition, names);
        var variables = names.Select(n => n.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
        var root = template.Root;
        if (!variables.Contains("messages") && !variables.Contains("response"))
        {
            // Ollama appends {{ .Response }} so that old prompt-only templates still echo a prefill.
            root = template.CopyRoot();
            int pos = text.Length;
            var field = new GoFieldNode(pos, ["Response"]);
            root.Nodes.Add(new GoActionNode(pos, 0, new GoPipeNode(pos, 0, false, [], [new GoCommandNode(pos, [field])])));
            variables = variables.Append("response").Order(StringComparer.Ordinal).ToList();
        }
        return new OllamaTemplate(text, template, root, variables);
    }

    /// <summary>Renders the prompt.</summary>
    /// <exception cref="GoTemplateException">An execution error, worded as Go's.</exception>
    public string Render(OllamaTemplateValues values)
    {
        var (system, messages) = Collate(values.Messages);
        var think = values.Think;
        if (values.Prompt.Length > 0 && values.Suffix.Length > 0)
        {
            return Execute(_root, values.Now,
                ("Prompt", GoValue.String(values.Prompt)), ("Suffix", GoValue.String(values.Suffix)), ("Response", GoValue.String("")),
                ("Think", GoValue.Bool(think.Enabled)), ("ThinkLevel", GoValue.String(think.Level)), ("IsThinkSet", GoValue.Bool(think.IsSet)));
        }
        if (!values.ForceLegacy && UsesMessages)
        {
            return Execute(_root, values.Now,
                ("System", GoValue.String(system)), ("Messages", OllamaGoTypes.ConvertMessages(messages)),
                ("Tools", OllamaGoTypes.ConvertTools(values.Tools)), ("Response", GoValue.String("")),
                ("Think", GoValue.Bool(think.Enabled)), ("ThinkLevel", GoValue.String(think.Level)), ("IsThinkSet", GoValue.Bool(think.IsSet)));
        }
        return RenderLegacy(messages, values);
    }

    /// <summary>
    /// Per-turn execution: a system message flushes a pending turn, a user message flushes a turn that has a response;
    /// the last turn runs on a copy of the tree cut after the first <c>.Response</c>, so the prompt ends where the model continues.
    /// </summary>
    private string RenderLegacy(IReadOnlyList<ChatMessage> messages, OllamaTemplateValues values)
    {
        var think = values.Think;
        var sb = new System.Text.StringBuilder();
        string system = "", prompt = "", response = "";

        string Run(GoListNode root) => Execute(root, values.Now,
            ("System", GoValue.String(system)), ("Prompt", GoValue.String(prompt)), ("Response", GoValue.String(response)),
            ("Think", GoValue.Bool(think.Enabled)), ("ThinkLevel", GoValue.String(think.Level)), ("IsThinkSet", GoValue.Bool(think.IsSet)));

        void Flush()
        {
            sb.Append(Run(_root));
            system = prompt = response = "";
        }

        foreach (var m in messages)
        {
            switch (m.Role)
            {
                case "system":
                    if (prompt.Length > 0 || response.Length > 0) Flush();
                    system = m.Content;
                    break;
                case "user":
                    if (response.Length > 0) Flush();
                    prompt = m.Content;
                    break;
                case "assistant":
                    response = m.Content;
                    break;
            }
        }
        sb.Append(Run(_cutAfterResponse ??= TemplateTreeAnalysis.CutAfterResponse(_root.CopyList())));
        return sb.ToString();
    }

    private string Execute(GoListNode root, Func<DateTime>? now, params (string Key, GoValue Value)[] values) =>
        Template.Execute(root, GoValue.Map(GoType.AnyMap, values.Select(v => new KeyValuePair<string, GoValue>(v.Key, v.Value))), now);

    /// <summary>
    /// Ollama's <c>collate</c>: all system contents joined by a blank line; consecutive messages of the same role merged
    /// into the first (contents joined by a blank line, the later message's other fields dropped); tool messages never merge.
    /// </summary>
    public static (string System, IReadOnlyList<ChatMessage> Messages) Collate(IReadOnlyList<ChatMessage> messages)
    {
        var system = new List<string>();
        var collated = new List<ChatMessage>();
        foreach (var m in messages)
        {
            if (m.Role == "system") system.Add(m.Content);
            if (collated.Count > 0 && collated[^1].Role == m.Role && m.Role != "tool")
                collated[^1] = collated[^1] with { Content = collated[^1].Content + "\n\n" + m.Content };
            else
                collated.Add(m);
        }
        return (string.Join("\n\n", system), collated);
    }
}
