using System.Diagnostics;
using System.Text.Json;
using Corral.Server.Api;
using Corral.Server.Generation;
using Corral.Server.Http;
using Corral.Server.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corral.Server.Routes;

/// <summary><c>POST /api/generate</c> (api.md §4.3, runtime.md §10.4).</summary>
public static class GenerateRoutes
{
    public static void Map(IEndpointRouteBuilder app, CorralServer server)
    {
        app.MapPost("/api/generate", async (HttpContext ctx) =>
        {
            var req = await RequestReading.ReadJsonAsync<GenerateRequest>(ctx.Request);
            await HandleAsync(server, ctx, req);
        });
    }

    public static async Task HandleAsync(CorralServer server, HttpContext ctx, GenerateRequest req)
    {
        var started = Stopwatch.StartNew();
        var stored = RequestResolution.ResolveModel(server, req.Model, ModelRoute.Generate);
        bool raw = req.Raw == true;
        if (raw && (!string.IsNullOrEmpty(req.Template) || !string.IsNullOrEmpty(req.System) || req.Context is { Length: > 0 }))
            throw ApiException.BadRequest("raw mode does not support template, system, or context");
        if (req.TopLogprobs is < 0 or > 20) throw ApiException.BadRequest("top_logprobs must be between 0 and 20");
        var keepAlive = RequestResolution.KeepAlive(req.KeepAlive);
        var options = RequestResolution.Options(server, stored, req.Options);
        string modelName = req.Model!;

        var spec = ModelLoading.Spec(server, stored, options.NumCtx, options.IsExplicit("num_batch") ? options.NumBatch : null, options.NumThread);
        // Empty prompt: load or unload only, one object even when streaming (api.md §4.3).
        if (string.IsNullOrEmpty(req.Prompt) && string.IsNullOrEmpty(req.Suffix))
        {
            if (keepAlive == TimeSpan.Zero)
            {
                server.Scheduler.Unload(spec.Key);
                await ResponseWriting.WriteJsonAsync(ctx.Response, new GenerateResponse { Model = modelName, CreatedAt = ApiJson.Timestamp(DateTimeOffset.UtcNow), Done = true, DoneReason = "unload" });
                return;
            }
            using var loadLease = await server.Scheduler.AcquireAsync(spec, keepAlive, ctx.RequestAborted);
            await ResponseWriting.WriteJsonAsync(ctx.Response, new GenerateResponse { Model = modelName, CreatedAt = ApiJson.Timestamp(DateTimeOffset.UtcNow), Done = true, DoneReason = "load" });
            return;
        }

        string prompt = raw ? req.Prompt ?? "" : PromptRendering.RenderGenerate(stored, req);
        if (req.DebugRenderOnly == true)
        {
            await ResponseWriting.WriteJsonAsync(ctx.Response, new GenerateResponse
            {
                Model = modelName,
                CreatedAt = ApiJson.Timestamp(DateTimeOffset.UtcNow),
                DebugInfo = new DebugInfo { RenderedTemplate = prompt, ImageCount = req.Images?.Length ?? 0 },
            });
            return;
        }

        using var lease = await server.Scheduler.AcquireAsync(spec, keepAlive, ctx.RequestAborted);
        var sink = new GenerateSink(ctx.Response, modelName, req.Stream != false);
        var input = new GenerationInput
        {
            Prompt = prompt,
            ContextTokens = raw ? null : req.Context,
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
                Context = [.. result.PromptTokens, .. result.OutputTokens],
            }, ctx.RequestAborted);
        }
        catch (ApiException e) when (sink.Stream.Started)
        {
            await sink.Stream.FailAsync(e.Status, e.Message);
        }
    }
}
