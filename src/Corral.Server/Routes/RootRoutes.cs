using Corral.Server.Api;
using Corral.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corral.Server.Routes;

/// <summary><c>GET|HEAD /</c> heartbeat and <c>/api/version</c>.</summary>
public static class RootRoutes
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapMethods("/", ["GET", "HEAD"], async (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "text/plain; charset=utf-8";
            if (HttpMethods.IsHead(ctx.Request.Method)) return;
            await ctx.Response.WriteAsync("Ollama is running");
        });
        app.MapMethods("/api/version", ["GET", "HEAD"], (HttpContext ctx) =>
            ResponseWriting.WriteJsonAsync(ctx.Response, new VersionResponse { Version = CorralVersion.Ollama }));
    }
}
