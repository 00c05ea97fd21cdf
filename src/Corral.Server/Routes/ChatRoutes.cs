using System.Diagnostics;
using Corral.Server.Api;
using Corral.Server.Generation;
using Corral.Server.Http;
using Corral.Server.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corral.Server.Routes;

/// <summary><c>POST /api/chat</c> (api.md §4.4, runtime.md §10.3).</summary>
public static class ChatRoutes
{
    public static void Map(IEndpointRouteBuilder app, CorralServer server)
    {
        app.MapPost("/api/chat", async (HttpContext ctx) =>
        {
            var req = await RequestReading.ReadJsonAsync<ChatRequest>(ctx.Request);
            await HandleAsync(server, ctx, req);
        });
    }

    public static async Task HandleAsync(CorralServer server, HttpContext ctx, ChatRequest req)
    {
        var started = Stopwatch.StartNew();
        var stored = RequestResolution.ResolveModel(server, req.Model, ModelRoute.Chat);
        if (req.TopLogprobs is < 0 or > 20) throw ApiException.BadRequest("top_logprobs must be between 0 and 20");
        var keepAlive = RequestResolution.KeepAlive(req.KeepAlive);
        var options = RequestResolution.Options(server, stored, req.Options);
        string modelName = req.Model!;
        foreach (var m in req.Messages ?? []) m.Role = m.Role.ToLowerInvariant();

        var spec = ModelLoading.Spec(server, stored, options.NumCtx, options.IsExplicit("num_batch") ? options.NumBatch : null, options.NumThread);
        if (req.Messages is not { Count: > 0 })
        {
            var reply = new ChatResponse { Model = modelName, CreatedAt = ApiJson.Timestamp(DateTimeOffset.UtcNow), Done = true };
            if (keepAlive == TimeSpan.Zero)
            {
                server.Scheduler.Unload(spec.Key);
                reply.DoneReason = "unload";
            }
            else
            {
                using var loadLease = await server.Scheduler.AcquireAsync(spec, keepAlive, ctx.RequestAborted);
                reply.DoneReason = "load";
            }
            await ResponseWriting.WriteJsonAsync(ctx.Response, reply);
            return;
        }

        string prompt = PromptRendering.RenderChat(stored, req.Messages);
        if (req.DebugRenderOnly == true)
        {
            await ResponseWriting.WriteJsonAsync(ctx.Response, new ChatResponse
            {
                Model = modelName,
                CreatedAt = ApiJson.Timestamp(DateTimeOffset.UtcNow),
                DebugInfo = new DebugInfo { RenderedTemplate = prompt, ImageCount = req.Messages.Sum(m => m.Images?.Count ?? 0) },
            });
            return;
        }

        using var lease = await server.Scheduler.AcquireAsync(spec, keepAlive, ctx.RequestAborted);
        var sink = new ChatSink(ctx.Response, modelName, req.Stream != false);
        var input = new GenerationInput
        {
            Prompt = prompt,
            Options = options,
            Truncate = req.Truncate != false,
            Shift = req.Shift != false,
            TopLogprobs = req.Logprobs == true ? req.TopLogprobs ?? 0 : -1,
        };
        try
        {
            var result = await TextGeneration.RunAsync(lease.Model, input,
                chunk => sink.ChunkAsync(new ResponseChunk { Content = chunk.Text, Logprobs = LogprobMapping.Map(lease.Model, chunk) }, ctx.RequestAborted),
                ctx.RequestAborted);
            var stats = result.Stats;
            await sink.DoneAsync(new ResponseFinal
            {
                DoneReason = result.DoneReason,
                TotalDuration = started.Elapsed,
                LoadDuration = lease.LoadDuration,
                PromptEvalCount = result.PromptTokens.Length,
                PromptEvalDuration = stats.PromptDuration,
                EvalCount = stats.Generated,
                EvalDuration = stats.GenerationDuration,
                Truncated = result.Truncated,
            }, ctx.RequestAborted);
        }
        catch (ApiException e) when (sink.Stream.Started)
        {
            await sink.Stream.FailAsync(e.Status, e.Message);
        }
    }
}
