using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Corral.Store.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Corral.Server.Tests.Registry;

/// <summary>
/// A small registry speaking the protocol the way registry.ollama.ai does, for client tests: every <c>/v2/</c> route wants
/// a bearer token and answers 401 with a challenge whose realm is this server's <c>/token</c>, which hands out tokens only
/// for correctly signed requests; blob GETs redirect (307) to a "CDN" on another host name (<c>localhost</c>) serving
/// ranges; pushes take PATCH chunks (or 307-redirected PUTs) and check digest and etag on commit. Switches make the CDN
/// drop connections, stall, fail with 503 or serve corrupted bytes; every request is recorded.
/// </summary>
public sealed class TestRegistry : IAsyncDisposable
{
    private static readonly string s_emptyBodyHash = Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData([]))));

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> _repoBlobs = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, byte[]> _manifests = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _tokens = new();
    private readonly ConcurrentDictionary<string, Upload> _uploads = new();
    private int _failCdn, _dropCdn, _stallCdn;

    private sealed class Upload(string repository)
    {
        public string Repository { get; } = repository;
        public SortedDictionary<long, byte[]> Chunks { get; } = [];
    }

    private TestRegistry(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>: the host part of model names served here.</summary>
    public string Host => $"127.0.0.1:{Port}";

    // ------------------------------------------------------------------ switches

    public bool RequireAuth { get; set; } = true;

    /// <summary>Overrides the realm of the challenge (default <c>http://127.0.0.1:port/token</c>).</summary>
    public string? Realm { get; set; }

    /// <summary>Which signing keys get a token (by authorized-keys line); null accepts any valid signature.</summary>
    public Func<string, bool>? AcceptKey { get; set; }

    /// <summary>Blob GETs answer 307 to the CDN (default) or serve the bytes themselves.</summary>
    public bool RedirectBlobs { get; set; } = true;

    /// <summary>The next N CDN requests answer 503.</summary>
    public int FailCdnRequests { set => Volatile.Write(ref _failCdn, value); }

    /// <summary>The next N CDN responses are cut (connection aborted) after <see cref="DropAfterBytes"/> bytes.</summary>
    public int DropCdnResponses { set => Volatile.Write(ref _dropCdn, value); }

    public int DropAfterBytes { get; set; } = 5000;

    /// <summary>The next N CDN responses stop sending after <see cref="DropAfterBytes"/> bytes for <see cref="StallFor"/>.</summary>
    public int StallCdnResponses { set => Volatile.Write(ref _stallCdn, value); }

    public TimeSpan StallFor { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Pause after each 4 KiB the CDN sends (to keep downloads in flight).</summary>
    public TimeSpan CdnChunkDelay { get; set; }

    /// <summary>Blobs the CDN serves with one byte flipped.</summary>
    public ConcurrentDictionary<string, bool> CorruptDigests { get; } = new();

    /// <summary>PATCHes carrying <c>X-Redirect-Uploads: 1</c> answer 307 to a pre-signed PUT URL on the CDN host.</summary>
    public bool RedirectUploads { get; set; }

    // ------------------------------------------------------------------ records

    public ConcurrentQueue<string> Requests { get; } = new();
    public ConcurrentQueue<(string Digest, long Start, long End)> CdnRanges { get; } = new();
    public ConcurrentDictionary<string, long> CdnBytes { get; } = new();
    public ConcurrentQueue<string> TokenKeys { get; } = new();
    public ConcurrentQueue<string> Uploaded { get; } = new();
    public ConcurrentQueue<string> Mounted { get; } = new();
    public ConcurrentQueue<string> PatchRanges { get; } = new();
    public ConcurrentQueue<string> RedirectedPuts { get; } = new();

    public int Count(string method, string pathContains) =>
        Requests.Count(r => r.StartsWith(method + " ", StringComparison.Ordinal) && r.Contains(pathContains, StringComparison.Ordinal));

    // ------------------------------------------------------------------ content

    public string AddBlob(string repository, byte[] data)
    {
        string digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));
        _blobs[digest] = data;
        _repoBlobs.GetOrAdd(repository, _ => new())[digest] = true;
        return digest;
    }

    public bool HasBlob(string repository, string digest) => _repoBlobs.TryGetValue(repository, out var set) && set.ContainsKey(digest);

    public byte[]? Blob(string digest) => _blobs.TryGetValue(digest, out var b) ? b : null;

    public void SetManifest(string repository, string tag, byte[] bytes) => _manifests[repository + ":" + tag] = bytes;

    public byte[]? Manifest(string repository, string tag) => _manifests.TryGetValue(repository + ":" + tag, out var b) ? b : null;

    public static async Task<TestRegistry> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        TestRegistry? self = null;
        app.Use(async (ctx, next) =>
        {
            self!.Requests.Enqueue($"{ctx.Request.Method} {ctx.Request.Path}{ctx.Request.QueryString}");
            if (ctx.Request.Path.StartsWithSegments("/v2") && self.RequireAuth && !self.Authorized(ctx))
            {
                self.Challenge(ctx);
                return;
            }
            await next(ctx);
        });
        app.MapGet("/token", ctx => self!.TokenAsync(ctx));
        app.MapMethods("/v2/{ns}/{model}/manifests/{tag}", ["GET", "HEAD"], (HttpContext ctx, string ns, string model, string tag) => self!.GetManifestAsync(ctx, ns, model, tag));
        app.MapPut("/v2/{ns}/{model}/manifests/{tag}", (HttpContext ctx, string ns, string model, string tag) => self!.PutManifestAsync(ctx, ns, model, tag));
        app.MapMethods("/v2/{ns}/{model}/blobs/{digest}", ["HEAD"], (HttpContext ctx, string ns, string model, string digest) => self!.HeadBlob(ctx, ns, model, digest));
        app.MapGet("/v2/{ns}/{model}/blobs/{digest}", (HttpContext ctx, string ns, string model, string digest) => self!.GetBlobAsync(ctx, ns, model, digest));
        app.MapGet("/cdn/{digest}", (HttpContext ctx, string digest) => self!.ServeBlobAsync(ctx, digest));
        app.MapPost("/v2/{ns}/{model}/blobs/uploads/", (HttpContext ctx, string ns, string model) => self!.StartUpload(ctx, ns, model));
        app.MapMethods("/v2/{ns}/{model}/blobs/uploads/{id}", ["PATCH"], (HttpContext ctx, string ns, string model, string id) => self!.PatchAsync(ctx, ns, model, id));
        app.MapPut("/v2/{ns}/{model}/blobs/uploads/{id}", (HttpContext ctx, string ns, string model, string id) => self!.CommitAsync(ctx, ns, model, id));
        app.MapPut("/s3/{id}/{offset:long}", (HttpContext ctx, string id, long offset) => self!.PresignedPutAsync(ctx, id, offset));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        self = new TestRegistry(app, address.Port);
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // ------------------------------------------------------------------ auth

    private bool Authorized(HttpContext ctx)
    {
        string h = ctx.Request.Headers.Authorization.ToString();
        return h.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.ContainsKey(h["Bearer ".Length..]);
    }

    private void Challenge(HttpContext ctx)
    {
        var segments = ctx.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string repo = segments.Length >= 3 ? $"{segments[1]}/{segments[2]}" : "";
        string action = HttpMethods.IsGet(ctx.Request.Method) || HttpMethods.IsHead(ctx.Request.Method) ? "pull" : "push,pull";
        string realm = Realm ?? $"http://127.0.0.1:{Port}/token";
        ctx.Response.StatusCode = 401;
        ctx.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{realm}\",service=\"test-registry\",scope=\"repository:{repo}:{action}\"";
        ctx.Response.ContentType = "application/json";
    }

    private async Task TokenAsync(HttpContext ctx)
    {
        // Reconstruct the URL exactly as requested and check the signature over GET,<url>,<empty-body hash>.
        string target = ctx.Features.Get<IHttpRequestFeature>()!.RawTarget;
        string url = $"http://{ctx.Request.Host}{target}";
        var q = ctx.Request.Query;
        string? signer = RegistryKey.VerifyAuthorization(ctx.Request.Headers.Authorization.ToString(), Encoding.UTF8.GetBytes($"GET,{url},{s_emptyBodyHash}"));
        bool wellFormed = q["service"] == "test-registry" && q["scope"].Count >= 1 && long.TryParse(q["ts"], out _) && q["nonce"].ToString().Length == 22;
        if (signer is null || !wellFormed || (AcceptKey is not null && !AcceptKey(signer)))
        {
            ctx.Response.StatusCode = 401;
            await ctx.Response.WriteAsync("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"unauthorized\"}]}");
            return;
        }
        TokenKeys.Enqueue(signer);
        string token = "t-" + Guid.NewGuid().ToString("N");
        _tokens[token] = true;
        await ctx.Response.WriteAsJsonAsync(new { token });
    }

    // ------------------------------------------------------------------ pull side

    private async Task GetManifestAsync(HttpContext ctx, string ns, string model, string tag)
    {
        var bytes = Manifest($"{ns}/{model}", tag);
        if (bytes is null)
        {
            await NotFound(ctx, "MANIFEST_UNKNOWN");
            return;
        }
        ctx.Response.ContentType = "application/vnd.docker.distribution.manifest.v2+json";
        ctx.Response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(ctx.Request.Method)) await ctx.Response.Body.WriteAsync(bytes);
    }

    private Task HeadBlob(HttpContext ctx, string ns, string model, string digest)
    {
        if (!HasBlob($"{ns}/{model}", digest))
        {
            ctx.Response.StatusCode = 404;
            return Task.CompletedTask;
        }
        ctx.Response.ContentLength = _blobs[digest].Length;
        return Task.CompletedTask;
    }

    private Task GetBlobAsync(HttpContext ctx, string ns, string model, string digest)
    {
        if (!HasBlob($"{ns}/{model}", digest)) return NotFound(ctx, "BLOB_UNKNOWN");
        if (!RedirectBlobs) return ServeBlobAsync(ctx, digest);
        ctx.Response.StatusCode = 307;
        ctx.Response.Headers.Location = $"http://localhost:{Port}/cdn/{digest}?X-Signature=abc";
        return Task.CompletedTask;
    }

    private async Task ServeBlobAsync(HttpContext ctx, string digest)
    {
        if (!_blobs.TryGetValue(digest, out var data))
        {
            await NotFound(ctx, "BLOB_UNKNOWN");
            return;
        }
        if (Interlocked.Decrement(ref _failCdn) >= 0)
        {
            ctx.Response.StatusCode = 503;
            await ctx.Response.WriteAsync("slow down");
            return;
        }
        if (CorruptDigests.ContainsKey(digest))
        {
            data = (byte[])data.Clone();
            data[data.Length / 2] ^= 0xFF;
        }
        long start = 0, end = data.Length - 1;
        string range = ctx.Request.Headers.Range.ToString();
        if (range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            var parts = range[6..].Split('-');
            start = long.Parse(parts[0]);
            if (parts[1].Length > 0) end = Math.Min(long.Parse(parts[1]), data.Length - 1);
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers.ContentRange = $"bytes {start}-{end}/{data.Length}";
        }
        CdnRanges.Enqueue((digest, start, end));
        ctx.Response.ContentLength = end - start + 1;
        ctx.Response.ContentType = "application/octet-stream";

        bool drop = Interlocked.Decrement(ref _dropCdn) >= 0;
        bool stall = !drop && Interlocked.Decrement(ref _stallCdn) >= 0;
        long sent = 0;
        for (long pos = start; pos <= end;)
        {
            int n = (int)Math.Min(4096, end - pos + 1);
            if ((drop || stall) && sent + n > DropAfterBytes) n = (int)Math.Max(0, DropAfterBytes - sent);
            if (n > 0)
            {
                await ctx.Response.Body.WriteAsync(data.AsMemory((int)pos, n));
                await ctx.Response.Body.FlushAsync();
                CdnBytes.AddOrUpdate(digest, n, (_, v) => v + n);
                pos += n;
                sent += n;
            }
            if (drop && sent >= DropAfterBytes)
            {
                // Let the bytes reach the client before the reset, as a real mid-transfer drop would.
                await Task.Delay(200);
                ctx.Abort();
                return;
            }
            if (stall && sent >= DropAfterBytes)
            {
                try { await Task.Delay(StallFor, ctx.RequestAborted); } catch (OperationCanceledException) { }
                ctx.Abort();
                return;
            }
            if (CdnChunkDelay > TimeSpan.Zero) await Task.Delay(CdnChunkDelay);
        }
    }

    // ------------------------------------------------------------------ push side

    private Task StartUpload(HttpContext ctx, string ns, string model)
    {
        string repo = $"{ns}/{model}";
        string mount = ctx.Request.Query["mount"].ToString(), from = ctx.Request.Query["from"].ToString();
        if (mount.Length > 0 && from.Length > 0 && HasBlob(from, mount))
        {
            _repoBlobs.GetOrAdd(repo, _ => new())[mount] = true;
            Mounted.Enqueue(mount);
            ctx.Response.StatusCode = 201;
            ctx.Response.Headers.Location = $"http://127.0.0.1:{Port}/v2/{repo}/blobs/{mount}";
            return Task.CompletedTask;
        }
        string id = Guid.NewGuid().ToString("N");
        _uploads[id] = new Upload(repo);
        ctx.Response.StatusCode = 202;
        ctx.Response.Headers.Location = UploadUrl(repo, id);
        ctx.Response.Headers["Docker-Upload-UUID"] = id;
        return Task.CompletedTask;
    }

    private string UploadUrl(string repo, string id) => $"http://127.0.0.1:{Port}/v2/{repo}/blobs/uploads/{id}";

    private async Task PatchAsync(HttpContext ctx, string ns, string model, string id)
    {
        if (!_uploads.TryGetValue(id, out var upload)) { await NotFound(ctx, "BLOB_UPLOAD_UNKNOWN"); return; }
        string contentRange = ctx.Request.Headers.ContentRange.ToString();
        PatchRanges.Enqueue(contentRange);
        var body = await ReadBodyAsync(ctx);
        long first = long.Parse(contentRange.Split('-')[0]);
        ctx.Response.Headers["Docker-Upload-Location"] = UploadUrl(upload.Repository, id);
        if (RedirectUploads && ctx.Request.Headers["X-Redirect-Uploads"] == "1")
        {
            ctx.Response.StatusCode = 307;
            ctx.Response.Headers.Location = $"http://localhost:{Port}/s3/{id}/{first}?X-Amz-Signature=xyz";
            return;
        }
        lock (upload) upload.Chunks[first] = body;
        ctx.Response.StatusCode = 202;
        ctx.Response.Headers.Location = UploadUrl(upload.Repository, id);
    }

    private async Task PresignedPutAsync(HttpContext ctx, string id, long offset)
    {
        if (!_uploads.TryGetValue(id, out var upload)) { await NotFound(ctx, "BLOB_UPLOAD_UNKNOWN"); return; }
        if (ctx.Request.Headers.Authorization.Count > 0) { ctx.Response.StatusCode = 400; return; } // tokens must not leak here
        var body = await ReadBodyAsync(ctx);
        lock (upload) upload.Chunks[offset] = body;
        RedirectedPuts.Enqueue($"{offset}:{body.Length}");
        ctx.Response.StatusCode = 200;
    }

    private async Task CommitAsync(HttpContext ctx, string ns, string model, string id)
    {
        if (!_uploads.TryGetValue(id, out var upload)) { await NotFound(ctx, "BLOB_UPLOAD_UNKNOWN"); return; }
        string digest = ctx.Request.Query["digest"].ToString(), etag = ctx.Request.Query["etag"].ToString();
        byte[] all;
        string expectedEtag;
        lock (upload)
        {
            all = upload.Chunks.Values.SelectMany(c => c).ToArray();
            var md5s = upload.Chunks.Values.SelectMany(c => MD5.HashData(c)).ToArray();
            expectedEtag = Convert.ToHexStringLower(MD5.HashData(md5s)) + "-" + upload.Chunks.Count;
        }
        string actual = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(all));
        if (actual != digest || etag != expectedEtag)
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync($"{{\"errors\":[{{\"code\":\"DIGEST_INVALID\",\"message\":\"got {actual} etag {expectedEtag}\"}}]}}");
            return;
        }
        AddBlob(upload.Repository, all);
        Uploaded.Enqueue(digest);
        _uploads.TryRemove(id, out _);
        ctx.Response.StatusCode = 201;
        ctx.Response.Headers.Location = $"http://127.0.0.1:{Port}/v2/{upload.Repository}/blobs/{digest}";
    }

    private async Task PutManifestAsync(HttpContext ctx, string ns, string model, string tag)
    {
        var bytes = await ReadBodyAsync(ctx);
        using var doc = JsonDocument.Parse(bytes);
        var digests = doc.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!)
            .Append(doc.RootElement.GetProperty("config").GetProperty("digest").GetString()!);
        if (digests.Any(d => !HasBlob($"{ns}/{model}", d)))
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync("{\"errors\":[{\"code\":\"MANIFEST_BLOB_UNKNOWN\"}]}");
            return;
        }
        SetManifest($"{ns}/{model}", tag, bytes);
        ctx.Response.StatusCode = 201;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext ctx)
    {
        using var ms = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(ms);
        return ms.ToArray();
    }

    private static Task NotFound(HttpContext ctx, string code)
    {
        ctx.Response.StatusCode = 404;
        ctx.Response.ContentType = "application/json";
        return HttpMethods.IsHead(ctx.Request.Method) ? Task.CompletedTask : ctx.Response.WriteAsync($"{{\"errors\":[{{\"code\":\"{code}\"}}]}}");
    }
}
