using System.Text;
using System.Text.Json;

namespace Corral.Store;

/// <summary>One entry of a manifest: a blob reference with its media type (runtime.md §3.2).</summary>
/// <param name="From">Where the layer came from: the base model's short name, or the user's original file name.</param>
/// <param name="Name">Tensor or file name (safetensors models).</param>
public sealed record ManifestLayer(string MediaType, string Digest, long Size, string? From = null, string? Name = null)
{
    internal void WriteTo(GoJsonWriter w)
    {
        w.BeginObject()
            .Name("mediaType").String(MediaType)
            .Name("digest").String(Digest)
            .Name("size").Number(Size);
        if (!string.IsNullOrEmpty(From)) w.Name("from").String(From);
        if (!string.IsNullOrEmpty(Name)) w.Name("name").String(Name);
        w.EndObject();
    }
}

/// <summary>
/// A Docker distribution v2 manifest. <see cref="Bytes"/> are the exact file bytes (pulled manifests are kept as received)
/// and <see cref="Digest"/> is their SHA-256 in lowercase hex without prefix: the model's ID.
/// </summary>
public sealed class Manifest
{
    private Manifest(int schemaVersion, string mediaType, ManifestLayer config, IReadOnlyList<ManifestLayer>? layers, byte[] bytes)
    {
        SchemaVersion = schemaVersion;
        MediaType = mediaType;
        Config = config;
        Layers = layers ?? [];
        Bytes = bytes;
        Digest = Store.Digest.HexOf(bytes);
    }

    public int SchemaVersion { get; }
    public string MediaType { get; }

    /// <summary>The config blob reference (its digest is empty when the manifest has none).</summary>
    public ManifestLayer Config { get; }

    public IReadOnlyList<ManifestLayer> Layers { get; }

    /// <summary>The serialized manifest exactly as stored.</summary>
    public byte[] Bytes { get; }

    /// <summary>Lowercase hex SHA-256 of <see cref="Bytes"/> (no <c>sha256:</c> prefix).</summary>
    public string Digest { get; }

    /// <summary>Sum of all layer sizes plus the config size.</summary>
    public long TotalSize => Layers.Sum(l => l.Size) + Config.Size;

    /// <summary>Digests of every layer and the config (non-empty ones).</summary>
    public IEnumerable<string> ReferencedDigests =>
        Layers.Select(l => l.Digest).Append(Config.Digest).Where(d => !string.IsNullOrEmpty(d));

    /// <summary>A manifest as Corral writes it: compact Go-style JSON followed by <c>\n</c>.</summary>
    public static Manifest Create(ManifestLayer config, IEnumerable<ManifestLayer> layers)
    {
        var list = layers.ToList();
        var w = new GoJsonWriter();
        w.BeginObject()
            .Name("schemaVersion").Number(2)
            .Name("mediaType").String(MediaTypes.Manifest)
            .Name("config");
        config.WriteTo(w);
        w.Name("layers").BeginArray();
        foreach (var l in list) l.WriteTo(w);
        w.EndArray().EndObject();
        return new Manifest(2, MediaTypes.Manifest, config, list, w.ToUtf8WithNewline());
    }

    /// <summary>
    /// Parses manifest bytes the way Go's decoder does: the first JSON value is read (trailing data ignored), keys match
    /// case-insensitively, unknown keys are ignored, and a wrong value type is an error.
    /// </summary>
    public static Manifest Parse(byte[] bytes, string? source = null)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Disallow });
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad(source, "expected a JSON object");

            int schema = 0;
            string mediaType = "";
            ManifestLayer config = new("", "", 0);
            List<ManifestLayer>? layers = null;
            foreach (var p in root.EnumerateObject())
            {
                switch (p.Name.ToLowerInvariant())
                {
                    case "schemaversion":
                        schema = p.Value.ValueKind == JsonValueKind.Null ? schema : GoJsonRead.Int32(p.Value, "schemaVersion");
                        break;
                    case "mediatype":
                        mediaType = GoJsonRead.String(p.Value, "mediaType") ?? mediaType;
                        break;
                    case "config":
                        if (p.Value.ValueKind != JsonValueKind.Null) config = ParseLayer(p.Value, "config");
                        break;
                    case "layers":
                        if (p.Value.ValueKind == JsonValueKind.Null) { layers = null; break; }
                        if (p.Value.ValueKind != JsonValueKind.Array) throw new JsonException("layers: expected an array");
                        layers = [];
                        int i = 0;
                        foreach (var item in p.Value.EnumerateArray()) layers.Add(ParseLayer(item, $"layers[{i++}]"));
                        break;
                }
            }
            return new Manifest(schema, mediaType, config, layers, bytes);
        }
        catch (JsonException e)
        {
            throw Bad(source, e.Message);
        }
    }

    private static ManifestLayer ParseLayer(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new JsonException($"{where}: expected an object");
        string mediaType = "", digest = "";
        long size = 0;
        string? from = null, name = null;
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name.ToLowerInvariant())
            {
                case "mediatype": mediaType = GoJsonRead.String(p.Value, where + ".mediaType") ?? mediaType; break;
                case "digest": digest = GoJsonRead.String(p.Value, where + ".digest") ?? digest; break;
                case "size": size = p.Value.ValueKind == JsonValueKind.Null ? size : GoJsonRead.Int64(p.Value, where + ".size"); break;
                case "from": from = GoJsonRead.String(p.Value, where + ".from") ?? from; break;
                case "name": name = GoJsonRead.String(p.Value, where + ".name") ?? name; break;
            }
        }
        return new ManifestLayer(mediaType, digest, size, string.IsNullOrEmpty(from) ? null : from, string.IsNullOrEmpty(name) ? null : name);
    }

    private static ManifestFormatException Bad(string? source, string detail) =>
        new($"invalid manifest{(source is null ? "" : " " + source)}: {detail}");

    public override string ToString() => Encoding.UTF8.GetString(Bytes);
}

/// <summary>Strict readers for values Go decodes into typed struct fields.</summary>
internal static class GoJsonRead
{
    /// <summary>A string, or null for JSON null (Go leaves the field unchanged).</summary>
    public static string? String(JsonElement v, string where) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Null => null,
        _ => throw new JsonException($"{where}: expected a string, got {Kind(v)}"),
    };

    public static long Int64(JsonElement v, string where)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long n))
            throw new JsonException($"{where}: expected an integer, got {(v.ValueKind == JsonValueKind.Number ? v.GetRawText() : Kind(v))}");
        return n;
    }

    public static int Int32(JsonElement v, string where)
    {
        long n = Int64(v, where);
        if (n is < int.MinValue or > int.MaxValue) throw new JsonException($"{where}: {n} is out of range");
        return (int)n;
    }

    public static List<string>? StringList(JsonElement v, string where)
    {
        if (v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Array) throw new JsonException($"{where}: expected an array of strings, got {Kind(v)}");
        var list = new List<string>();
        foreach (var item in v.EnumerateArray())
            list.Add(item.ValueKind == JsonValueKind.Null ? "" : String(item, where + "[]")!);
        return list;
    }

    public static string Kind(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
