namespace Corral.Store.Modelfiles;

/// <summary>
/// Which files of a model directory <c>create</c> uploads (runtime.md §6.2 step 3). The first matching weight rule wins:
/// <c>model*.safetensors</c> (plus one nested level), <c>consolidated*.safetensors</c>, <c>pytorch_model*.bin</c>,
/// <c>consolidated*.pth</c>, <c>*.gguf</c>, <c>*.bin</c>; then <c>*.json</c>, <c>*/*.json</c>, <c>chat_template.jinja</c>
/// and <c>tokenizer.model</c> (root, else one level down) are added.
/// </summary>
public static class ModelFileDiscovery
{
    public const string NoModelFound = "no Modelfile or safetensors files found";

    public static IReadOnlyList<string> FilesForModel(string dir)
    {
        var files = new List<string>();
        if (Glob(dir, "model*.safetensors") is { Count: > 0 } st)
        {
            files.AddRange(st);
            files.AddRange(Glob(dir, "model*.safetensors", nested: true));
        }
        else if (Glob(dir, "consolidated*.safetensors") is { Count: > 0 } cst)
        {
            files.AddRange(cst);
        }
        else if (TryGlobChecked(dir, "pytorch_model*.bin", ContentTypes.Zip) is { Count: > 0 } pt)
        {
            files.AddRange(pt);
        }
        else if (TryGlobChecked(dir, "consolidated*.pth", ContentTypes.Zip) is { Count: > 0 } pth)
        {
            files.AddRange(pth);
        }
        else if (TryGlobChecked(dir, "*.gguf", ContentTypes.OctetStream) is { Count: > 0 } gg)
        {
            files.AddRange(gg);
        }
        else if (TryGlobChecked(dir, "*.bin", ContentTypes.OctetStream) is { Count: > 0 } bin)
        {
            files.AddRange(bin);
        }
        else
        {
            throw new ModelfileException(NoModelFound);
        }

        files.AddRange(GlobChecked(dir, "*.json", ContentTypes.TextPlain));
        files.AddRange(GlobChecked(dir, "*.json", ContentTypes.TextPlain, nested: true));
        files.AddRange(GlobChecked(dir, "chat_template.jinja", ContentTypes.TextPlain));
        if (TryGlobChecked(dir, "tokenizer.model", ContentTypes.OctetStream) is { Count: > 0 } tk)
            files.AddRange(tk);
        else if (TryGlobChecked(dir, "tokenizer.model", ContentTypes.TextPlain, nested: true) is { Count: > 0 } ntk)
            files.AddRange(ntk);
        return files;
    }

    // Files matching a single-'*' pattern directly in dir, or one folder down when nested; sorted like Go's Glob.
    private static List<string> Glob(string dir, string pattern, bool nested = false)
    {
        var result = new List<string>();
        IEnumerable<string> folders = nested
            ? Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal)
            : [dir];
        foreach (var folder in folders)
        {
            foreach (var f in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
                if (Matches(Path.GetFileName(f), pattern)) result.Add(f);
        }
        return result;
    }

    private static List<string> GlobChecked(string dir, string pattern, string contentType, bool nested = false)
    {
        var matches = Glob(dir, pattern, nested);
        foreach (var m in matches)
        {
            string ct = ContentTypes.Detect(m);
            if (ct != contentType) throw new ModelfileException($"invalid content type: expected {ct} for {m}");
        }
        return matches;
    }

    // Upstream ignores content-type errors in the weight rules: the rule simply does not match.
    private static List<string> TryGlobChecked(string dir, string pattern, string contentType, bool nested = false)
    {
        try { return GlobChecked(dir, pattern, contentType, nested); }
        catch (ModelfileException) { return []; }
    }

    internal static bool Matches(string name, string pattern)
    {
        int star = pattern.IndexOf('*');
        if (star < 0) return name == pattern;
        string prefix = pattern[..star], suffix = pattern[(star + 1)..];
        return name.Length >= prefix.Length + suffix.Length
            && name.StartsWith(prefix, StringComparison.Ordinal)
            && name.EndsWith(suffix, StringComparison.Ordinal);
    }
}

/// <summary>The subset of Go's <c>http.DetectContentType</c> the weight discovery relies on.</summary>
public static class ContentTypes
{
    public const string Zip = "application/zip";
    public const string OctetStream = "application/octet-stream";
    public const string TextPlain = "text/plain";

    /// <summary>Sniffs the first 512 bytes: a ZIP signature, else any binary control byte → octet-stream, else text/plain.</summary>
    public static string Detect(string path)
    {
        Span<byte> head = stackalloc byte[512];
        int n;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return Detect(head[..n]);
    }

    public static string Detect(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith("PK\u0003\u0004"u8)) return Zip;
        foreach (byte b in data)
            if (b <= 0x08 || b == 0x0B || b is >= 0x0E and <= 0x1A || b is >= 0x1C and <= 0x1F) return OctetStream;
        return TextPlain;
    }
}
