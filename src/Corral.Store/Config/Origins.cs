namespace Corral.Config;

/// <summary>CORS origins (api.md §1.8): <c>OLLAMA_ORIGINS</c> plus the built-in list, and upstream's startup validation.</summary>
public static class Origins
{
    /// <summary>Always allowed, after the user's entries.</summary>
    public static readonly IReadOnlyList<string> BuiltIn = BuildBuiltIn();

    /// <summary>Schemes an entry without <c>*</c> must start with (gin-contrib/cors with browser extensions enabled).</summary>
    public static readonly IReadOnlyList<string> AllowedSchemes =
        ["http://", "https://", "chrome-extension://", "safari-extension://", "moz-extension://", "ms-browser-extension://"];

    /// <summary>The configured entries (split on <c>,</c>, not trimmed) followed by <see cref="BuiltIn"/>.</summary>
    public static IReadOnlyList<string> Build(string? ollamaOrigins)
    {
        var list = new List<string>();
        if (!string.IsNullOrEmpty(ollamaOrigins)) list.AddRange(ollamaOrigins.Split(','));
        list.AddRange(BuiltIn);
        return list;
    }

    /// <summary>
    /// Why upstream would refuse to start with this entry, or null when it is acceptable. Upstream aborts startup;
    /// Corral's server is expected to log the message and skip the entry.
    /// </summary>
    public static string? Validate(string origin)
    {
        int stars = origin.Count(c => c == '*');
        if (stars > 1) return $"bad origin {Quote(origin)}: only one * is allowed";
        if (stars == 0 && !AllowedSchemes.Any(s => origin.StartsWith(s, StringComparison.Ordinal)))
            return $"bad origin {Quote(origin)}: origins must contain '*' or include {string.Join(",", AllowedSchemes)}";
        return null;
    }

    /// <summary>The entries that pass <see cref="Validate"/>; each rejected entry's message goes to <paramref name="onInvalid"/>.</summary>
    public static IReadOnlyList<string> Valid(IEnumerable<string> origins, Action<string>? onInvalid = null)
    {
        var result = new List<string>();
        foreach (var o in origins)
        {
            var error = Validate(o);
            if (error is null) result.Add(o);
            else onInvalid?.Invoke(error);
        }
        return result;
    }

    private static string Quote(string s) => Corral.Store.GoFormat.Quote(s);

    private static List<string> BuildBuiltIn()
    {
        var list = new List<string>();
        foreach (var host in new[] { "localhost", "127.0.0.1", "0.0.0.0" })
        {
            list.Add($"http://{host}");
            list.Add($"https://{host}");
            list.Add($"http://{host}:*");
            list.Add($"https://{host}:*");
        }
        list.AddRange(["app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*"]);
        return list;
    }
}
