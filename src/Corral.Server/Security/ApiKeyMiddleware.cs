using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Corral.Server.Security;

/// <summary>
/// With <c>CORRAL_API_KEYS</c> set, every request except the <c>GET|HEAD /</c> heartbeat must carry a configured key
/// as <c>Authorization: Bearer &lt;key&gt;</c> (Ollama, OpenAI clients) or <c>x-api-key: &lt;key&gt;</c> (Anthropic
/// clients). Missing or wrong keys get 401, read-only keys on a changing route 403, in the path's error shape. The
/// caller's key is left in <see cref="HttpContext.Items"/> for the rate limiter, the audit log and the metrics.
/// Runs after the CORS guard, so browser preflights (which carry no credentials) are answered without a key.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeySet keys)
{
    public const string MissingKeyMessage = "missing API key: send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'";
    public const string InvalidKeyMessage = "invalid API key";

    private static readonly object s_callerItem = new();

    /// <summary>The configured key the request presented (also when it was refused as read-only); null when keys are off, for the heartbeat, or without a valid key.</summary>
    public static ApiKey? CallerOf(HttpContext context) => context.Items.TryGetValue(s_callerItem, out var k) ? k as ApiKey : null;

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (RouteAccess.IsHeartbeat(request)) return next(context);

        var presented = PresentedKey(request);
        if (presented.IsEmpty) return Refuse(context, Refusal.Unauthenticated, MissingKeyMessage);
        var key = keys.Find(presented);
        if (key is null) return Refuse(context, Refusal.Unauthenticated, InvalidKeyMessage);
        context.Items[s_callerItem] = key; // also for a refusal below: the audit log says which key tried
        if (key.ReadOnly && !RouteAccess.AllowsReadOnly(request))
            return Refuse(context, Refusal.Forbidden, $"the API key '{key.Name}' is read-only and may not call {request.Method} {request.Path}");
        return next(context);
    }

    /// <summary>The bearer token when <c>Authorization</c> has one, else <c>x-api-key</c>.</summary>
    private static ReadOnlySpan<char> PresentedKey(HttpRequest request)
    {
        const string bearer = "Bearer ";
        string authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            var token = authorization.AsSpan(bearer.Length).Trim();
            if (!token.IsEmpty) return token;
        }
        return request.Headers["x-api-key"].ToString().AsSpan().Trim();
    }

    private static Task Refuse(HttpContext context, Refusal refusal, string message)
    {
        if (refusal == Refusal.Unauthenticated) context.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        return SurfaceErrors.WriteAsync(context, refusal, message);
    }
}
