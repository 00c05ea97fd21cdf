using System.Text.Json;
using Corral.Server.Http;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.Security;

/// <summary>The refusals the access checks answer, each with the words every surface's clients understand.</summary>
public enum Refusal
{
    /// <summary>401: no key, or a wrong one.</summary>
    Unauthenticated,
    /// <summary>403: a read-only key on a route that changes models.</summary>
    Forbidden,
    /// <summary>429: over <c>CORRAL_RATE_LIMIT</c>.</summary>
    RateLimited,
}

/// <summary>
/// Writes a refusal in the error shape of the surface the path belongs to (api.md §1.4, §5.0, §6), so SDKs raise
/// their own typed errors (the OpenAI and Anthropic SDKs map 401 and 429 to AuthenticationError and RateLimitError)
/// and show the message.
/// </summary>
public static class SurfaceErrors
{
    public static Task WriteAsync(HttpContext context, Refusal refusal, string message)
    {
        var response = context.Response;
        int status = refusal switch
        {
            Refusal.Unauthenticated => StatusCodes.Status401Unauthorized,
            Refusal.Forbidden => StatusCodes.Status403Forbidden,
            _ => StatusCodes.Status429TooManyRequests,
        };
        var surface = RouteAccess.SurfaceOf(context.Request.Path);
        if (surface == ApiSurface.Native)
        {
            if (HttpMethods.IsHead(context.Request.Method)) { response.StatusCode = status; return Task.CompletedTask; }
            return ResponseWriting.WriteErrorAsync(response, status, message);
        }
        object body = surface switch
        {
            ApiSurface.OpenAI => new
            {
                error = new
                {
                    message,
                    type = refusal switch { Refusal.RateLimited => "requests", _ => "invalid_request_error" },
                    param = (string?)null,
                    code = refusal switch
                    {
                        Refusal.Unauthenticated => "invalid_api_key",
                        Refusal.Forbidden => "insufficient_permissions",
                        _ => "rate_limit_exceeded",
                    },
                },
            },
            ApiSurface.Anthropic => Anthropic.AnthropicRoutes.Error(status, message),
            _ => new
            {
                errors = new[]
                {
                    new
                    {
                        code = refusal switch { Refusal.Unauthenticated => "UNAUTHORIZED", Refusal.Forbidden => "DENIED", _ => "TOOMANYREQUESTS" },
                        message,
                        detail = (string?)null,
                    },
                },
            },
        };
        return WriteJsonAsync(context, status, body, surface == ApiSurface.Registry ? "application/json; charset=utf-8" : "application/json");
    }

    private static Task WriteJsonAsync(HttpContext context, int status, object body, string contentType)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        var json = JsonSerializer.SerializeToUtf8Bytes(body, Api.ApiJson.Options);
        // The OpenAI and Anthropic layers end their bodies with a newline (api.md §1.3); the registry does not.
        int length = json.Length + (contentType == "application/json" ? 1 : 0);
        response.ContentLength = length;
        if (HttpMethods.IsHead(context.Request.Method)) return Task.CompletedTask;
        if (length == json.Length) return response.Body.WriteAsync(json).AsTask();
        var withNewline = new byte[length];
        json.CopyTo(withNewline, 0);
        withNewline[^1] = (byte)'\n';
        return response.Body.WriteAsync(withNewline).AsTask();
    }
}
