using System.Globalization;
using System.Text.Json.Nodes;
using Corral.Cli.Terminal;
using Corral.Store;

namespace Corral.Cli.Commands;

/// <summary><c>corral list [PREFIX]</c>: the local models as a table (runtime.md §7.3).</summary>
public static class ListCommand
{
    public static async Task<int> RunAsync(CliContext context, ParsedArgs args, CancellationToken cancellation)
    {
        var tags = await context.Client.GetJsonAsync("/api/tags", cancellation);
        context.Out.Write(Format(tags, args.Args.Count > 0 ? args.Args[0] : null, DateTimeOffset.Now));
        return 0;
    }

    /// <summary>The table for an <c>/api/tags</c> answer: NAME, ID, SIZE, MODIFIED; optionally only names starting with <paramref name="prefix"/> (any case).</summary>
    public static string Format(JsonNode? tags, string? prefix, DateTimeOffset now)
    {
        var table = new TextTable().WithHeader("NAME", "ID", "SIZE", "MODIFIED");
        foreach (var m in Models(tags))
        {
            string name = Str(m, "name");
            if (prefix is not null && !name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
            string size = Str(m, "remote_model").Length > 0 ? "-" : HumanFormat.Bytes(Long(m, "size"));
            string digest = Str(m, "digest");
            table.Add(name, digest[..Math.Min(12, digest.Length)], size, HumanFormat.Time(Time(m, "modified_at"), "Never", now));
        }
        return table.ToString();
    }

    internal static IEnumerable<JsonObject> Models(JsonNode? response) =>
        (response?["models"] as JsonArray ?? []).OfType<JsonObject>();

    internal static string Str(JsonNode? o, string key) =>
        o?[key] is JsonValue v && v.TryGetValue(out string? s) ? s : "";

    internal static long Long(JsonNode? o, string key) =>
        o?[key] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number ? (long)ShowInfo.NumberOf(v) : 0;

    internal static DateTimeOffset Time(JsonNode? o, string key) =>
        DateTimeOffset.TryParse(Str(o, key), CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) && t.Year > 1 ? t : default;
}

/// <summary><c>corral ps [PREFIX]</c>: the loaded models as a table (runtime.md §7.3).</summary>
public static class PsCommand
{
    public static async Task<int> RunAsync(CliContext context, ParsedArgs args, CancellationToken cancellation)
    {
        var ps = await context.Client.GetJsonAsync("/api/ps", cancellation);
        context.Out.Write(Format(ps, args.Args.Count > 0 ? args.Args[0] : null, DateTimeOffset.Now));
        return 0;
    }

    /// <summary>The table for an <c>/api/ps</c> answer: NAME, ID, SIZE, PROCESSOR, CONTEXT, UNTIL; the prefix filter is case-sensitive.</summary>
    public static string Format(JsonNode? ps, string? prefix, DateTimeOffset now)
    {
        var table = new TextTable().WithHeader("NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL");
        foreach (var m in ListCommand.Models(ps))
        {
            string name = ListCommand.Str(m, "name");
            if (prefix is not null && !name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            long size = ListCommand.Long(m, "size");
            long vram = ListCommand.Long(m, "size_vram");
            var expires = ListCommand.Time(m, "expires_at");
            string until = expires != default && now > expires ? "Stopping..." : HumanFormat.Time(expires, "Never", now);
            string digest = ListCommand.Str(m, "digest");
            table.Add(name, digest[..Math.Min(12, digest.Length)], HumanFormat.Bytes(size), Processor(size, vram),
                ListCommand.Long(m, "context_length").ToString(CultureInfo.InvariantCulture), until);
        }
        return table.ToString();
    }

    /// <summary><c>100% CPU</c>, <c>100% GPU</c>, <c>Unknown</c> or the split <c>48%/52% CPU/GPU</c>.</summary>
    public static string Processor(long size, long vram)
    {
        if (vram == 0) return "100% CPU";
        if (vram == size) return "100% GPU";
        if (vram > size || size == 0) return "Unknown";
        double cpu = Math.Round((double)(size - vram) / size * 100, MidpointRounding.AwayFromZero);
        return $"{(int)cpu}%/{(int)(100 - cpu)}% CPU/GPU";
    }
}
