using System.Security.Cryptography.X509Certificates;
using Corral.Config;
using Corral.Server.Observability;

namespace Corral.Server.Security;

/// <summary>
/// Corral's operations features, each off unless its <c>CORRAL_*</c> variable is set, so a plain <c>corral serve</c>
/// answers exactly as Ollama does. Read once at startup; a value that cannot be used stops the start with an
/// <see cref="OpsConfigurationException"/> naming the variable.
/// </summary>
public sealed record OpsSettings
{
    /// <summary>Everything off.</summary>
    public static readonly OpsSettings Off = new();

    /// <summary><c>CORRAL_API_KEYS</c>; null = no authentication (Ollama's behaviour).</summary>
    public ApiKeySet? ApiKeys { get; init; }

    /// <summary><c>CORRAL_TLS_CERT</c> + <c>CORRAL_TLS_KEY</c>; null = plain HTTP.</summary>
    public X509Certificate2? TlsCertificate { get; init; }

    /// <summary><c>CORRAL_RATE_LIMIT</c>; null = unlimited.</summary>
    public RateLimitSpec? RateLimit { get; init; }

    /// <summary><c>CORRAL_AUDIT_LOG</c>: the JSON-lines file; null = no audit log.</summary>
    public string? AuditLogPath { get; init; }

    /// <summary><c>CORRAL_METRICS</c>: serve <c>GET /metrics</c> in the Prometheus text format.</summary>
    public bool Metrics { get; init; }

    public static OpsSettings FromConfig(EnvConfig config) => new()
    {
        ApiKeys = ApiKeySet.Parse(config.Var(ApiKeySet.Variable)),
        TlsCertificate = Security.TlsCertificate.Load(config.Var(Security.TlsCertificate.CertVariable), config.Var(Security.TlsCertificate.KeyVariable)),
        RateLimit = RateLimitSpec.Parse(config.Var(RateLimitSpec.Variable)),
        AuditLogPath = config.Var(AuditLog.Variable) is { Length: > 0 } path ? path : null,
        Metrics = config.Bool(MetricsEndpoint.Variable),
    };
}
