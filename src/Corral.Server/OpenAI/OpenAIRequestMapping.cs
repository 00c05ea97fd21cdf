using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Server.Api;
using Corral.Server.Http;

namespace Corral.Server.OpenAI;

/// <summary>
/// OpenAI requests → native requests (api.md §5.1–5.2): messages split per content part, data-URI images,
/// tool-call arguments parsed back into objects, upstream's option defaults (temperature and top_p 1.0),
/// <c>response_format</c> → <c>format</c>, reasoning effort → <c>think</c>.
/// </summary>
public static class OpenAIRequestMapping
{
    public static ChatRequest ToChatRequest(ChatCompletionRequest req)
    {
        if (req.Messages is not { Count: > 0 }) throw ApiException.BadRequest("[] is too short - 'messages'");
        var options = new JsonObject();
        if ((req.MaxTokens ?? req.MaxCompletionTokens) is { } max) options["num_predict"] = max;
        options["temperature"] = req.Temperature ?? 1.0;
        options["top_p"] = req.TopP ?? 1.0;
        if (req.Seed is { } seed) options["seed"] = seed;
        if (req.FrequencyPenalty is { } fp) options["frequency_penalty"] = fp;
        if (req.PresencePenalty is { } pp) options["presence_penalty"] = pp;
        if (ChatStop(req.Stop) is { } stop) options["stop"] = stop;
        if (req.Grammar is { Length: > 0 } grammar) options["grammar"] = grammar;

        return new ChatRequest
        {
            Model = req.Model,
            Messages = ToNativeMessages(req.Messages),
            Stream = req.Stream == true,
            Options = ToElement(options),
            Format = Format(req.ResponseFormat),
            Tools = req.Tools is { ValueKind: not JsonValueKind.Null } t ? t : null,
            Think = Think(req.Reasoning?.Effort ?? req.ReasoningEffort),
            Logprobs = req.Logprobs,
            TopLogprobs = req.TopLogprobs,
            DebugRenderOnly = req.DebugRenderOnly,
        };
    }

    public static GenerateRequest ToGenerateRequest(CompletionRequest req)
    {
        var options = new JsonObject();
        if (req.MaxTokens is { } max) options["num_predict"] = max;
        options["temperature"] = req.Temperature ?? 1.0;
        options["top_p"] = req.TopP is null or 0 ? 1.0 : req.TopP.Value;
        options["frequency_penalty"] = req.FrequencyPenalty ?? 0.0;
        options["presence_penalty"] = req.PresencePenalty ?? 0.0;
        if (req.Seed is { } seed) options["seed"] = seed;
        if (CompletionStop(req.Stop) is { } stop) options["stop"] = stop;
        return new GenerateRequest
        {
            Model = req.Model,
            Prompt = req.Prompt ?? "",
            Suffix = req.Suffix,
            Stream = req.Stream == true,
            Options = ToElement(options),
            Logprobs = req.Logprobs is > 0 ? true : null,
            TopLogprobs = req.Logprobs is > 0 and var n ? n : null,
            DebugRenderOnly = req.DebugRenderOnly,
        };
    }

    /// <summary>Chat <c>stop</c>: a string becomes one entry; from an array only the strings are kept.</summary>
    private static JsonArray? ChatStop(JsonElement? stop) => stop switch
    {
        { ValueKind: JsonValueKind.String } s => [s.GetString()],
        { ValueKind: JsonValueKind.Array } a => new JsonArray(a.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => (JsonNode?)e.GetString()).ToArray()),
        _ => null,
    };

    /// <summary>Completions <c>stop</c>: string or array of strings; anything else in the array is an error.</summary>
    private static JsonArray? CompletionStop(JsonElement? stop)
    {
        switch (stop)
        {
            case { ValueKind: JsonValueKind.String } s:
                return [s.GetString()];
            case { ValueKind: JsonValueKind.Array } a:
                var list = new JsonArray();
                foreach (var e in a.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.String) throw ApiException.BadRequest($"invalid type for 'stop' field: {GoType(e)}");
                    list.Add(e.GetString());
                }
                return list;
            case null or { ValueKind: JsonValueKind.Null }:
                return null;
            default:
                throw ApiException.BadRequest($"invalid type for 'stop' field: {GoType(stop.Value)}");
        }
    }

    private static string GoType(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => "float64",
        JsonValueKind.True or JsonValueKind.False => "bool",
        JsonValueKind.Object => "map[string]interface {}",
        JsonValueKind.Array => "[]interface {}",
        _ => "<nil>",
    };

    /// <summary><c>json_object</c> → <c>"json"</c>; <c>json_schema</c> → its schema; <c>text</c> or other → unconstrained.</summary>
    private static JsonElement? Format(ResponseFormat? format)
    {
        switch (format?.Type?.Trim().ToLowerInvariant())
        {
            case "json_object":
                return JsonSerializer.SerializeToElement("json");
            case "json_schema" when format.JsonSchema?.Schema is { ValueKind: JsonValueKind.Object } schema:
                return schema;
            default:
                return null;
        }
    }

    /// <summary>Reasoning effort → think (api.md §5.1).</summary>
    public static JsonElement? Think(string? effort) => effort switch
    {
        null or "" => null,
        "none" => JsonSerializer.SerializeToElement(false),
        "minimal" => JsonSerializer.SerializeToElement("low"),
        "low" or "medium" or "high" or "max" => JsonSerializer.SerializeToElement(effort),
        "xhigh" or "ultra" => JsonSerializer.SerializeToElement("max"),
        _ => throw ApiException.BadRequest($"invalid reasoning value: \"{effort}\" (must be \"minimal\", \"low\", \"medium\", \"high\", \"xhigh\", \"ultra\", \"max\", or \"none\")"),
    };

    public static List<Message> ToNativeMessages(IReadOnlyList<ChatMessage> messages)
    {
        var result = new List<Message>();
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in messages)
        {
            List<ToolCall>? toolCalls = null;
            if (m.ToolCalls is { Count: > 0 })
            {
                toolCalls = [];
                for (int i = 0; i < m.ToolCalls.Count; i++)
                {
                    var call = m.ToolCalls[i];
                    JsonElement args;
                    try
                    {
                        using var doc = JsonDocument.Parse(string.IsNullOrEmpty(call.Function.Arguments) ? "{}" : call.Function.Arguments);
                        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw ApiException.BadRequest("invalid tool call arguments");
                        args = doc.RootElement.Clone();
                    }
                    catch (JsonException)
                    {
                        throw ApiException.BadRequest("invalid tool call arguments");
                    }
                    if (!string.IsNullOrEmpty(call.Id)) callNames[call.Id] = call.Function.Name;
                    toolCalls.Add(new ToolCall { Id = call.Id, Function = new ToolCallFunction { Index = call.Index, Name = call.Function.Name, Arguments = args } });
                }
            }
            string? toolName = null;
            if (m.Role == "tool")
                toolName = !string.IsNullOrEmpty(m.Name) ? m.Name : m.ToolCallId != null && callNames.TryGetValue(m.ToolCallId, out var n) ? n : null;

            Message Native(string content, List<string>? images = null) => new()
            {
                Role = m.Role,
                Content = content,
                Images = images,
                ToolCalls = toolCalls,
                Thinking = string.IsNullOrEmpty(m.Reasoning) ? null : m.Reasoning,
                ToolCallId = string.IsNullOrEmpty(m.ToolCallId) ? null : m.ToolCallId,
                ToolName = toolName,
            };

            switch (m.Content)
            {
                case { ValueKind: JsonValueKind.String } s:
                    result.Add(Native(s.GetString()!));
                    break;
                case { ValueKind: JsonValueKind.Array } parts:
                    foreach (var part in parts.EnumerateArray()) result.Add(Part(part, Native));
                    break;
                case null or { ValueKind: JsonValueKind.Null } when toolCalls != null:
                    result.Add(Native(""));
                    break;
                case null or { ValueKind: JsonValueKind.Null }:
                    throw ApiException.BadRequest("invalid message content type: <nil>");
                default:
                    throw ApiException.BadRequest($"invalid message content type: {GoType(m.Content.Value)}");
            }
        }
        return result;
    }

    private static Message Part(JsonElement part, Func<string, List<string>?, Message> native)
    {
        string type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
        switch (type)
        {
            case "text":
                return native(part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString()! : "", null);
            case "image_url":
            {
                string url = "";
                if (part.TryGetProperty("image_url", out var iu))
                {
                    if (iu.ValueKind == JsonValueKind.String) url = iu.GetString()!;
                    else if (iu.ValueKind == JsonValueKind.Object && iu.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String) url = u.GetString()!;
                }
                return native("", [ImageData(url)]);
            }
            case "input_audio":
            {
                string data = part.TryGetProperty("input_audio", out var ia) && ia.ValueKind == JsonValueKind.Object && ia.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
                return native("", [CheckBase64(data)]);
            }
            default:
                throw ApiException.BadRequest("invalid message format");
        }
    }

    private static readonly string[] s_imagePrefixes =
        ["data:image/jpeg;base64,", "data:image/jpg;base64,", "data:image/png;base64,", "data:image/webp;base64,", "data:;base64,"];

    /// <summary>A data URI's base64 payload; remote URLs and anything else are refused with upstream's texts.</summary>
    public static string ImageData(string url)
    {
        if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            throw ApiException.BadRequest("image URLs are not currently supported, please use base64 encoded data instead");
        foreach (var prefix in s_imagePrefixes)
            if (url.StartsWith(prefix, StringComparison.Ordinal)) return CheckBase64(url[prefix.Length..]);
        throw ApiException.BadRequest("invalid image input");
    }

    private static string CheckBase64(string data)
    {
        var buffer = new byte[data.Length];
        if (!Convert.TryFromBase64String(data, buffer, out _)) throw ApiException.BadRequest("invalid image input");
        return data;
    }

    private static JsonElement ToElement(JsonObject o) => JsonSerializer.SerializeToElement(o);
}
