using Corral.Server.Http;
using Corral.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corral.Server.Routes;

/// <summary><c>HEAD|POST /api/blobs/:digest</c> (api.md §4.15): uploads are hashed while streamed to a temp file and only renamed into place when the digest matches.</summary>
public static class BlobRoutes
{
    public static void Map(IEndpointRouteBuilder app, CorralServer server)
    {
        app.MapMethods("/api/blobs/{digest}", ["HEAD"], (HttpContext ctx, string digest) =>
        {
            var blobs = server.Store.Blobs;
            if (!Digest.IsValid(digest)) throw ApiException.BadRequest("invalid digest format");
            if (!blobs.Exists(digest)) throw ApiException.NotFound($"blob \"{digest}\" not found");
            ctx.Response.StatusCode = 200;
            return Task.CompletedTask;
        });
        app.MapPost("/api/blobs/{digest}", async (HttpContext ctx, string digest) =>
        {
            var blobs = server.Store.Blobs;
            if (!Digest.IsValid(digest)) throw ApiException.BadRequest("invalid digest format");
            if (blobs.Exists(digest))
            {
                blobs.Touch(digest);
                ctx.Response.StatusCode = 200;
                return;
            }
            try
            {
                var result = await blobs.WriteAsync(ctx.Request.Body, digest, ctx.RequestAborted);
                ctx.Response.StatusCode = result.Created ? 201 : 200;
            }
            catch (DigestMismatchException e)
            {
                throw ApiException.BadRequest(e.Message);
            }
            catch (DiskFullException e)
            {
                throw ApiException.Internal(e.Message);
            }
        });
    }
}
