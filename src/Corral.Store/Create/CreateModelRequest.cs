using System.Text.Json;
using System.Text.Json.Nodes;

namespace Corral.Store;

/// <summary>
/// A create failure with the HTTP status upstream uses: 400 for bad input (<see cref="IsBadRequest"/>), otherwise 500.
/// The message is the API's error text.
/// </summary>
public sealed class CreateModelException(string message, bool isBadRequest, Exception? inner = null)
    : StoreException(message, inner ?? new InvalidOperationException(message))
{
    public bool IsBadRequest { get; } = isBadRequest;
}

/// <summary>Config overrides of a create request (<c>info</c>; not expressible in a Modelfile).</summary>
public sealed record CreateInfo
{
    public IReadOnlyList<string>? Capabilities { get; init; }
    public string? ModelFamily { get; init; }
    public string? BaseName { get; init; }
    public string? QuantizationLevel { get; init; }
    public string? ParameterSize { get; init; }
    public long? ContextLength { get; init; }
    public long? EmbeddingLength { get; init; }

    /// <summary>
    /// Validates a JSON <c>info</c> object: <c>info field "k" must be a string</c>, <c>… must be a number</c>,
    /// <c>… must be a non-negative integer</c> (all 400).
    /// </summary>
    public static CreateInfo Parse(JsonElement info)
    {
        if (info.ValueKind != JsonValueKind.Object) throw new CreateModelException("json: cannot unmarshal info: expected an object", true);
        var map = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in info.EnumerateObject()) map[p.Name] = p.Value;

        string? Str(string k)
        {
            if (!map.TryGetValue(k, out var v)) return null;
            return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new CreateModelException($"info field {GoFormat.Quote(k)} must be a string", true);
        }
        long? Int(string k)
        {
            if (!map.TryGetValue(k, out var v)) return null;
            if (v.ValueKind != JsonValueKind.Number) throw new CreateModelException($"info field {GoFormat.Quote(k)} must be a number", true);
            double d = v.GetDouble();
            if (d < 0 || Math.Truncate(d) != d || d > long.MaxValue)
                throw new CreateModelException($"info field {GoFormat.Quote(k)} must be a non-negative integer", true);
            return (long)d;
        }

        List<string>? caps = null;
        if (map.TryGetValue("capabilities", out var c) && c.ValueKind == JsonValueKind.Array)
            caps = c.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList();
        return new CreateInfo
        {
            Capabilities = caps,
            ModelFamily = Str("model_family"),
            BaseName = Str("base_name"),
            QuantizationLevel = Str("quantization_level"),
            ParameterSize = Str("parameter_size"),
            ContextLength = Int("context_length"),
            EmbeddingLength = Int("embedding_length"),
        };
    }
}

/// <summary>
/// The body of <c>/api/create</c> (runtime.md §6.1). Built by the CLI from a Modelfile (with local file paths as
/// <see cref="Files"/> keys until upload) or decoded by the server with <see cref="FromJson"/>.
/// </summary>
public sealed class CreateModelRequest
{
    /// <summary>Target model name (<c>model</c>, legacy <c>name</c>).</summary>
    public string? Model { get; set; }
    public string? From { get; set; }
    /// <summary>File name (relative, <c>/</c>-separated) → <c>sha256:</c> digest.</summary>
    public Dictionary<string, string>? Files { get; set; }
    public Dictionary<string, string>? Adapters { get; set; }
    public Dictionary<string, string>? DraftFiles { get; set; }
    /// <summary>Replaces the template layer when non-empty.</summary>
    public string? Template { get; set; }
    /// <summary>Replaces the system layer when non-empty.</summary>
    public string? System { get; set; }
    /// <summary>Each entry becomes a license layer (appended to inherited ones).</summary>
    public List<string>? License { get; set; }
    /// <summary>Merged over inherited parameters (request wins). Values are JSON (numbers, strings, bools, string arrays).</summary>
    public JsonObject? Parameters { get; set; }
    /// <summary>Replaces inherited messages when non-empty.</summary>
    public List<ModelMessage>? Messages { get; set; }
    /// <summary><c>quantize</c> (legacy <c>quantization</c>), e.g. <c>q4_K_M</c>.</summary>
    public string? Quantize { get; set; }
    public string? DraftQuantize { get; set; }
    public string? Renderer { get; set; }
    public string? Parser { get; set; }
    public string? Requires { get; set; }
    public string? RemoteHost { get; set; }
    public CreateInfo? Info { get; set; }
    /// <summary>Null means true (stream progress).</summary>
    public bool? Stream { get; set; }

    /// <summary>
    /// The request-level 400 checks that need no store: file keys must be clean relative paths
    /// (<c>file path must be relative</c>), digests non-empty (<c>invalid digest format</c>), and <c>draft_quantize</c>
    /// needs draft files (<c>--draft-quantize requires a DRAFT model</c>).
    /// </summary>
    public void Validate()
    {
        foreach (var map in new[] { Files, DraftFiles })
        {
            if (map is null) continue;
            foreach (var (path, digest) in map)
            {
                if (!IsValidRelativePath(path)) throw new CreateModelException("file path must be relative", true);
                if (string.IsNullOrEmpty(digest)) throw new CreateModelException(InvalidDigestException.MessageText, true);
            }
        }
        if (!string.IsNullOrEmpty(DraftQuantize) && (DraftFiles is null || DraftFiles.Count == 0))
            throw new CreateModelException("--draft-quantize requires a DRAFT model", true);
        foreach (var digest in Adapters?.Values ?? Enumerable.Empty<string>())
            if (string.IsNullOrEmpty(digest)) throw new CreateModelException(InvalidDigestException.MessageText, true);
    }

    /// <summary>Go's <c>io/fs.ValidPath</c>: unrooted, <c>/</c>-separated, no empty, <c>.</c> or <c>..</c> elements (<c>.</c> alone is valid).</summary>
    public static bool IsValidRelativePath(string path)
    {
        if (path == ".") return true;
        if (path.Length == 0) return false;
        foreach (var elem in path.Split('/'))
            if (elem is "" or "." or "..") return false;
        return true;
    }

    /// <summary>
    /// Decodes a request body with Go's rules: keys match case-insensitively, unknown keys are ignored, JSON null means
    /// absent, and a wrong type is an error (400). <c>license</c> is a string or an array of strings.
    /// </summary>
    public static CreateModelRequest FromJson(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new CreateModelException("json: cannot unmarshal request: expected an object", true);
        var r = new CreateModelRequest();
        string? name = null, quantization = null;
        foreach (var p in body.EnumerateObject())
        {
            var v = p.Value;
            if (v.ValueKind == JsonValueKind.Null) continue;
            string k = p.Name.ToLowerInvariant();
            switch (k)
            {
                case "model": r.Model = Str(v, k); break;
                case "name": name = Str(v, k); break;
                case "stream":
                    r.Stream = v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw TypeError(k, "bool");
                    break;
                case "quantize": r.Quantize = Str(v, k); break;
                case "quantization": quantization = Str(v, k); break;
                case "draft_quantize": r.DraftQuantize = Str(v, k); break;
                case "from": r.From = Str(v, k); break;
                case "remote_host": r.RemoteHost = Str(v, k); break;
                case "files": r.Files = StrMap(v, k); break;
                case "draft_files": r.DraftFiles = StrMap(v, k); break;
                case "adapters": r.Adapters = StrMap(v, k); break;
                case "template": r.Template = Str(v, k); break;
                case "system": r.System = Str(v, k); break;
                case "license":
                    if (v.ValueKind == JsonValueKind.String)
                    {
                        r.License = v.GetString() is { Length: > 0 } s ? [s] : null;
                    }
                    else if (v.ValueKind == JsonValueKind.Array)
                    {
                        r.License = v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String
                            ? e.GetString()!
                            : throw new CreateModelException("json: cannot unmarshal license: expected a string or an array of strings", true)).ToList();
                    }
                    else
                    {
                        throw new CreateModelException("json: cannot unmarshal license: expected a string or an array of strings", true);
                    }
                    break;
                case "parameters":
                    if (v.ValueKind != JsonValueKind.Object) throw TypeError(k, "map[string]interface {}");
                    r.Parameters = JsonObject.Create(v.Clone());
                    break;
                case "messages":
                    try { r.Messages = ModelMessage.ParseArray(v, "messages").ToList(); }
                    catch (JsonException e) { throw new CreateModelException("json: cannot unmarshal " + e.Message, true); }
                    break;
                case "renderer": r.Renderer = Str(v, k); break;
                case "parser": r.Parser = Str(v, k); break;
                case "requires": r.Requires = Str(v, k); break;
                case "info": r.Info = CreateInfo.Parse(v); break;
            }
        }
        if (string.IsNullOrEmpty(r.Model)) r.Model = name;
        if (string.IsNullOrEmpty(r.Quantize)) r.Quantize = quantization;
        return r;
    }

    private static CreateModelException TypeError(string field, string goType) =>
        new($"json: cannot unmarshal value into Go struct field CreateRequest.{field} of type {goType}", true);

    private static string Str(JsonElement v, string k) => v.ValueKind == JsonValueKind.String ? v.GetString()! : throw TypeError(k, "string");

    private static Dictionary<string, string> StrMap(JsonElement v, string k)
    {
        if (v.ValueKind != JsonValueKind.Object) throw TypeError(k, "map[string]string");
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in v.EnumerateObject()) d[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw TypeError(k, "string");
        return d;
    }

    /// <summary>The JSON body the CLI sends (upstream's field order; empty fields omitted).</summary>
    public string ToJson()
    {
        var w = new GoJsonWriter().BeginObject();
        if (!string.IsNullOrEmpty(Model)) w.Name("model").String(Model);
        if (Stream is { } stream) w.Name("stream").Bool(stream);
        if (!string.IsNullOrEmpty(Quantize)) w.Name("quantize").String(Quantize);
        if (!string.IsNullOrEmpty(DraftQuantize)) w.Name("draft_quantize").String(DraftQuantize);
        if (!string.IsNullOrEmpty(From)) w.Name("from").String(From);
        if (!string.IsNullOrEmpty(RemoteHost)) w.Name("remote_host").String(RemoteHost);
        WriteMap(w, "files", Files);
        WriteMap(w, "draft_files", DraftFiles);
        WriteMap(w, "adapters", Adapters);
        if (!string.IsNullOrEmpty(Template)) w.Name("template").String(Template);
        if (License is { Count: > 0 }) w.Name("license").StringArray(License);
        if (!string.IsNullOrEmpty(System)) w.Name("system").String(System);
        if (Parameters is { Count: > 0 })
        {
            using var doc = JsonDocument.Parse(Parameters.ToJsonString());
            w.Name("parameters").AnyValue(doc.RootElement);
        }
        if (Messages is { Count: > 0 })
        {
            w.Name("messages").BeginArray();
            foreach (var m in Messages) m.WriteTo(w);
            w.EndArray();
        }
        if (!string.IsNullOrEmpty(Renderer)) w.Name("renderer").String(Renderer);
        if (!string.IsNullOrEmpty(Parser)) w.Name("parser").String(Parser);
        if (!string.IsNullOrEmpty(Requires)) w.Name("requires").String(Requires);
        if (Info is { } info)
        {
            w.Name("info").BeginObject();
            if (info.Capabilities is { } caps) w.Name("capabilities").StringArray(caps);
            if (info.ModelFamily is { } f) w.Name("model_family").String(f);
            if (info.BaseName is { } b) w.Name("base_name").String(b);
            if (info.QuantizationLevel is { } q) w.Name("quantization_level").String(q);
            if (info.ParameterSize is { } s) w.Name("parameter_size").String(s);
            if (info.ContextLength is { } c) w.Name("context_length").Number(c);
            if (info.EmbeddingLength is { } e) w.Name("embedding_length").Number(e);
            w.EndObject();
        }
        return w.EndObject().ToString();
    }

    private static void WriteMap(GoJsonWriter w, string name, Dictionary<string, string>? map)
    {
        if (map is not { Count: > 0 }) return;
        w.Name(name).BeginObject();
        foreach (var (k, v) in map.OrderBy(kv => kv.Key, Comparer<string>.Create(GoJsonWriter.CompareUtf8))) w.Name(k).String(v);
        w.EndObject();
    }
}
