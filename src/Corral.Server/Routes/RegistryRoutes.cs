using System.Text.Json;
using Corral.Server.Registry;
using Corral.Store;
using Corral.Store.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corral.Server.Routes;

/// <summary>
/// Corral answering the registry protocol from its own store, so one Corral can be the pull source of others (an air-gapped
/// mirror): <c>GET|HEAD /v2/</c>, manifests by tag or digest and blobs with range support, all without auth. Blobs are
/// served directly (200/206), which Corral's client accepts as well as upstream's CDN redirects. A manifest is looked up by
/// namespace/model/tag across the hosts in the store, preferring the one the request names in its Host header, then the
/// default registry. With <c>CORRAL_REGISTRY_PUSH=1</c> the upload routes accept pushes too (stored under the request's Host);
/// otherwise they answer 405 <c>UNSUPPORTED</c>.
/// </summary>
public static class RegistryRoutes
{
    /// <summary>Environment variable that turns on the registry's upload routes.</summary>
    public const string PushVariable = "CORRAL_REGISTRY_PUSH";

    private const string Prefix = "/v2/{ns}/{model}";

    public static void Map(IEndpointRouteBuilder app, CorralServer server)
    {
        var uploads = new RegistryUploads();
        bool PushEnabled() => server.Config.Bool(PushVariable);

        app.MapMethods("/v2/", ["GET", "HEAD"], (HttpContext ctx) => Base(ctx)); // also matches "/v2"

        app.MapMethods(Prefix + "/manifests/{reference}", ["GET", "HEAD"], (HttpContext ctx, string ns, string model, string reference) =>
        {
            var entry = FindManifest(server.Store, ns, model, reference, ctx.Request.Host.Value);
            if (entry is null) return Error(ctx, 404, "MANIFEST_UNKNOWN", "manifest unknown", $"{ns}/{model}:{reference}");
            var bytes = entry.Manifest.Bytes;
            var r = ctx.Response;
            r.StatusCode = 200;
            r.ContentType = entry.Manifest.MediaType.Length > 0 ? entry.Manifest.MediaType : MediaTypes.Manifest;
            r.ContentLength = bytes.Length;
            r.Headers["Docker-Content-Digest"] = Digest.Prefix + entry.Manifest.Digest;
            r.Headers.ETag = "\"" + Digest.Prefix + entry.Manifest.Digest + "\"";
            return HttpMethods.IsHead(ctx.Request.Method) ? Task.CompletedTask : r.Body.WriteAsync(bytes).AsTask();
        });

        app.MapMethods(Prefix + "/blobs/{digest}", ["GET", "HEAD"], async (HttpContext ctx, string ns, string model, string digest) =>
        {
            if (!ValidRepository(ns, model)) { await Error(ctx, 404, "NAME_UNKNOWN", "repository name not known to registry", $"{ns}/{model}"); return; }
            if (!Digest.IsValid(digest) || digest[6] != ':') { await Error(ctx, 400, "DIGEST_INVALID", "provided digest did not match uploaded content", digest); return; }
            string path = server.Store.Blobs.GetPath(digest);
            var info = new FileInfo(path);
            if (!info.Exists) { await Error(ctx, 404, "BLOB_UNKNOWN", "blob unknown to registry", digest); return; }
            ctx.Response.Headers["Docker-Content-Digest"] = digest;
            ctx.Response.Headers.ETag = "\"" + digest + "\"";
            if (HttpMethods.IsHead(ctx.Request.Method))
            {
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentType = "application/octet-stream";
                ctx.Response.ContentLength = info.Length;
                ctx.Response.Headers.AcceptRanges = "bytes";
                return;
            }
            await TypedResults.PhysicalFile(path, "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(ctx);
        });

        // ------------------------------------------------------------------ push (CORRAL_REGISTRY_PUSH=1)

        app.MapPost(Prefix + "/blobs/uploads/", async (HttpContext ctx, string ns, string model) =>
        {
            if (!PushEnabled()) { await ReadOnly(ctx); return; }
            if (!ValidRepository(ns, model)) { await Error(ctx, 400, "NAME_INVALID", "invalid repository name", $"{ns}/{model}"); return; }
            var q = ctx.Request.Query;
            string mount = q["mount"].ToString();
            if (mount.Length > 0 && Digest.IsValid(mount) && server.Store.Blobs.Exists(mount))
            {
                BlobCreated(ctx, ns, model, mount);
                return;
            }
            string monolithic = q["digest"].ToString();
            if (monolithic.Length > 0)
            {
                if (!Digest.IsValid(monolithic)) { await Error(ctx, 400, "DIGEST_INVALID", "invalid digest", monolithic); return; }
                try { await server.Store.Blobs.WriteAsync(ctx.Request.Body, monolithic, ctx.RequestAborted); }
                catch (DigestMismatchException e) { await Error(ctx, 400, "DIGEST_INVALID", e.Message, monolithic); return; }
                BlobCreated(ctx, ns, model, monolithic);
                return;
            }
            var upload = uploads.Start(server.Store.Blobs, $"{ns}/{model}");
            UploadAccepted(ctx, ns, model, upload, 0);
        });

        app.MapMethods(Prefix + "/blobs/uploads/{id}", ["PATCH"], async (HttpContext ctx, string ns, string model, string id) =>
        {
            if (!PushEnabled()) { await ReadOnly(ctx); return; }
            var upload = uploads.Find(id, $"{ns}/{model}");
            if (upload is null) { await Error(ctx, 404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry", id); return; }
            await upload.Gate.WaitAsync(ctx.RequestAborted);
            try
            {
                long size = upload.Size;
                if (ParseContentRangeStart(ctx.Request.Headers.ContentRange.ToString()) is { } first && first != size)
                {
                    ctx.Response.Headers.Range = size > 0 ? $"0-{size - 1}" : "0-0";
                    await Error(ctx, 416, "BLOB_UPLOAD_INVALID", $"chunk starts at {first} but {size} bytes were received so far", id);
                    return;
                }
                long received = await AppendAsync(upload, ctx);
                UploadAccepted(ctx, ns, model, upload, received);
            }
            finally
            {
                upload.Gate.Release();
            }
        });

        app.MapPut(Prefix + "/blobs/uploads/{id}", async (HttpContext ctx, string ns, string model, string id) =>
        {
            if (!PushEnabled()) { await ReadOnly(ctx); return; }
            var upload = uploads.Find(id, $"{ns}/{model}");
            if (upload is null) { await Error(ctx, 404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry", id); return; }
            string digest = ctx.Request.Query["digest"].ToString();
            if (!Digest.IsValid(digest)) { await Error(ctx, 400, "DIGEST_INVALID", "missing or invalid digest", digest); return; }
            await upload.Gate.WaitAsync(ctx.RequestAborted);
            try
            {
                await AppendAsync(upload, ctx);
                try
                {
                    server.Store.Blobs.Import(upload.TempPath, move: true, expectedDigest: digest);
                }
                catch (DigestMismatchException e)
                {
                    await Error(ctx, 400, "DIGEST_INVALID", $"provided digest did not match uploaded content: want {digest}, got {e.Actual}", digest);
                    return;
                }
                BlobCreated(ctx, ns, model, digest);
            }
            finally
            {
                upload.Gate.Release();
                uploads.End(upload);
            }
        });

        app.MapDelete(Prefix + "/blobs/uploads/{id}", async (HttpContext ctx, string ns, string model, string id) =>
        {
            if (!PushEnabled()) { await ReadOnly(ctx); return; }
            var upload = uploads.Find(id, $"{ns}/{model}");
            if (upload is null) { await Error(ctx, 404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry", id); return; }
            uploads.End(upload);
            ctx.Response.StatusCode = 204;
        });

        app.MapPut(Prefix + "/manifests/{reference}", async (HttpContext ctx, string ns, string model, string reference) =>
        {
            if (!PushEnabled()) { await ReadOnly(ctx); return; }
            string host = ctx.Request.Host.Value ?? "";
            var name = new ModelName(host, ns, model, reference);
            if (!name.IsValid) { await Error(ctx, 400, "NAME_INVALID", "invalid model name", $"{host}/{ns}/{model}:{reference}"); return; }
            byte[] bytes;
            using (var buffer = new MemoryStream())
            {
                await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
                if (buffer.Length > RegistryClient.MaxManifestBytes) { await Error(ctx, 413, "SIZE_INVALID", "manifest too large", null); return; }
                bytes = buffer.ToArray();
            }
            Manifest manifest;
            try { manifest = Manifest.Parse(bytes, name.ToString()); }
            catch (ManifestFormatException e) { await Error(ctx, 400, "MANIFEST_INVALID", e.Message, null); return; }
            foreach (var d in manifest.ReferencedDigests)
            {
                if (!Digest.IsValid(d) || !server.Store.Blobs.Exists(d))
                {
                    await Error(ctx, 400, "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry", d);
                    return;
                }
            }
            server.Store.WriteManifestBytes(server.Store.Canonicalize(name), bytes);
            ctx.Response.StatusCode = 201;
            ctx.Response.Headers.Location = $"/v2/{ns}/{model}/manifests/{reference}";
            ctx.Response.Headers["Docker-Content-Digest"] = Digest.Of(bytes);
        });
    }

    private static Task Base(HttpContext ctx)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        ctx.Response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
        ctx.Response.ContentLength = 2;
        return HttpMethods.IsHead(ctx.Request.Method) ? Task.CompletedTask : ctx.Response.WriteAsync("{}");
    }

    private static bool ValidRepository(string ns, string model) =>
        ModelName.IsValidPart(ModelNamePart.Namespace, ns) && ModelName.IsValidPart(ModelNamePart.Model, model);

    /// <summary>
    /// The stored manifest for <c>ns/model</c> at a tag (or a <c>sha256:</c> manifest digest), across hosts: the request's
    /// host first, then the default registry, then the first in path order.
    /// </summary>
    internal static ManifestEntry? FindManifest(ModelStore store, string ns, string model, string reference, string? requestHost)
    {
        if (!ValidRepository(ns, model)) return null;
        bool byDigest = reference.StartsWith(Digest.Prefix, StringComparison.Ordinal);
        if (!byDigest && !ModelName.IsValidPart(ModelNamePart.Tag, reference)) return null;
        var candidates = store.ListManifestNames()
            .Where(n => string.Equals(n.Namespace, ns, StringComparison.OrdinalIgnoreCase)
                        && string.Equals(n.Model, model, StringComparison.OrdinalIgnoreCase)
                        && (byDigest || string.Equals(n.Tag, reference, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(n => string.Equals(n.Host, requestHost, StringComparison.OrdinalIgnoreCase) ? 0
                        : string.Equals(n.Host, ModelName.DefaultHost, StringComparison.OrdinalIgnoreCase) ? 1 : 2)
            .ToList();
        foreach (var n in candidates)
        {
            ManifestEntry? entry;
            try { entry = store.TryGetManifest(n); }
            catch (ManifestFormatException) { continue; }
            if (entry is null) continue;
            if (!byDigest || Digest.Prefix + entry.Manifest.Digest == reference) return entry;
        }
        return null;
    }

    private static async Task<long> AppendAsync(RegistryUpload upload, HttpContext ctx)
    {
        await using var file = new FileStream(upload.TempPath, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        await ctx.Request.Body.CopyToAsync(file, ctx.RequestAborted);
        await file.FlushAsync(ctx.RequestAborted);
        return file.Length;
    }

    /// <summary>The first offset of <c>Content-Range: &lt;first&gt;-&lt;last&gt;</c> (the unit prefix <c>bytes </c> is tolerated).</summary>
    internal static long? ParseContentRangeStart(string header)
    {
        string h = header.Trim();
        if (h.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase)) h = h[6..];
        int dash = h.IndexOf('-');
        return dash > 0 && long.TryParse(h.AsSpan(0, dash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long v) ? v : null;
    }

    private static string AbsoluteUrl(HttpContext ctx, string path) => $"{ctx.Request.Scheme}://{ctx.Request.Host}{path}";

    private static void UploadAccepted(HttpContext ctx, string ns, string model, RegistryUpload upload, long size)
    {
        var r = ctx.Response;
        r.StatusCode = 202;
        string location = AbsoluteUrl(ctx, $"/v2/{ns}/{model}/blobs/uploads/{upload.Id}");
        r.Headers.Location = location;
        r.Headers["Docker-Upload-Location"] = location;
        r.Headers["Docker-Upload-UUID"] = upload.Id;
        r.Headers.Range = size > 0 ? $"0-{size - 1}" : "0-0";
        r.ContentLength = 0;
    }

    private static void BlobCreated(HttpContext ctx, string ns, string model, string digest)
    {
        var r = ctx.Response;
        r.StatusCode = 201;
        r.Headers.Location = AbsoluteUrl(ctx, $"/v2/{ns}/{model}/blobs/{digest}");
        r.Headers["Docker-Content-Digest"] = digest;
        r.ContentLength = 0;
    }

    private static Task ReadOnly(HttpContext ctx) =>
        Error(ctx, 405, "UNSUPPORTED", $"this Corral registry is read-only; start the server with {PushVariable}=1 to accept pushes", null);

    /// <summary>A registry error body: <c>{"errors":[{"code":…,"message":…,"detail":…}]}</c>.</summary>
    private static Task Error(HttpContext ctx, int status, string code, string message, string? detail)
    {
        var r = ctx.Response;
        r.StatusCode = status;
        r.ContentType = "application/json; charset=utf-8";
        var body = JsonSerializer.SerializeToUtf8Bytes(new { errors = new[] { new { code, message, detail } } });
        r.ContentLength = body.Length;
        return HttpMethods.IsHead(ctx.Request.Method) ? Task.CompletedTask : r.Body.WriteAsync(body).AsTask();
    }
}
