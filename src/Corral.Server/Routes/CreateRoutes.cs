using System.Text.Json;
using Corral.Engine.Quantization;
using Corral.Server.Api;
using Corral.Server.Http;
using Corral.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Corral.Server.Routes;

/// <summary><c>POST /api/create</c> (api.md §4.12, runtime.md §6.3), streaming upstream's progress statuses.</summary>
public static class CreateRoutes
{
    public static void Map(IEndpointRouteBuilder app, CorralServer server)
    {
        app.MapPost("/api/create", async (HttpContext ctx) =>
        {
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
            if (buffer.Length == 0) throw ApiException.BadRequest("missing request body");
            CreateModelRequest req;
            try
            {
                using var doc = JsonDocument.Parse(buffer.ToArray());
                req = CreateModelRequest.FromJson(doc.RootElement);
            }
            catch (JsonException e) { throw ApiException.BadRequest(RequestReading.DescribeJsonError(e)); }
            catch (CreateModelException e) { throw new ApiException(e.IsBadRequest ? 400 : 500, e.Message); }
            catch (StoreException e) { throw ApiException.BadRequest(e.Message); }

            var name = ModelName.Parse(req.Model ?? "");
            if (string.IsNullOrEmpty(req.Model) || !name.IsValid) throw ApiException.BadRequest("invalid model name");
            if (string.IsNullOrEmpty(req.From) && req.Files is not { Count: > 0 } && string.IsNullOrEmpty(req.RemoteHost))
                throw ApiException.BadRequest("neither 'from' or 'files' was specified");

            var creator = new ModelCreator(server.Store, Hooks(server));
            await ProgressStreaming.RunAsync(ctx, req.Stream != false, (progress, ct) =>
                creator.CreateAsync(server.Store.Canonicalize(name), req, p => progress(new ProgressResponse
                {
                    Status = p.Status,
                    Digest = p.Digest,
                    Total = p.Total,
                    Completed = p.Completed,
                }), ct));
        });
    }

    public static CreateHooks Hooks(CorralServer server) => new()
    {
        Quantize = (job, ct) => Task.Run(() =>
        {
            var log = server.LoggerFactory.CreateLogger("Corral.Quantize");
            long last = 0;
            var result = ModelQuantizer.Quantize(job.SourcePath, job.OutputPath, LlamaFileTypes.Parse(job.TargetFileType),
                new Progress(p =>
                {
                    long delta = p.BytesDone - Interlocked.Exchange(ref last, p.BytesDone);
                    if (delta > 0) job.ReportProgress(delta);
                }), threads: 0, cancellationToken: ct);
            log.LogInformation("quantized to {Type}: {Tensors} tensors in {Seconds:F1} s", job.TargetFileType, result.TensorCount, result.Elapsed.TotalSeconds);
        }, ct),
        ValidateTemplate = Generation.PromptRendering.ValidateTemplate,
    };

    /// <summary>A synchronous IProgress (System.Progress posts to the thread pool, which would reorder reports).</summary>
    private sealed class Progress(Action<QuantizeProgress> report) : IProgress<QuantizeProgress>
    {
        public void Report(QuantizeProgress value) => report(value);
    }
}
