using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Server.Api;
using Corral.Server.Http;

namespace Corral.Server.OpenAI;

/// <summary>What a <c>/v1/responses</c> request asks for, kept for the echo fields of the response object.</summary>
public sealed record ResponsesRequest
{
    public required string Model { get; init; }
    public bool Stream { get; init; }
    public string? Instructions { get; init; }
    public int? MaxOutputTokens { get; init; }
    public double Temperature { get; init; } = 1.0;
    public double TopP { get; init; } = 1.0;
    public string Truncation { get; init; } = "disabled";
    public bool Background { get; init; }
    /// <summary>The reasoning echo (null when neither effort nor summary was given).</summary>
    public JsonObject? Reasoning { get; init; }
    /// <summary>Function tools as the response echoes them: <c>{type, name, description, strict, parameters}</c>.</summary>
    public JsonArray Tools { get; init; } = [];
    /// <summary>The echoed <c>text.format</c>.</summary>
    public JsonObject TextFormat { get; init; } = new() { ["type"] = "text" };
    public required ChatRequest Native { get; init; }
}

/// <summary>
/// <c>/v1/responses</c> request → native chat request (api.md §5.6): input items (messages, function calls and
/// their outputs, reasoning) become native messages; namespace tools are flattened to <c>ns.member</c>.
/// </summary>
public static class ResponsesMapping
{
    public static ResponsesRequest Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw ApiException.BadRequest("json: cannot unmarshal into the request object");
        string model = Str(body, "model") ?? "";
        string? instructions = Str(body, "instructions");
        var messages = new List<Message>();
        if (!string.IsNullOrEmpty(instructions)) messages.Add(new Message { Role = "system", Content = instructions });
        if (body.TryGetProperty("input", out var input))
        {
            if (input.ValueKind == JsonValueKind.String) messages.Add(new Message { Role = "user", Content = input.GetString()! });
            else if (input.ValueKind == JsonValueKind.Array) ParseItems(input, messages);
        }

        var options = new JsonObject();
        int? maxOutput = Int(body, "max_output_tokens");
        if (maxOutput is { } max) options["num_predict"] = max;
        double temperature = Num(body, "temperature") ?? 1.0;
        options["temperature"] = temperature;
        double? topP = Num(body, "top_p");
        if (topP is { } p) options["top_p"] = p;

        JsonObject? reasoningEcho = null;
        JsonElement? think = null;
        if (body.TryGetProperty("reasoning", out var reasoning) && reasoning.ValueKind == JsonValueKind.Object)
        {
            string? effort = Str(reasoning, "effort");
            string? summary = Str(reasoning, "summary") ?? Str(reasoning, "generate_summary");
            think = OpenAIRequestMapping.Think(effort);
            if (effort != null || summary != null)
            {
                reasoningEcho = new JsonObject();
                if (effort != null) reasoningEcho["effort"] = effort;
                if (summary != null) reasoningEcho["summary"] = summary;
            }
        }

        JsonElement? format = null;
        var textFormat = new JsonObject { ["type"] = "text" };
        if (body.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.Object && text.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.Object)
        {
            textFormat = (JsonObject)JsonNode.Parse(f.GetRawText())!;
            switch (Str(f, "type"))
            {
                case "json_schema" when f.TryGetProperty("schema", out var schema) && schema.ValueKind == JsonValueKind.Object:
                    format = schema.Clone();
                    break;
                case "json_object":
                    format = JsonSerializer.SerializeToElement("json");
                    break;
            }
        }

        var (nativeTools, echoTools) = Tools(body);
        return new ResponsesRequest
        {
            Model = model,
            Stream = body.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True,
            Instructions = instructions,
            MaxOutputTokens = maxOutput,
            Temperature = temperature,
            TopP = topP ?? 1.0,
            Truncation = Str(body, "truncation") ?? "disabled",
            Background = body.TryGetProperty("background", out var bg) && bg.ValueKind == JsonValueKind.True,
            Reasoning = reasoningEcho,
            Tools = echoTools,
            TextFormat = textFormat,
            Native = new ChatRequest
            {
                Model = model,
                Messages = messages,
                Stream = true, // the sink aggregates itself
                Options = JsonSerializer.SerializeToElement(options),
                Format = format,
                Tools = nativeTools,
                Think = think,
            },
        };
    }

    private static (JsonElement? Native, JsonArray Echo) Tools(JsonElement body)
    {
        var native = new JsonArray();
        var echo = new JsonArray();
        if (!body.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array) return (null, echo);
        void AddFunction(JsonElement t, string name)
        {
            var fn = new JsonObject { ["name"] = name };
            if (Str(t, "description") is { } d) fn["description"] = d;
            if (t.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object) fn["parameters"] = JsonNode.Parse(p.GetRawText());
            native.Add(new JsonObject { ["type"] = "function", ["function"] = fn });
            echo.Add(new JsonObject
            {
                ["type"] = "function",
                ["name"] = name,
                ["description"] = Str(t, "description"),
                ["strict"] = t.TryGetProperty("strict", out var st) && st.ValueKind is JsonValueKind.True or JsonValueKind.False ? st.GetBoolean() : null,
                ["parameters"] = t.TryGetProperty("parameters", out var pp) && pp.ValueKind == JsonValueKind.Object ? JsonNode.Parse(pp.GetRawText()) : null,
            });
        }
        foreach (var t in tools.EnumerateArray())
        {
            switch (Str(t, "type"))
            {
                case "function":
                    AddFunction(t, Str(t, "name") ?? "");
                    break;
                case "namespace" when t.TryGetProperty("tools", out var members) && members.ValueKind == JsonValueKind.Array:
                    foreach (var m in members.EnumerateArray()) AddFunction(m, $"{Str(t, "name")}.{Str(m, "name")}");
                    break;
                // web_search and other built-ins run in the cloud upstream; not served locally.
            }
        }
        return (native.Count > 0 ? JsonSerializer.SerializeToElement(native) : null, echo);
    }

    private static void ParseItems(JsonElement items, List<Message> messages)
    {
        int i = 0;
        string? pendingThinking = null;
        foreach (var item in items.EnumerateArray())
        {
            string? type = Str(item, "type");
            if (type == null && item.ValueKind == JsonValueKind.Object && item.TryGetProperty("role", out _)) type = "message";
            switch (type)
            {
                case null:
                    throw ApiException.BadRequest($"input[{i}]: input item missing required 'type' field");
                case "message":
                {
                    var (content, images) = Content(item, i);
                    string role = Str(item, "role") ?? "user";
                    var m = new Message { Role = role, Content = content, Images = images.Count > 0 ? images : null };
                    if (role == "assistant" && pendingThinking != null) { m.Thinking = pendingThinking; pendingThinking = null; }
                    messages.Add(m);
                    break;
                }
                case "function_call":
                {
                    JsonElement args;
                    try
                    {
                        using var doc = JsonDocument.Parse(Str(item, "arguments") is { Length: > 0 } a ? a : "{}");
                        args = doc.RootElement.Clone();
                    }
                    catch (JsonException)
                    {
                        throw ApiException.BadRequest($"input[{i}]: invalid function call arguments");
                    }
                    var call = new ToolCall { Id = Str(item, "call_id"), Function = new ToolCallFunction { Name = Str(item, "name") ?? "", Arguments = args } };
                    // Consecutive calls join the assistant message before them.
                    if (messages.Count > 0 && messages[^1].Role == "assistant")
                    {
                        var last = messages[^1];
                        call.Function.Index = last.ToolCalls?.Count ?? 0;
                        (last.ToolCalls ??= []).Add(call);
                    }
                    else
                    {
                        messages.Add(new Message { Role = "assistant", Content = "", ToolCalls = [call], Thinking = pendingThinking });
                        pendingThinking = null;
                    }
                    break;
                }
                case "function_call_output":
                {
                    string output = "";
                    if (item.TryGetProperty("output", out var o))
                    {
                        if (o.ValueKind == JsonValueKind.String) output = o.GetString()!;
                        else if (o.ValueKind == JsonValueKind.Array) output = Content(item, i, "output").Text;
                    }
                    messages.Add(new Message { Role = "tool", Content = output, ToolCallId = Str(item, "call_id") });
                    break;
                }
                case "reasoning":
                    pendingThinking = Str(item, "encrypted_content") ?? pendingThinking;
                    break;
                case "web_search_call":
                    break;
                default:
                    throw ApiException.BadRequest($"input[{i}]: unknown input item type: \"{type}\"");
            }
            i++;
        }
        if (pendingThinking != null) messages.Add(new Message { Role = "assistant", Content = "", Thinking = pendingThinking });
    }

    /// <summary>A message's content: a string, or parts whose texts are concatenated and whose images are collected.</summary>
    private static (string Text, List<string> Images) Content(JsonElement item, int index, string key = "content")
    {
        var images = new List<string>();
        if (!item.TryGetProperty(key, out var content)) return ("", images);
        if (content.ValueKind == JsonValueKind.String) return (content.GetString()!, images);
        var sb = new StringBuilder();
        if (content.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in content.EnumerateArray())
            {
                string? type = Str(part, "type");
                switch (type)
                {
                    case "input_text" or "output_text" or "text":
                        sb.Append(Str(part, "text"));
                        break;
                    case "input_image":
                        images.Add(OpenAIRequestMapping.ImageData(Str(part, "image_url") ?? ""));
                        break;
                    case "input_file":
                        throw ApiException.BadRequest("file inputs are not currently supported");
                    default:
                        throw ApiException.BadRequest($"input[{index}]: unknown content type: {type}");
                }
            }
        }
        return (sb.ToString(), images);
    }

    private static string? Str(JsonElement e, string key) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Num(JsonElement e, string key) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static int? Int(JsonElement e, string key)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int n)) throw ApiException.BadRequest($"invalid value for '{key}'");
        return n;
    }
}
