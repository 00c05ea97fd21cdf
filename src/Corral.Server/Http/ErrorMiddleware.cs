using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Corral.Server.Http;

/// <summary>
/// Turns <see cref="ApiException"/> into upstream's <c>{"error": ...}</c> body with its status, and any
/// other exception into a 500 with a one-line message (logged with its stack trace, never sent).
/// </summary>
public sealed class ErrorMiddleware(RequestDelegate next, ILogger<ErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (ApiException e)
        {
            if (!context.Response.HasStarted) await ResponseWriting.WriteErrorAsync(context.Response, e.Status, e.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // Client went away; nothing to answer.
        }
        catch (Exception e)
        {
            logger.LogError(e, "unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
            if (!context.Response.HasStarted) await ResponseWriting.WriteErrorAsync(context.Response, 500, e.Message);
        }
    }
}
