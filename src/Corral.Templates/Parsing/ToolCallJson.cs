using System.Text.Json;
using System.Text.Json.Nodes;

namespace Corral.Templates.Parsing;

/// <summary>Finds tool-call arguments in text: the first balanced JSON object that parses, then the arguments inside it.</summary>
internal static class ToolCallJson
{
    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };

    /// <summary>
    /// Scans <paramref name="buffer"/> from its start for balanced <c>{…}</c> objects (string- and escape-aware) and
    /// returns the arguments of the first one that parses: an object with <c>name</c> supplies <c>arguments</c> or
    /// <c>parameters</c> (an object, or a string holding one); an object keyed by the tool name supplies that value; nested
    /// objects and arrays are searched; otherwise the whole object is the arguments. Returns the index of the closing brace.
    /// </summary>
    public static (JsonObject? Arguments, int End) FindArguments(string toolName, string buffer)
    {
        int start = -1, braces = 0;
        bool inString = false, escaped = false;
        for (int i = 0; i < buffer.Length; i++)
        {
            char c = buffer[i];
            if (escaped) { escaped = false; continue; }
            if (c == '\\') { escaped = true; continue; }
            if (c == '"') { inString = !inString; continue; }
            if (inString) continue;
            if (c == '{')
            {
                if (braces == 0) start = i;
                braces++;
            }
            else if (c == '}')
            {
                braces--;
                if (braces == 0 && start != -1)
                {
                    if (ParseObject(buffer.AsSpan(start, i - start + 1)) is not { } data)
                    {
                        start = -1;
                        continue;
                    }
                    var (args, found) = FindObject(toolName, data);
                    return found ? (args, i) : (data, i);
                }
                if (braces < 0) braces = 0;
            }
        }
        return (null, 0);
    }

    private static JsonObject? ParseObject(ReadOnlySpan<char> text)
    {
        try
        {
            return JsonNode.Parse(text.ToString(), NodeOptions) as JsonObject;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <returns>(arguments, found); found with null arguments means "a call object without arguments" (no call).</returns>
    private static (JsonObject? Arguments, bool Found) FindObject(string toolName, JsonObject obj)
    {
        if (obj.ContainsKey("name"))
        {
            if (FindMap("arguments", obj) is { } args) return (args, true);
            if (FindMap("parameters", obj) is { } parameters) return (parameters, true);
            return (null, true);
        }
        if (FindMap(toolName, obj) is { } named) return (named, true);
        foreach (var (_, value) in obj)
        {
            switch (value)
            {
                case JsonObject child:
                    if (FindObject(toolName, child) is { Found: true } r1) return r1;
                    break;
                case JsonArray array:
                    foreach (var item in array)
                        if (item is JsonObject element && FindObject(toolName, element) is { Found: true } r2) return r2;
                    break;
            }
        }
        return (null, false);
    }

    private static JsonObject? FindMap(string key, JsonObject obj)
    {
        if (!obj.TryGetPropertyValue(key, out var value)) return null;
        if (value is JsonObject map) return (JsonObject)map.DeepClone();
        if (value is JsonValue v && v.TryGetValue<string>(out var text)) return ParseObject(text);
        return null;
    }
}
