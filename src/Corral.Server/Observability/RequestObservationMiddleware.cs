using System.Diagnostics;
using Corral.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Corral.Server.Observability;

/// <summary>Who watches requests: the audit log (<c>CORRAL_AUDIT_LOG</c>) and/or the request metrics (<c>CORRAL_METRICS</c>).</summary>
public sealed record RequestObservers(AuditLog? Audit, bool Metrics);

/// <summary>
/// Outermost middleware (registered only when the audit log or metrics are on): starts the request's
/// <see cref="RequestUsage"/>, and once the response is finished records the request metrics and queues the audit
/// line with what the inner layers learnt (key name, model, tokens, status). Being outside the error middleware it sees
/// the final status of every request, refusals included.
/// </summary>
public sealed class RequestObservationMiddleware(RequestDelegate next, RequestObservers observers)
{
    /// <summary>Route label for requests that matched no route, so unknown paths cannot grow the label set.</summary>
    public const string UnmatchedRoute = "unmatched";

    /// <summary>What a client that went away before an answer is counted as (upstream's code for a cancelled request).</summary>
    public const int ClientClosedRequest = 499;

    public async Task InvokeAsync(HttpContext context)
    {
        var usage = RequestUsage.Begin(context);
        CountingResponseBody? body = null;
        if (observers.Audit != null)
        {
            body = CountingResponseBody.Install(context);
            usage.RequestedModel = await RequestModelPeek.ReadAsync(context.Request);
        }
        try
        {
            await next(context);
        }
        finally
        {
            if (body != null) context.Features.Set<IHttpResponseBodyFeature>(body.Inner);
            var elapsed = Stopwatch.GetElapsedTime(usage.StartTimestamp);
            var request = context.Request;
            int status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? ClientClosedRequest : context.Response.StatusCode;
            string? keyName = ApiKeyMiddleware.CallerOf(context)?.Name;
            if (observers.Metrics) CorralMetrics.RecordRequest(RouteOf(context), request.Method, status, keyName, elapsed);
            observers.Audit?.Write(new AuditEntry(
                usage.StartTime,
                keyName,
                ClientAddress(context),
                request.Method,
                request.PathBase.Add(request.Path).ToString(),
                usage.RequestedModel ?? usage.ServedModel,
                status,
                elapsed.TotalMilliseconds,
                usage.HasCompletions ? usage.PromptTokens : null,
                usage.HasCompletions ? usage.EvalTokens : null,
                body?.Bytes ?? 0));
        }
    }

    /// <summary>The matched route's pattern (<c>/api/generate</c>, <c>/api/blobs/{digest}</c>), else <see cref="UnmatchedRoute"/>.</summary>
    public static string RouteOf(HttpContext context) =>
        context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } pattern } ? pattern : UnmatchedRoute;

    private static string? ClientAddress(HttpContext context)
    {
        var ip = context.Connection.RemoteIpAddress;
        if (ip is { IsIPv4MappedToIPv6: true }) ip = ip.MapToIPv4();
        return ip?.ToString();
    }
}
