using Corral.Server.Api;
using Corral.Server.Generation;
using Corral.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corral.Server.Routes;

/// <summary><c>POST /api/generate</c> and <c>POST /api/chat</c>: native NDJSON framing over the shared pipelines.</summary>
public static class GenerateRoutes
{
    public static void Map(IEndpointRouteBuilder app, CorralServer server)
    {
        app.MapPost("/api/generate", async (HttpContext ctx) =>
        {
            var req = await RequestReading.ReadJsonAsync<GenerateRequest>(ctx.Request);
            var sink = new GenerateSink(ctx.Response, req.Model ?? "", req.Stream != false);
            await RunAsync(sink, () => GeneratePipeline.RunAsync(server, req, sink, ctx.RequestAborted));
        });
        app.MapPost("/api/chat", async (HttpContext ctx) =>
        {
            var req = await RequestReading.ReadJsonAsync<ChatRequest>(ctx.Request);
            var sink = new ChatSink(ctx.Response, req.Model ?? "", req.Stream != false);
            await RunAsync(sink, () => ChatPipeline.RunAsync(server, req, sink, ctx.RequestAborted));
        });
    }

    /// <summary>Errors before the first streamed byte become normal responses (rethrown); later ones an in-band error line.</summary>
    public static async Task RunAsync(IResponseSink sink, Func<Task> pipeline)
    {
        try
        {
            await pipeline();
        }
        catch (ApiException e) when (sink.Started)
        {
            await sink.FailAsync(e.Status, e.Message);
        }
    }
}
