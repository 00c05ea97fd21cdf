using Corral.Server.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Corral.Server.Security;

/// <summary>
/// Where the operations features plug into <see cref="ServerHost"/>. Each registers only when its variable is set,
/// so with everything off the pipeline is Ollama's: error handling, CORS and host guard, status pages, routes.
/// With everything on: observation (audit, metrics) → errors → CORS/host → API keys → rate limit → routes.
/// </summary>
public static class OpsHost
{
    /// <summary>Services and host options, before the application is built. Services own what must stop with the server.</summary>
    public static void ConfigureBuilder(WebApplicationBuilder builder, OpsSettings ops)
    {
        // The slim builder leaves HTTPS out unless asked for.
        if (ops.TlsCertificate != null) builder.WebHost.UseKestrelHttpsConfiguration();
        if (ops.RateLimit is { } limit) builder.Services.AddSingleton(_ => new RateLimitGate(limit));
        if (ops.AuditLogPath is { } path)
            builder.Services.AddSingleton(sp => AuditLog.Open(path, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Corral.Audit")));
        if (ops.Metrics) builder.Services.AddSingleton(_ => new PrometheusExporter());
    }

    /// <summary>The OLLAMA_HOST endpoint: HTTPS with the configured certificate, else plain HTTP as Ollama.</summary>
    public static void ConfigureListener(ListenOptions listen, OpsSettings ops)
    {
        if (ops.TlsCertificate is { } certificate) listen.UseHttps(certificate);
    }

    /// <summary>
    /// Before the error middleware, so every request's final status is seen. Opens the audit log now: a file that
    /// cannot be opened stops the start.
    /// </summary>
    public static void UseObservation(WebApplication app, OpsSettings ops)
    {
        var audit = ops.AuditLogPath != null ? app.Services.GetRequiredService<AuditLog>() : null;
        if (audit == null && !ops.Metrics) return;
        app.UseMiddleware<RequestObservationMiddleware>(new RequestObservers(audit, ops.Metrics));
    }

    /// <summary>After the CORS/host guard: API keys, then the rate limit (keyed by the caller the keys established).</summary>
    public static void UseAccessControl(WebApplication app, OpsSettings ops)
    {
        if (ops.ApiKeys is { } keys) app.UseMiddleware<ApiKeyMiddleware>(keys);
        if (ops.RateLimit != null) app.UseMiddleware<RateLimitMiddleware>();
    }

    /// <summary>Routes of their own: <c>GET /metrics</c>.</summary>
    public static void MapRoutes(WebApplication app, CorralServer server, OpsSettings ops)
    {
        if (ops.Metrics) MetricsEndpoint.Map(app, server, app.Services.GetRequiredService<PrometheusExporter>());
    }

    /// <summary>One startup line per feature that is on, so operators see what the variables did.</summary>
    public static void LogEnabled(WebApplication app, OpsSettings ops)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Corral.Ops");
        if (ops.ApiKeys is { } keys)
            logger.LogInformation("API keys required: {Count} key(s), {ReadOnly} read-only ({Names})", keys.Keys.Count, keys.Keys.Count(k => k.ReadOnly), string.Join(", ", keys.Keys.Select(k => k.Name)));
        if (ops.RateLimit is { } limit)
            logger.LogInformation("rate limit: {Limit} per {Caller}", limit, ops.ApiKeys != null ? "API key" : "client address");
        if (ops.AuditLogPath is { } path) logger.LogInformation("audit log: {Path}", Path.GetFullPath(path));
        if (ops.Metrics) logger.LogInformation("metrics: GET {Path} in the Prometheus text format", MetricsEndpoint.Path);
        if (ops.TlsCertificate is { } cert)
        {
            logger.LogInformation("TLS: serving HTTPS with {Subject} (expires {Expires:yyyy-MM-dd})", cert.Subject, cert.NotAfter.ToUniversalTime());
            if (cert.NotAfter < DateTime.Now) logger.LogWarning("TLS: the certificate {Subject} expired on {Expires:yyyy-MM-dd}; clients will refuse it", cert.Subject, cert.NotAfter.ToUniversalTime());
        }
    }
}
