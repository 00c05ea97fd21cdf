using Microsoft.AspNetCore.Builder;

namespace Corral.Server.Security;

/// <summary>
/// Where the operations features plug into <see cref="ServerHost"/>. Each registers only when its variable is set,
/// so with everything off the pipeline is Ollama's: error handling, CORS and host guard, status pages, routes.
/// </summary>
public static class OpsHost
{
    /// <summary>After the CORS/host guard: API keys, then the rate limit (keyed by the caller the keys established).</summary>
    public static void UseAccessControl(WebApplication app, OpsSettings ops)
    {
        if (ops.ApiKeys is { } keys) app.UseMiddleware<ApiKeyMiddleware>(keys);
    }
}
