using System.Globalization;
using Corral.Templates.GoTemplates;

namespace Corral.Templates.Prompting.Ollama;

/// <summary>The functions Ollama adds to templates: <c>json</c>, <c>currentDate</c>, <c>yesterdayDate</c>, <c>toTypeScriptType</c>.</summary>
public static class OllamaFunctions
{
    public static IReadOnlyList<GoFunction> All { get; } =
    [
        // json.Marshal; an unmarshalable value (NaN, ±Inf) gives "" as Ollama ignores the error.
        new("json", [GoType.Any], (_, a) => GoValue.String(GoJson.Marshal(a[0]) ?? "")),
        // The format argument is accepted but ignored, as upstream does.
        new("currentDate", [], (c, _) => GoValue.String(c.Now().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), variadic: GoType.String),
        new("yesterdayDate", [], (c, _) => GoValue.String(c.Now().AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), variadic: GoType.String),
        new("toTypeScriptType", [GoType.Any], (_, a) =>
        {
            var v = a[0].Kind == GoKind.Pointer && !a[0].IsNil ? a[0].PointerTarget : a[0];
            return GoValue.String(v.Type == OllamaGoTypes.ToolProperty ? OllamaGoTypes.ToTypeScriptType(v) : "any");
        }),
    ];
}
