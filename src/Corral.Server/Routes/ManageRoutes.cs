using Corral.Config;
using Corral.Server.Api;
using Corral.Server.Http;
using Corral.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corral.Server.Routes;

/// <summary><c>GET /api/ps</c>, <c>POST /api/copy</c>, <c>DELETE /api/delete</c> and <c>GET /api/status</c> (api.md §4.9, 4.13, 4.14, 4.16).</summary>
public static class ManageRoutes
{
    public static void Map(IEndpointRouteBuilder app, CorralServer server)
    {
        app.MapGet("/api/ps", (HttpContext ctx) => ResponseWriting.WriteJsonAsync(ctx.Response, Ps(server)));

        app.MapPost("/api/copy", async (HttpContext ctx) =>
        {
            var req = await RequestReading.ReadJsonAsync<CopyRequest>(ctx.Request);
            string source = req.Source ?? "", destination = req.Destination ?? "";
            var src = ModelName.Parse(source);
            if (!src.IsValid) throw ApiException.BadRequest($"source {GoFormat.Quote(source)} is invalid");
            var dst = ModelName.Parse(destination);
            if (!dst.IsValid) throw ApiException.BadRequest($"destination {GoFormat.Quote(destination)} is invalid");
            // A name that exists in another letter case would become a second, clashing model.
            var existing = server.Store.Canonicalize(dst);
            if (existing.ManifestRelativePath != dst.ManifestRelativePath && server.Store.Exists(existing))
                throw ApiException.BadRequest("a model with that name already exists");
            try
            {
                server.Store.Copy(server.Store.Canonicalize(src), dst);
            }
            catch (ModelNotFoundException)
            {
                throw ApiException.NotFound($"model {GoFormat.Quote(source)} not found");
            }
            ctx.Response.StatusCode = 200;
        });

        app.MapDelete("/api/delete", async (HttpContext ctx) =>
        {
            var req = await RequestReading.ReadJsonAsync<DeleteRequest>(ctx.Request);
            string requested = !string.IsNullOrEmpty(req.Model) ? req.Model : req.Name ?? "";
            var name = ModelName.Parse(requested);
            if (!name.IsValid) throw ApiException.BadRequest($"name {GoFormat.Quote(requested)} is invalid");
            try
            {
                server.Store.Delete(server.Store.Canonicalize(name));
            }
            catch (ModelNotFoundException)
            {
                throw ApiException.NotFound($"model '{requested}' not found");
            }
            ctx.Response.StatusCode = 200;
        });

        app.MapGet("/api/status", (HttpContext ctx) => ResponseWriting.WriteJsonAsync(ctx.Response, new StatusResponse
        {
            Cloud = new CloudStatus { Disabled = server.Config.NoCloud, Source = server.Config.NoCloudSource },
        }));
    }

    /// <summary>Loaded models, latest expiry first; <c>context_length</c> is the per-slot context the runner was started with.</summary>
    public static PsResponse Ps(CorralServer server) => new()
    {
        Models = server.Scheduler.Snapshot()
            .OrderByDescending(m => m.Expires)
            .Select(m => new RunningModel
            {
                Name = m.Name,
                Model = m.Name,
                Size = m.Size,
                Digest = m.Digest,
                Details = TagsRoutes.ToApi(m.Details with { ContextLength = 0, EmbeddingLength = 0 }),
                ExpiresAt = ApiJson.LocalTimestamp(m.Expires),
                SizeVram = 0,
                ContextLength = m.Options.ContextLength,
            })
            .ToList(),
    };
}
