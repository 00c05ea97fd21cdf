using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Templates.Jinja;

namespace Corral.Templates.Prompting.Native;

/// <summary>
/// A GGUF <c>tokenizer.chat_template</c> rendered with the context llama-server gives it (B1): template choice and source
/// patches, capability probing, message fix-ups, context variables, and BOS/EOS stripping.
/// </summary>
public sealed class JinjaChatTemplate
{
    /// <summary>llama.cpp's fallback when a model has no template (or the literal name <c>chatml</c>).</summary>
    public const string ChatMlSource =
        "{%- for message in messages -%}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}{%- endfor -%}" +
        "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}";

    private const string GptOssGuard =
        "{%- if \"<|channel|>analysis<|message|>\" in message.content or \"<|channel|>final<|message|>\" in message.content %}";

    private const string MistralGuard =
        "{%- if (message['content'] is none or message['content'] == '' or message['content']|length == 0) and " +
        "(message['tool_calls'] is not defined or message['tool_calls'] is none or message['tool_calls']|length == 0) %}";

    private readonly JinjaTemplate _template;
    private readonly bool _isGptOss;
    private readonly bool _trimContents;

    private JinjaChatTemplate(string source, JinjaOptions options)
    {
        Source = source;
        _template = JinjaTemplate.Parse(source, options);
        _isGptOss = source.Contains("<|channel|>", StringComparison.Ordinal);
        _trimContents = source.Contains("You have access to the following functions in JSONSchema format", StringComparison.Ordinal);
        Capabilities = Probe();
    }

    /// <summary>The template source after the fallback and patches.</summary>
    public string Source { get; }

    public JinjaChatCapabilities Capabilities { get; }

    /// <summary>
    /// Chooses and parses the template: <paramref name="toolUseTemplate"/> when tools are in play and it exists,
    /// the built-in ChatML when the default is empty or <c>chatml</c>; then applies llama.cpp's source patches.
    /// </summary>
    /// <exception cref="JinjaException">The template does not parse.</exception>
    public static JinjaChatTemplate Create(string? chatTemplate, string? toolUseTemplate = null, bool withTools = false, JinjaOptions? options = null) =>
        FromSource(SelectSource(chatTemplate, toolUseTemplate, withTools), options);

    /// <summary>The template source <see cref="Create"/> parses for these inputs (before llama.cpp's patches): the key to cache on.</summary>
    public static string SelectSource(string? chatTemplate, string? toolUseTemplate, bool withTools)
    {
        string source = chatTemplate ?? "";
        if (withTools && !string.IsNullOrEmpty(toolUseTemplate)) source = toolUseTemplate;
        if (source.Length == 0 || source == "chatml") source = string.IsNullOrEmpty(toolUseTemplate) ? ChatMlSource : toolUseTemplate;
        return source;
    }

    /// <summary>Parses a chosen source (see <see cref="SelectSource"/>) after applying llama.cpp's source patches.</summary>
    /// <exception cref="JinjaException">The template does not parse.</exception>
    public static JinjaChatTemplate FromSource(string source, JinjaOptions? options = null)
    {
        if (source.Contains("<|channel|>", StringComparison.Ordinal) && source.Contains("in message.content or", StringComparison.Ordinal))
            source = source.Replace(GptOssGuard, "{%- if false %}", StringComparison.Ordinal);
        if (source.Contains("[TOOL_CALLS]", StringComparison.Ordinal) && source.Contains("if (message['content'] is none or", StringComparison.Ordinal))
            source = source.Replace(MistralGuard, "{%- if false %}", StringComparison.Ordinal);
        return new JinjaChatTemplate(source, options ?? JinjaOptions.Default);
    }

    /// <summary>Renders the prompt.</summary>
    /// <exception cref="JinjaException">A template error.</exception>
    /// <exception cref="TemplateRaisedException">The template rejected the conversation (<c>raise_exception</c>).</exception>
    public string Render(JinjaChatRequest request)
    {
        var now = request.Now ?? (() => DateTime.Now);
        string prompt = _template.Render(BuildContext(request, now, Capabilities), now);
        if (request.AddBos && request.BosToken.Length > 0 && prompt.StartsWith(request.BosToken, StringComparison.Ordinal))
            prompt = prompt[request.BosToken.Length..];
        if (request.AddEos && request.EosToken.Length > 0 && prompt.EndsWith(request.EosToken, StringComparison.Ordinal))
            prompt = prompt[..^request.EosToken.Length];
        return prompt;
    }

    /// <summary>
    /// The generation prompt alone: the suffix of the render with <c>add_generation_prompt</c> after the common prefix
    /// with the render without it.
    /// </summary>
    public string GenerationPrompt(JinjaChatRequest request)
    {
        string with = Render(request with { AddGenerationPrompt = true });
        string without = Render(request with { AddGenerationPrompt = false });
        int common = 0;
        while (common < with.Length && common < without.Length && with[common] == without[common]) common++;
        return with[common..];
    }

    private List<KeyValuePair<string, JinjaValue>> BuildContext(JinjaChatRequest request, Func<DateTime> now, JinjaChatCapabilities caps)
    {
        var context = new List<KeyValuePair<string, JinjaValue>>
        {
            new("messages", JinjaValue.FromJson(BuildMessages(request.Messages, caps))),
            new("bos_token", request.BosToken),
            new("eos_token", request.EosToken),
            new("enable_thinking", request.EnableThinking),
        };
        if (request.Tools is { Count: > 0 } tools) context.Add(new("tools", JinjaValue.FromJson(tools)));
        if (request.AddGenerationPrompt) context.Add(new("add_generation_prompt", true));
        var time = now();
        context.Add(new("datetime", time.ToString("MMM dd yyyy", CultureInfo.InvariantCulture)));
        context.Add(new("date_string", time.ToString("dd MMM yyyy", CultureInfo.InvariantCulture)));
        if (request.TemplateArguments is { } kwargs)
        {
            foreach (var (key, node) in kwargs)
            {
                var value = JinjaValue.FromJson(node);
                Set(context, key, value);
                if (key == "reasoning_effort") Set(context, "reasoning_strength", value);
                if (key == "preserve_reasoning" && value.Kind == JinjaKind.Bool)
                {
                    Set(context, "preserve_thinking", value);
                    Set(context, "clear_thinking", !value.AsBool);
                    Set(context, "truncate_history_thinking", !value.AsBool);
                    Set(context, "drop_thinking", !value.AsBool);
                }
            }
        }
        return context;
    }

    private static void Set(List<KeyValuePair<string, JinjaValue>> context, string key, JinjaValue value)
    {
        int i = context.FindIndex(e => e.Key == key);
        if (i >= 0) context[i] = new(key, value);
        else context.Add(new(key, value));
    }

    /// <summary>The OpenAI-style message list with llama.cpp's capability-driven fix-ups.</summary>
    private JsonArray BuildMessages(IReadOnlyList<ChatMessage> messages, JinjaChatCapabilities caps)
    {
        var list = new List<ChatMessage>(messages.Count);
        foreach (var m in messages)
            list.Add(m.Role == "developer" && !_isGptOss ? m with { Role = "system" } : m);

        if (!caps.SupportsSystemRole)
        {
            int sys = list.FindIndex(m => m.Role == "system");
            if (sys >= 0)
            {
                var system = list[sys];
                list.RemoveAt(sys);
                if (sys < list.Count) list[sys] = list[sys] with { Content = system.Content + "\n" + list[sys].Content };
            }
        }

        var array = new JsonArray();
        foreach (var m in list)
        {
            string content = _trimContents ? m.Content.Trim() : m.Content;
            var msg = new JsonObject { ["role"] = m.Role };
            msg["content"] = caps.RequiresTypedContent
                ? new JsonArray(new JsonObject { ["type"] = "text", ["text"] = content })
                : content;
            if (!string.IsNullOrEmpty(m.Thinking)) msg["reasoning_content"] = m.Thinking;
            if (!string.IsNullOrEmpty(m.ToolName)) msg["name"] = m.ToolName;
            if (!string.IsNullOrEmpty(m.ToolCallId)) msg["tool_call_id"] = m.ToolCallId;
            if (m.ToolCalls is { Count: > 0 } calls)
            {
                var jsonCalls = new JsonArray();
                foreach (var call in calls)
                {
                    var arguments = call.Arguments?.DeepClone() ?? new JsonObject();
                    var tc = new JsonObject
                    {
                        ["type"] = "function",
                        ["function"] = new JsonObject
                        {
                            ["name"] = call.Name,
                            ["arguments"] = caps.RequiresObjectArguments ? arguments : arguments.ToJsonString(CompactJson),
                        },
                    };
                    if (!string.IsNullOrEmpty(call.Id)) tc["id"] = call.Id;
                    jsonCalls.Add(tc);
                }
                msg["tool_calls"] = jsonCalls;
            }
            array.Add(msg);
        }
        return array;
    }

    private static readonly JsonSerializerOptions CompactJson = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    // ---- capability probes --------------------------------------------------------------------------------------

    private const string Needle = "\u00a7needle\u00a7";

    /// <summary>Renders small probe conversations and watches what comes out (like llama.cpp's and minja's probes).</summary>
    private JinjaChatCapabilities Probe()
    {
        var all = new JinjaChatCapabilities(true, true, true, false, false, false);
        bool Shows(JsonArray messages, JsonArray? tools, string needle)
        {
            try
            {
                var context = new List<KeyValuePair<string, JinjaValue>>
                {
                    new("messages", JinjaValue.FromJson(messages)),
                    new("bos_token", ""),
                    new("eos_token", ""),
                    new("add_generation_prompt", true),
                };
                if (tools != null) context.Add(new("tools", JinjaValue.FromJson(tools)));
                return _template.Render(context).Contains(needle, StringComparison.Ordinal);
            }
            catch (TemplateException)
            {
                return false;
            }
        }

        JsonObject User(JsonNode content) => new() { ["role"] = "user", ["content"] = content };

        bool stringContent = Shows([User("user " + Needle)], null, Needle);
        bool typedContent = !stringContent && Shows([User(new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "user " + Needle }))], null, Needle);

        bool systemRole = Shows([new JsonObject { ["role"] = "system", ["content"] = "system " + Needle }, User("hi")], null, Needle);

        var tools = new JsonArray(new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = "tool_" + Needle,
                ["description"] = "Tool description",
                ["parameters"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject { ["arg"] = new JsonObject { ["type"] = "string" } },
                    ["required"] = new JsonArray("arg"),
                },
            },
        });
        bool toolsShown = Shows([User("hi")], tools, "tool_" + Needle);

        JsonArray CallConversation(JsonNode arguments) =>
        [
            User("hi"),
            new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = "",
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["id"] = "call00001",
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = "ipython", ["arguments"] = arguments },
                }),
            },
            User("thanks"),
        ];
        const string argumentNeedle = "argument_needle";
        bool RendersArguments(JsonNode arguments)
        {
            // Arguments count as shown only as JSON/repr keys: a double-escaped string does not count.
            foreach (var pattern in new[] { "<parameter=" + argumentNeedle + ">", "\"" + argumentNeedle + "\":", "'" + argumentNeedle + "':" })
                if (Shows(CallConversation(arguments.DeepClone()), tools, pattern)) return true;
            return false;
        }
        var argumentsObject = new JsonObject { [argumentNeedle] = "print('Hello, World!')" };
        bool stringArguments = RendersArguments(JsonValue.Create(argumentsObject.ToJsonString())!);
        bool objectArguments = RendersArguments(argumentsObject);

        bool preserveReasoning = Source.Contains("reasoning_content", StringComparison.Ordinal);

        return all with
        {
            SupportsSystemRole = systemRole,
            SupportsTools = toolsShown,
            SupportsToolCalls = stringArguments || objectArguments,
            RequiresObjectArguments = !stringArguments && objectArguments,
            RequiresTypedContent = typedContent,
            SupportsPreserveReasoning = preserveReasoning,
        };
    }
}
