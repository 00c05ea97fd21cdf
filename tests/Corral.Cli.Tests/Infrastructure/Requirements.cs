using Corral.Config;
using Corral.Server;
using Corral.Testing;
using Microsoft.AspNetCore.Routing;

namespace Corral.Cli.Tests.Infrastructure;

/// <summary>
/// What the environment offers: the server routes this build maps (some commands' routes are built on other
/// branches) and whether tmux is installed.
/// </summary>
public static class Requirements
{
    private static readonly Lazy<HashSet<string>> s_routes = new(MappedRoutes);

    public static bool HasRoute(string route) => s_routes.Value.Contains(route);

    /// <summary>The route patterns of a (never started) server built from this build's Corral.Server.</summary>
    private static HashSet<string> MappedRoutes()
    {
        using var dir = new TempDir("corral-cli-routes-");
        var vars = new Dictionary<string, string> { ["OLLAMA_HOST"] = "127.0.0.1:0", ["OLLAMA_MODELS"] = Path.Combine(dir.Path, "models") };
        var server = CorralServer.Create(EnvConfig.FromDictionary(vars, homeDirectory: dir.Path), logging: _ => { });
        try
        {
            return ((IEndpointRouteBuilder)server.App).DataSources
                .SelectMany(ds => ds.Endpoints).OfType<RouteEndpoint>()
                .Select(e => "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'))
                .ToHashSet(StringComparer.Ordinal);
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static readonly Lazy<string?> s_tmux = new(() => FindOnPath("tmux"));

    /// <summary>The tmux executable, or null.</summary>
    public static string? Tmux => s_tmux.Value;

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>
/// A test of a command whose server routes are implemented on another branch: skipped, naming the missing routes,
/// until that branch is merged.
/// </summary>
public sealed class NeedsRoutesFactAttribute : FactAttribute
{
    public NeedsRoutesFactAttribute(params string[] routes)
    {
        var missing = routes.Where(r => !Requirements.HasRoute(r)).ToList();
        if (missing.Count > 0) Skip = $"the server in this build has no {string.Join(", ", missing)} yet (built on another branch)";
    }
}

/// <summary>A REPL test in a real terminal: needs tmux (and the routes <c>run</c> uses).</summary>
public sealed class TerminalFactAttribute : FactAttribute
{
    public TerminalFactAttribute(params string[] routes)
    {
        if (Requirements.Tmux is null) Skip = "tmux is not installed (apt-get install tmux); the REPL tests drive a real terminal through it";
        else if (!OperatingSystem.IsLinux()) Skip = "the raw-terminal line editor is Linux-only";
        else
        {
            var missing = routes.Where(r => !Requirements.HasRoute(r)).ToList();
            if (missing.Count > 0) Skip = $"the server in this build has no {string.Join(", ", missing)} yet (built on another branch)";
        }
    }
}
