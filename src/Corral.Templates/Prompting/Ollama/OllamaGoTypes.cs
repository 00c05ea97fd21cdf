using System.Text.Json.Nodes;
using Corral.Templates.GoTemplates;

namespace Corral.Templates.Prompting.Ollama;

/// <summary>
/// The Go types Ollama hands to <c>TEMPLATE</c> layers (its <c>template.templateMessage</c>, <c>templateTool</c>,
/// <c>api.ToolProperty</c>, ...), with their field order, JSON tags and <c>String()</c>/<c>MarshalJSON</c> methods, so that
/// printing, <c>json</c>, field access and error messages come out as Ollama's do.
/// </summary>
internal static class OllamaGoTypes
{
    public static readonly GoType PropertyType = GoType.Named("api.PropertyType", GoType.StringSlice,
        stringer: v => v.AsSlice.Count switch
        {
            0 => "",
            1 => v.AsSlice[0].AsString,
            _ => "[" + string.Join(" ", v.AsSlice.Select(s => s.AsString)) + "]",
        },
        marshalJson: v => v.AsSlice.Count == 1
            ? GoJson.Marshal(v.AsSlice[0])!
            : GoJson.Marshal(GoValue.Slice(GoType.StringSlice, v.IsNil ? null : v.AsSlice))!);

    public static readonly GoType ToolProperty = GoType.DeclareStruct("api.ToolProperty");

    /// <summary><c>api.ToolPropertiesMap</c>: an insertion-ordered map behind an unexported field; JSON keeps the order.</summary>
    public static readonly GoType ToolPropertiesMap = GoType.DeclareStruct("api.ToolPropertiesMap",
        marshalJson: v => GoJson.MarshalOrdered(v.StructFields[0].MapEntries) ?? "null");

    public static readonly GoType ToolPropertiesMapPointer = GoType.PointerTo(ToolPropertiesMap);

    public static readonly GoType TemplateProperties = GoType.Named("template.templateProperties", GoType.MapOf(GoType.String, ToolProperty),
        stringer: v => v.IsNil ? "{}" : GoJson.Marshal(v) ?? "");

    public static readonly GoType TemplateArgs = GoType.Named("template.templateArgs", GoType.AnyMap,
        stringer: v => v.IsNil ? "{}" : GoJson.Marshal(v) ?? "");

    public static readonly GoType ToolCallFunction = GoType.Struct("template.templateToolCallFunction",
        new GoField("Index", GoType.Int), new GoField("Name", GoType.String), new GoField("Arguments", TemplateArgs));

    public static readonly GoType ToolCall = GoType.Struct("template.templateToolCall",
        new GoField("ID", GoType.String), new GoField("Function", ToolCallFunction));

    public static readonly GoType ToolCalls = GoType.SliceOf(ToolCall);

    public static readonly GoType ImageData = GoType.Named("api.ImageData", GoType.SliceOf(GoType.Uint8));

    public static readonly GoType Message = GoType.Struct("template.templateMessage",
        new GoField("Role", GoType.String), new GoField("Content", GoType.String), new GoField("Thinking", GoType.String),
        new GoField("Images", GoType.SliceOf(ImageData)), new GoField("ToolCalls", ToolCalls),
        new GoField("ToolName", GoType.String), new GoField("ToolCallID", GoType.String));

    public static readonly GoType MessagePointer = GoType.PointerTo(Message);

    public static readonly GoType Messages = GoType.SliceOf(MessagePointer);

    public static readonly GoType ToolFunctionParameters = GoType.Struct("template.templateToolFunctionParameters",
        new GoField("Type", GoType.String, "type"), new GoField("Defs", GoType.Any, "$defs", OmitEmpty: true),
        new GoField("Items", GoType.Any, "items", OmitEmpty: true), new GoField("Required", GoType.StringSlice, "required", OmitEmpty: true),
        new GoField("Properties", TemplateProperties, "properties"));

    public static readonly GoType ToolFunction = GoType.Struct("template.templateToolFunction",
        new GoField("Name", GoType.String, "name"), new GoField("Description", GoType.String, "description"),
        new GoField("Parameters", ToolFunctionParameters, "parameters"));

    public static readonly GoType Tool = GoType.DeclareStruct("template.templateTool", stringer: v => GoJson.Marshal(v) ?? "");

    public static readonly GoType Tools = GoType.Named("template.templateTools", GoType.SliceOf(Tool), stringer: v => GoJson.Marshal(v) ?? "");

    static OllamaGoTypes()
    {
        ToolProperty.DefineFields(
            new GoField("AnyOf", GoType.SliceOf(ToolProperty), "anyOf", OmitEmpty: true),
            new GoField("Type", PropertyType, "type", OmitEmpty: true),
            new GoField("Items", GoType.Any, "items", OmitEmpty: true),
            new GoField("Description", GoType.String, "description", OmitEmpty: true),
            new GoField("Enum", GoType.AnySlice, "enum", OmitEmpty: true),
            new GoField("Properties", ToolPropertiesMapPointer, "properties", OmitEmpty: true),
            new GoField("Required", GoType.StringSlice, "required", OmitEmpty: true));
        ToolPropertiesMap.DefineFields(new GoField("om", GoType.MapOf(GoType.String, ToolProperty)));
        Tool.DefineFields(
            new GoField("Type", GoType.String, "type"),
            new GoField("Items", GoType.Any, "items", OmitEmpty: true),
            new GoField("Function", ToolFunction, "function"));
    }

    // ---- conversions from the request ---------------------------------------------------------------------------

    public static GoValue ConvertMessages(IReadOnlyList<ChatMessage> messages) =>
        GoValue.Slice(Messages, messages.Select(m => GoValue.PointerOf(MessagePointer, GoValue.Struct(Message,
            GoValue.String(m.Role),
            GoValue.String(m.Content),
            GoValue.String(m.Thinking ?? ""),
            GoValue.Slice(GoType.SliceOf(ImageData), m.Images?.Select(ImageBytes)),
            m.ToolCalls is { Count: > 0 } calls ? GoValue.Slice(ToolCalls, calls.Select(ConvertToolCall)) : GoValue.Zero(ToolCalls),
            GoValue.String(m.ToolName ?? ""),
            GoValue.String(m.ToolCallId ?? "")))));

    private static GoValue ImageBytes(byte[] bytes) =>
        GoValue.Slice(ImageData, bytes.Select(b => GoValue.OfBasic(GoType.Uint8, b)));

    private static GoValue ConvertToolCall(ChatToolCall call) => GoValue.Struct(ToolCall,
        GoValue.String(call.Id ?? ""),
        GoValue.Struct(ToolCallFunction,
            GoValue.Int(call.Index),
            GoValue.String(call.Name),
            GoValue.Map(TemplateArgs, call.Arguments?.Select(p => new KeyValuePair<string, GoValue>(p.Key, GoValueConverter.FromJson(p.Value))))));

    /// <summary>Tool definitions (OpenAI shape) as Ollama decodes them: only the fields its structs declare survive.</summary>
    public static GoValue ConvertTools(JsonArray? tools)
    {
        if (tools == null) return GoValue.Zero(Tools);
        return GoValue.Slice(Tools, tools.Select(t => ConvertTool(t as JsonObject ?? new JsonObject())));
    }

    private static GoValue ConvertTool(JsonObject tool)
    {
        var function = tool["function"] as JsonObject ?? new JsonObject();
        var parameters = function["parameters"] as JsonObject ?? new JsonObject();
        var properties = parameters["properties"] as JsonObject;
        return GoValue.Struct(Tool,
            GoValue.String(StringOf(tool["type"])),
            AnyOf(tool, "items"),
            GoValue.Struct(ToolFunction,
                GoValue.String(StringOf(function["name"])),
                GoValue.String(StringOf(function["description"])),
                GoValue.Struct(ToolFunctionParameters,
                    GoValue.String(StringOf(parameters["type"])),
                    AnyOf(parameters, "$defs"),
                    AnyOf(parameters, "items"),
                    Strings(parameters["required"]),
                    GoValue.Map(TemplateProperties, properties?.Select(p => new KeyValuePair<string, GoValue>(p.Key, ConvertProperty(p.Value as JsonObject)))))));
    }

    public static GoValue ConvertProperty(JsonObject? property)
    {
        property ??= new JsonObject();
        var type = property["type"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => GoValue.Slice(PropertyType, [GoValue.String(s)]),
            JsonArray a => GoValue.Slice(PropertyType, a.Select(x => GoValue.String(StringOf(x)))),
            _ => GoValue.Zero(PropertyType),
        };
        var nested = property["properties"] as JsonObject;
        return GoValue.Struct(ToolProperty,
            property["anyOf"] is JsonArray anyOf ? GoValue.Slice(GoType.SliceOf(ToolProperty), anyOf.Select(x => ConvertProperty(x as JsonObject))) : GoValue.Zero(GoType.SliceOf(ToolProperty)),
            type,
            AnyOf(property, "items"),
            GoValue.String(StringOf(property["description"])),
            property["enum"] is JsonArray e ? GoValue.Slice(GoType.AnySlice, e.Select(GoValueConverter.FromJson)) : GoValue.Zero(GoType.AnySlice),
            nested == null
                ? GoValue.PointerOf(ToolPropertiesMapPointer, null)
                : GoValue.PointerOf(ToolPropertiesMapPointer, GoValue.Struct(ToolPropertiesMap,
                    GoValue.Map(GoType.MapOf(GoType.String, ToolProperty), nested.Select(p => new KeyValuePair<string, GoValue>(p.Key, ConvertProperty(p.Value as JsonObject)))))),
            Strings(property["required"]));
    }

    private static GoValue AnyOf(JsonObject obj, string key) =>
        obj.TryGetPropertyValue(key, out var node) ? GoValueConverter.FromJson(node) : GoValueConverter.NilInterface;

    private static GoValue Strings(JsonNode? node) =>
        node is JsonArray a ? GoValue.Slice(GoType.StringSlice, a.Select(x => GoValue.String(StringOf(x)))) : GoValue.Zero(GoType.StringSlice);

    private static string StringOf(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    /// <summary>Ollama's <c>ToolProperty.ToTypeScriptType</c>.</summary>
    public static string ToTypeScriptType(GoValue property)
    {
        if (property.TryGetField("AnyOf", out var anyOf) && anyOf.AsSlice.Count > 0)
            return string.Join(" | ", anyOf.AsSlice.Select(ToTypeScriptType));
        property.TryGetField("Type", out var type);
        var types = type.AsSlice;
        if (types.Count == 0) return "any";
        return string.Join(" | ", types.Select(t => t.AsString switch
        {
            "string" => "string",
            "number" or "integer" => "number",
            "boolean" => "boolean",
            "array" => "any[]",
            "object" => "Record<string, any>",
            "null" => "null",
            _ => "any",
        }));
    }
}
