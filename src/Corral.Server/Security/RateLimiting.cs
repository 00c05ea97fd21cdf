using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Corral.Server.Security;

/// <summary>
/// <c>CORRAL_RATE_LIMIT</c>: <c>&lt;requests&gt;/&lt;period&gt;</c> with the period <c>s</c>, <c>m</c> or <c>h</c>, optionally
/// preceded by a count (<c>60/m</c>, <c>1000/h</c>, <c>10/30s</c>).
/// </summary>
public sealed record RateLimitSpec(int Requests, TimeSpan Period)
{
    public const string Variable = "CORRAL_RATE_LIMIT";

    /// <summary>Null when the value is empty (no limit, as Ollama).</summary>
    /// <exception cref="OpsConfigurationException">The value is not of that form, or a count is zero.</exception>
    public static RateLimitSpec? Parse(string value)
    {
        value = value.Trim();
        if (value.Length == 0) return null;
        int slash = value.IndexOf('/');
        if (slash > 0 && int.TryParse(value.AsSpan(0, slash).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int requests) && requests > 0)
        {
            var period = value.AsSpan(slash + 1).Trim();
            int digits = 0;
            while (digits < period.Length && char.IsAsciiDigit(period[digits])) digits++;
            int count = 1;
            bool countOk = digits == 0 || (int.TryParse(period[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out count) && count > 0);
            TimeSpan? unit = period[digits..].Trim().ToString().ToLowerInvariant() switch
            {
                "s" or "sec" or "second" or "seconds" => TimeSpan.FromSeconds(1),
                "m" or "min" or "minute" or "minutes" => TimeSpan.FromMinutes(1),
                "h" or "hour" or "hours" => TimeSpan.FromHours(1),
                _ => null,
            };
            if (countOk && unit is { } u) return new RateLimitSpec(requests, u * count);
        }
        throw new OpsConfigurationException($"{Variable}: '{value}' is not <requests>/<period> with a period of s, m or h (for example 60/m, 1000/h or 10/30s)");
    }

    /// <summary>"60 requests per minute", "10 requests per 30 seconds".</summary>
    public override string ToString()
    {
        string what = Requests == 1 ? "1 request" : Requests.ToString(CultureInfo.InvariantCulture) + " requests";
        (double n, string unit) = Period.TotalHours >= 1 && Period.TotalHours % 1 == 0 ? (Period.TotalHours, "hour")
            : Period.TotalMinutes >= 1 && Period.TotalMinutes % 1 == 0 ? (Period.TotalMinutes, "minute")
            : (Period.TotalSeconds, "second");
        return n == 1 ? $"{what} per {unit}" : $"{what} per {n.ToString(CultureInfo.InvariantCulture)} {unit}s";
    }
}

/// <summary>
/// One token bucket per caller (the API key's name when keys are on, else the client address): a burst of up to
/// <see cref="RateLimitSpec.Requests"/>, refilled evenly over the period, so <c>60/m</c> allows 60 at once and then one a
/// second. Owned by the application's services so its timers stop with the server.
/// </summary>
public sealed class RateLimitGate : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public RateLimitGate(RateLimitSpec spec)
    {
        Spec = spec;
        var options = new TokenBucketRateLimiterOptions
        {
            TokenLimit = spec.Requests,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromTicks(Math.Max(1, spec.Period.Ticks / spec.Requests)),
            QueueLimit = 0,
            // The partitioned limiter's timer refills every bucket (by elapsed time) and drops ones that stayed full.
            AutoReplenishment = false,
        };
        _limiter = PartitionedRateLimiter.Create<string, string>(caller => RateLimitPartition.GetTokenBucketLimiter(caller, _ => options));
    }

    public RateLimitSpec Spec { get; }

    /// <summary>Takes one request from <paramref name="caller"/>'s bucket; on refusal, how long until the next one fits.</summary>
    public bool TryAcquire(string caller, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(caller);
        if (lease.IsAcquired)
        {
            retryAfter = TimeSpan.Zero;
            return true;
        }
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var r) && r > TimeSpan.Zero ? r : Spec.Period / Spec.Requests;
        return false;
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>
/// Counts every request except the heartbeat and <c>/metrics</c> scrapes against the caller's bucket; over the limit
/// answers 429 with <c>Retry-After</c> (whole seconds, rounded up) in the path's error shape. Runs after the API key
/// check, so refused keys never spend a legitimate caller's budget.
/// </summary>
public sealed class RateLimitMiddleware(RequestDelegate next, RateLimitGate gate)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (RouteAccess.IsHeartbeat(context.Request) || context.Request.Path.Equals("/metrics", StringComparison.OrdinalIgnoreCase)) return next(context);
        if (gate.TryAcquire(CallerOf(context), out var retryAfter)) return next(context);
        long seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
        return SurfaceErrors.WriteAsync(context, Refusal.RateLimited, $"rate limit exceeded ({gate.Spec}); retry in {seconds}s");
    }

    /// <summary>The bucket: <c>key:&lt;name&gt;</c> for an authenticated caller, else <c>ip:&lt;address&gt;</c>.</summary>
    public static string CallerOf(HttpContext context)
    {
        if (ApiKeyMiddleware.CallerOf(context) is { } key) return "key:" + key.Name;
        var ip = context.Connection.RemoteIpAddress;
        if (ip is { IsIPv4MappedToIPv6: true }) ip = ip.MapToIPv4();
        return "ip:" + (ip?.ToString() ?? IPAddress.None.ToString());
    }
}
