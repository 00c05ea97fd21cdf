using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Cli.Terminal;
using Corral.Store;

namespace Corral.Cli.Commands;

/// <summary><c>corral show MODEL</c>: the info tables, or one raw field with <c>--license</c>, <c>--modelfile</c>, <c>--parameters</c>, <c>--system</c>, <c>--template</c>.</summary>
public static class ShowCommand
{
    private static readonly string[] Selectors = ["license", "modelfile", "parameters", "system", "template"];

    public static async Task<int> RunAsync(CliContext context, ParsedArgs args, CancellationToken cancellation)
    {
        var selected = Selectors.Where(args.GetBool).ToList();
        if (selected.Count > 1)
            throw new CliException("only one of '--license', '--modelfile', '--parameters', '--system', or '--template' can be specified");
        bool verbose = args.GetBool("verbose");
        var body = new JsonObject { ["model"] = args.Args[0] };
        if (verbose) body["verbose"] = true;
        var resp = await context.Client.PostJsonAsync("/api/show", body, cancellation) as JsonObject ?? [];
        if (ShowInfo.Capabilities(resp).Contains("image"))
            throw new CliException("image generation models are not currently supported");
        if (selected.Count == 1)
        {
            string value = ListCommand.Str(resp, selected[0]);
            // --system and --template print the raw text; the others end with a newline.
            if (selected[0] is "system" or "template") context.Out.Write(value);
            else context.Out.WriteLine(value);
            return 0;
        }
        context.Out.Write(ShowInfo.Format(resp, verbose));
        return 0;
    }
}

/// <summary>The tables of <c>show</c> and <c>/show info</c>: Model, Capabilities, Projector, Parameters, Metadata and Tensors (verbose), System, License.</summary>
public static class ShowInfo
{
    public static string Format(JsonObject resp, bool verbose)
    {
        var sb = new StringBuilder();
        var info = resp["model_info"] as JsonObject;
        var details = resp["details"] as JsonObject;

        var model = new List<string[]>();
        if (ListCommand.Str(resp, "remote_host") is { Length: > 0 } remoteHost)
        {
            model.Add(["", "Remote model", ListCommand.Str(resp, "remote_model")]);
            model.Add(["", "Remote URL", remoteHost]);
        }
        if (info is not null)
        {
            string arch = ListCommand.Str(info, "general.architecture");
            if (arch.Length > 0) model.Add(["", "architecture", arch]);
            string parameters = ListCommand.Str(details, "parameter_size");
            if (parameters.Length == 0 && Number(info, "general.parameter_count") is { } count) parameters = HumanFormat.Number((ulong)count);
            if (parameters.Length > 0) model.Add(["", "parameters", parameters]);
            if (Number(info, arch + ".context_length") is { } ctx) model.Add(["", "context length", GoFloat(ctx)]);
            if (Number(info, arch + ".embedding_length") is { } emb) model.Add(["", "embedding length", GoFloat(emb)]);
        }
        else
        {
            model.Add(["", "architecture", ListCommand.Str(details, "family")]);
            model.Add(["", "parameters", ListCommand.Str(details, "parameter_size")]);
        }
        model.Add(["", "quantization", ListCommand.Str(details, "quantization_level")]);
        if (ListCommand.Str(resp, "requires") is { Length: > 0 } requires) model.Add(["", "requires", requires]);
        Section(sb, "Model", model);

        var capabilities = Capabilities(resp);
        if (capabilities.Count > 0) Section(sb, "Capabilities", capabilities.Select(c => new[] { "", c }));

        if (resp["projector_info"] is JsonObject projector)
        {
            var rows = new List<string[]>();
            string arch = ListCommand.Str(projector, "general.architecture");
            if (arch.Length > 0) rows.Add(["", "architecture", arch]);
            if (Number(projector, "general.parameter_count") is { } count) rows.Add(["", "parameters", HumanFormat.Number((ulong)count)]);
            double? ProjectorValue(string suffix) =>
                Number(projector, $"{arch}.vision.{suffix}") ?? Number(projector, $"{arch}.audio.{suffix}");
            if (ProjectorValue("embedding_length") is { } e) rows.Add(["", "embedding length", GoFloat(e)]);
            if (ProjectorValue("projection_dim") is { } d) rows.Add(["", "dimensions", GoFloat(d)]);
            Section(sb, "Projector", rows);
        }

        if (ListCommand.Str(resp, "parameters") is { Length: > 0 } parametersText)
        {
            var rows = parametersText.Split('\n').Where(l => l.Length > 0)
                .Select(l => new[] { "" }.Concat(l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToArray());
            Section(sb, "Parameters", rows);
        }

        if (info is not null && verbose)
        {
            var rows = info.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new[] { "", kv.Key, MetadataValue(kv.Value) });
            Section(sb, "Metadata", rows);
        }

        if (verbose && resp["tensors"] is JsonArray { Count: > 0 } tensors)
        {
            var rows = tensors.OfType<JsonObject>().Select(t => new[]
            {
                "", ListCommand.Str(t, "name"), ListCommand.Str(t, "type"),
                "[" + string.Join(" ", (t["shape"] as JsonArray ?? []).Select(s => s?.ToJsonString() ?? "")) + "]",
            });
            Section(sb, "Tensors", rows);
        }

        if (ListCommand.Str(resp, "system") is { Length: > 0 } system) Section(sb, "System", Head(system, 2), 100);
        if (ListCommand.Str(resp, "license") is { Length: > 0 } license) Section(sb, "License", Head(license, 2), 100);
        return sb.ToString();
    }

    public static List<string> Capabilities(JsonObject resp) =>
        (resp["capabilities"] as JsonArray ?? []).Select(c => c is JsonValue v && v.TryGetValue(out string? s) ? s : "").Where(s => s.Length > 0).ToList();

    private static void Section(StringBuilder sb, string header, IEnumerable<string[]> rows, int columnWidth = 30)
    {
        sb.Append("  ").Append(header).Append('\n');
        var table = new TextTable { ColumnWidthLimit = columnWidth };
        foreach (var r in rows) table.Add(r);
        sb.Append(table.ToString()).Append('\n');
    }

    /// <summary>The first <paramref name="n"/> non-blank lines, trimmed, then <c>...</c> when there are more.</summary>
    private static IEnumerable<string[]> Head(string text, int n)
    {
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        foreach (var l in lines.Take(n)) yield return ["", l];
        if (lines.Count > n) yield return ["", "..."];
    }

    private static double? Number(JsonObject? o, string key) =>
        o?[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? NumberOf(v) : null;

    /// <summary>A JSON number as a float64, whatever CLR type backs the node.</summary>
    public static double NumberOf(JsonValue v) => double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary><c>strconv.FormatFloat(f, 'f', -1, 64)</c>.</summary>
    private static string GoFloat(double v) => GoFormat.FormatShortest(v, 'f');

    /// <summary>A metadata value as Go prints the decoded JSON: bools, strings, <c>%g</c> numbers, and arrays cut to about ten columns.</summary>
    public static string MetadataValue(JsonNode? value)
    {
        switch (value)
        {
            case JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                return v.GetValue<bool>() ? "true" : "false";
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return v.GetValue<string>();
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                return GoFormat.FormatFloatV(NumberOf(v));
            case JsonArray a:
            {
                const int targetWidth = 10;
                var items = a.Select(GoValue).ToList();
                int shown = 0, total = 1;
                for (int i = 0; i < items.Count; i++)
                {
                    int w = DisplayWidth.Of(items[i]) + (i > 0 ? 2 : 0);
                    if (total + w > targetWidth && i > 0) break;
                    total += w;
                    shown++;
                }
                if (shown < items.Count) return "[" + string.Join(" ", items.Take(shown)) + $" ...+{items.Count - shown} more]";
                return "[" + string.Join(" ", items) + "]";
            }
            case null:
                return "<nil>";
            default:
                return "map[string]interface {}";
        }
    }

    /// <summary>Go's <c>%v</c> of a decoded JSON value.</summary>
    public static string GoValue(JsonNode? value) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => GoFormat.FormatFloatV(NumberOf(v)),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>() ? "true" : "false",
        JsonArray a => "[" + string.Join(" ", a.Select(GoValue)) + "]",
        JsonObject o => "map[" + string.Join(" ", o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + ":" + GoValue(kv.Value))) + "]",
        null => "<nil>",
        _ => value.ToJsonString(),
    };
}
