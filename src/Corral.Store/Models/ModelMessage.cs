using System.Text.Json;

namespace Corral.Store;

/// <summary>A stored conversation message (<c>MESSAGE</c> lines; the messages layer). Roles are lower-cased on read.</summary>
public sealed record ModelMessage(string Role, string Content)
{
    public string Thinking { get; init; } = "";
    /// <summary>Base64-encoded images, as they appear in JSON.</summary>
    public IReadOnlyList<string>? Images { get; init; }
    /// <summary>Tool calls kept as raw JSON (the server owns their shape).</summary>
    public JsonElement? ToolCalls { get; init; }
    public string ToolName { get; init; } = "";
    public string ToolCallId { get; init; } = "";

    internal void WriteTo(GoJsonWriter w)
    {
        w.BeginObject().Name("role").String(Role).Name("content").String(Content);
        if (Thinking.Length > 0) w.Name("thinking").String(Thinking);
        if (Images is { Count: > 0 }) w.Name("images").StringArray(Images);
        if (ToolCalls is { ValueKind: JsonValueKind.Array } calls && calls.GetArrayLength() > 0) w.Name("tool_calls").OrderedValue(calls);
        if (ToolName.Length > 0) w.Name("tool_name").String(ToolName);
        if (ToolCallId.Length > 0) w.Name("tool_call_id").String(ToolCallId);
        w.EndObject();
    }

    /// <summary>The messages layer blob: a JSON array, Go-encoded, with a trailing newline.</summary>
    public static byte[] ToLayerJson(IEnumerable<ModelMessage> messages)
    {
        var w = new GoJsonWriter().BeginArray();
        foreach (var m in messages) m.WriteTo(w);
        return w.EndArray().ToUtf8WithNewline();
    }

    /// <summary>Decodes a messages array (Go semantics: case-insensitive keys, role lower-cased, null = no messages).</summary>
    public static IReadOnlyList<ModelMessage> ParseArray(JsonElement array, string where)
    {
        if (array.ValueKind == JsonValueKind.Null) return [];
        if (array.ValueKind != JsonValueKind.Array) throw new JsonException($"{where}: expected an array of messages");
        var list = new List<ModelMessage>();
        foreach (var item in array.EnumerateArray()) list.Add(Parse(item, where));
        return list;
    }

    /// <summary>Decodes one message object.</summary>
    public static ModelMessage Parse(JsonElement e, string where)
    {
        if (e.ValueKind == JsonValueKind.Null) return new ModelMessage("", "");
        if (e.ValueKind != JsonValueKind.Object) throw new JsonException($"{where}: expected a message object");
        string role = "", content = "", thinking = "", toolName = "", toolCallId = "";
        List<string>? images = null;
        JsonElement? toolCalls = null;
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name.ToLowerInvariant())
            {
                case "role": role = GoJsonRead.String(p.Value, "role") ?? role; break;
                case "content": content = GoJsonRead.String(p.Value, "content") ?? content; break;
                case "thinking": thinking = GoJsonRead.String(p.Value, "thinking") ?? thinking; break;
                case "images": images = GoJsonRead.StringList(p.Value, "images"); break;
                case "tool_calls": toolCalls = p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.Clone(); break;
                case "tool_name": toolName = GoJsonRead.String(p.Value, "tool_name") ?? toolName; break;
                case "tool_call_id": toolCallId = GoJsonRead.String(p.Value, "tool_call_id") ?? toolCallId; break;
            }
        }
        return new ModelMessage(role.ToLowerInvariant(), content)
        {
            Thinking = thinking,
            Images = images,
            ToolCalls = toolCalls,
            ToolName = toolName,
            ToolCallId = toolCallId,
        };
    }
}
