using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Server.Api;
using Corral.Server.Http;

namespace Corral.Server.Anthropic;

/// <summary>
/// Anthropic Messages request → native chat request (api.md §6): system text first, content blocks split
/// into text, images, tool calls, tool results (as <c>tool</c> messages) and thinking; tools from
/// <c>input_schema</c>; <c>thinking</c> / <c>output_config.effort</c> → <c>think</c>, dropped silently when the
/// model cannot think.
/// </summary>
public static class AnthropicRequestMapping
{
    public static ChatRequest ToChatRequest(MessagesRequest req, bool modelCanThink)
    {
        if (string.IsNullOrEmpty(req.Model)) throw ApiException.BadRequest("model is required");
        if (req.MaxTokens is not > 0) throw ApiException.BadRequest("max_tokens is required and must be positive");
        if (req.Messages is not { Count: > 0 }) throw ApiException.BadRequest("messages is required");

        var messages = new List<Message>();
        if (SystemText(req.System) is { Length: > 0 } system) messages.Add(new Message { Role = "system", Content = system });
        foreach (var m in req.Messages) Convert(m, messages);

        var options = new JsonObject { ["num_predict"] = req.MaxTokens.Value };
        if (req.Temperature is { } t) options["temperature"] = t;
        if (req.TopP is { } p) options["top_p"] = p;
        if (req.TopK is { } k) options["top_k"] = k;
        if (req.StopSequences is { Count: > 0 } stops) options["stop"] = new JsonArray(stops.Select(s => (JsonNode?)s).ToArray());

        return new ChatRequest
        {
            Model = req.Model,
            Messages = messages,
            Stream = req.Stream == true,
            Options = JsonSerializer.SerializeToElement(options),
            Tools = Tools(req.Tools),
            Think = modelCanThink ? Think(req) : null,
        };
    }

    /// <summary><c>thinking.type</c> enabled/disabled decides; otherwise <c>output_config.effort</c> (xhigh → high).</summary>
    private static JsonElement? Think(MessagesRequest req)
    {
        switch (req.Thinking?.Type)
        {
            case "enabled": return JsonSerializer.SerializeToElement(true);
            case "disabled": return JsonSerializer.SerializeToElement(false);
        }
        return req.OutputConfig?.Effort switch
        {
            "low" or "medium" or "high" or "max" => JsonSerializer.SerializeToElement(req.OutputConfig.Effort),
            "xhigh" => JsonSerializer.SerializeToElement("high"),
            _ => null,
        };
    }

    private static string SystemText(JsonElement? system)
    {
        switch (system)
        {
            case { ValueKind: JsonValueKind.String } s:
                return s.GetString()!;
            case { ValueKind: JsonValueKind.Array } blocks:
                var sb = new StringBuilder();
                foreach (var b in blocks.EnumerateArray())
                    if (Str(b, "type") == "text") sb.Append(Str(b, "text"));
                return sb.ToString();
            default:
                return "";
        }
    }

    private static JsonElement? Tools(List<JsonElement>? tools)
    {
        if (tools is not { Count: > 0 }) return null;
        var list = new JsonArray();
        foreach (var t in tools)
        {
            if (Str(t, "type") is { } type && type.StartsWith("web_search", StringComparison.Ordinal)) continue; // cloud search: not served locally
            string name = Str(t, "name") ?? "";
            var function = new JsonObject { ["name"] = name };
            if (Str(t, "description") is { } d) function["description"] = d;
            if (t.TryGetProperty("input_schema", out var schema) && schema.ValueKind != JsonValueKind.Null)
            {
                if (schema.ValueKind != JsonValueKind.Object)
                    throw ApiException.BadRequest($"invalid input_schema for tool \"{name}\": the schema must be a JSON object");
                function["parameters"] = JsonNode.Parse(schema.GetRawText());
            }
            list.Add(new JsonObject { ["type"] = "function", ["function"] = function });
        }
        return list.Count > 0 ? JsonSerializer.SerializeToElement(list) : null;
    }

    private static void Convert(AnthropicMessage m, List<Message> output)
    {
        string role = m.Role.ToLowerInvariant();
        if (m.Content is { ValueKind: JsonValueKind.String } s)
        {
            output.Add(new Message { Role = role, Content = s.GetString()! });
            return;
        }
        var text = new StringBuilder();
        var images = new List<string>();
        var calls = new List<ToolCall>();
        var results = new List<Message>();
        string thinking = "";
        if (m.Content is { ValueKind: JsonValueKind.Array } blocks)
        {
            foreach (var b in blocks.EnumerateArray())
            {
                switch (Str(b, "type"))
                {
                    case "text":
                        text.Append(Str(b, "text"));
                        break;
                    case "image":
                        images.Add(ImageData(b));
                        break;
                    case "tool_use":
                    {
                        string id = Str(b, "id") is { Length: > 0 } i ? i : throw ApiException.BadRequest("tool_use block missing required 'id' field");
                        string name = Str(b, "name") is { Length: > 0 } n ? n : throw ApiException.BadRequest("tool_use block missing required 'name' field");
                        var args = b.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object ? input.Clone() : JsonSerializer.SerializeToElement(new JsonObject());
                        calls.Add(new ToolCall { Id = id, Function = new ToolCallFunction { Index = calls.Count, Name = name, Arguments = args } });
                        break;
                    }
                    case "tool_result":
                        results.Add(ToolResult(b));
                        break;
                    case "thinking":
                        thinking += Str(b, "thinking");
                        break;
                }
            }
        }
        Message? own = text.Length > 0 || images.Count > 0 || calls.Count > 0 || thinking.Length > 0
            ? new Message
            {
                Role = role,
                Content = text.ToString(),
                Images = images.Count > 0 ? images : null,
                ToolCalls = calls.Count > 0 ? calls : null,
                Thinking = thinking.Length > 0 ? thinking : null,
            }
            : null;
        // A user turn answers tool calls first, then says its own text.
        if (role == "user")
        {
            output.AddRange(results);
            if (own != null) output.Add(own);
        }
        else
        {
            if (own != null) output.Add(own);
            output.AddRange(results);
        }
    }

    private static Message ToolResult(JsonElement b)
    {
        string content = "";
        var images = new List<string>();
        if (b.TryGetProperty("content", out var c))
        {
            if (c.ValueKind == JsonValueKind.String) content = c.GetString()!;
            else if (c.ValueKind == JsonValueKind.Array)
            {
                var sb = new StringBuilder();
                foreach (var part in c.EnumerateArray())
                {
                    if (Str(part, "type") == "text") sb.Append(Str(part, "text"));
                    else if (Str(part, "type") == "image") images.Add(ImageData(part));
                }
                content = sb.ToString();
            }
        }
        return new Message
        {
            Role = "tool",
            Content = content,
            ToolCallId = Str(b, "tool_use_id"),
            Images = images.Count > 0 ? images : null,
        };
    }

    private static string ImageData(JsonElement block)
    {
        if (!block.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.Object)
            throw ApiException.BadRequest("invalid image source type: . Only base64 images are supported.");
        string type = Str(source, "type") ?? "";
        if (type != "base64") throw ApiException.BadRequest($"invalid image source type: {type}. Only base64 images are supported.");
        string data = Str(source, "data") ?? "";
        var buffer = new byte[data.Length];
        if (!System.Convert.TryFromBase64String(data, buffer, out _)) throw ApiException.BadRequest("invalid base64 image data");
        return data;
    }

    private static string? Str(JsonElement e, string key) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>upstream's estimate of input tokens before the prompt is counted: characters / 4.</summary>
    public static int EstimateInputTokens(MessagesRequest req)
    {
        long chars = SystemText(req.System).Length;
        foreach (var m in req.Messages ?? [])
            chars += m.Content is { } c ? (c.ValueKind == JsonValueKind.String ? c.GetString()!.Length : c.GetRawText().Length) : 0;
        return (int)(chars / 4);
    }
}
