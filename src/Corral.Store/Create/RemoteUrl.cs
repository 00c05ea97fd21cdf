namespace Corral.Store;

/// <summary>Normalises a remote stub's <c>remote_host</c> to <c>scheme://host:port[/path]</c> (runtime.md §6.3).</summary>
public static class RemoteUrl
{
    /// <summary>
    /// <c>/path</c> → <c>http://localhost:11434/path</c>; no scheme → <c>http://</c>; <c>ollama.com</c> →
    /// <c>https://ollama.com:443</c>; a missing port becomes 11434; the path is cleaned. Null when unparseable.
    /// </summary>
    public static string? Normalize(string raw)
    {
        if (raw.StartsWith('/')) return "http://localhost:11434" + CleanPath(raw);
        if (!raw.Contains("://", StringComparison.Ordinal)) raw = "http://" + raw;
        if (raw is "ollama.com" or "http://ollama.com") raw = "https://ollama.com:443";

        int sep = raw.IndexOf("://", StringComparison.Ordinal);
        string scheme = raw[..sep];
        if (scheme.Length == 0 || !char.IsAsciiLetter(scheme[0]) || scheme.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.')))
            return null;
        string rest = raw[(sep + 3)..];
        int slash = rest.IndexOfAny(['/', '?', '#']);
        string authority = slash >= 0 ? rest[..slash] : rest;
        string path = slash >= 0 && rest[slash] == '/' ? rest[slash..] : "";
        int at = path.IndexOfAny(['?', '#']);
        if (at >= 0) path = path[..at];
        if (authority.Contains('@')) authority = authority[(authority.LastIndexOf('@') + 1)..];
        if (authority.Contains(' ')) return null;
        if (authority.Length == 0) authority = "localhost";

        string host = Corral.Config.OllamaHost.TrySplitHostPort(authority, out string h, out string p)
            ? Corral.Config.OllamaHost.JoinHostPort(h, p)
            : Corral.Config.OllamaHost.JoinHostPort(authority.Trim('[', ']'), "11434");
        if (path.Length > 0) path = CleanPath(path);
        if (path == "/") path = "";
        return scheme + "://" + host + path;
    }

    /// <summary>Go's <c>path.Clean</c> for an absolute path.</summary>
    private static string CleanPath(string path)
    {
        var stack = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..") { if (stack.Count > 0) stack.RemoveAt(stack.Count - 1); continue; }
            stack.Add(part);
        }
        return "/" + string.Join("/", stack);
    }
}
