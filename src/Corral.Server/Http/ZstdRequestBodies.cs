using Corral.Server.Api;
using Microsoft.AspNetCore.Http;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Corral.Server.Http;

/// <summary>
/// <c>Content-Encoding: zstd</c> request bodies on the OpenAI- and Anthropic-compatible routes (api.md §1.10): decoded
/// before the route reads them, at most 20 MiB once decompressed and with a decoder window of at most 8 MiB. A body that
/// does not decode is a 400 in the native <c>{"error": …}</c> shape, as upstream answers before its compat layer. The
/// native <c>/api/*</c> routes take bodies as sent.
/// </summary>
public sealed class ZstdRequestBodies(RequestDelegate next)
{
    public const long MaxDecodedBytes = 20L << 20;

    /// <summary>log2 of the largest decoder window: 8 MiB.</summary>
    private const int MaxWindowLog = 23;

    private static readonly HashSet<string> s_routes = new(StringComparer.OrdinalIgnoreCase)
    {
        "/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses", "/v1/messages",
    };

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsPost(request.Method) && IsZstd(request.Headers.ContentEncoding) && s_routes.Contains(request.Path.Value ?? ""))
        {
            var decoded = await DecodeAsync(request.Body, context.RequestAborted);
            request.Body = decoded;
            request.ContentLength = decoded.Length;
            request.Headers.ContentEncoding = default;
        }
        await next(context);
    }

    /// <summary>Exactly one coding, zstd: anything else (none, gzip, "gzip, zstd") reaches the route as sent.</summary>
    private static bool IsZstd(Microsoft.Extensions.Primitives.StringValues encodings) =>
        encodings.Count == 1 && string.Equals(encodings[0]?.Trim(), "zstd", StringComparison.OrdinalIgnoreCase);

    /// <summary>The decompressed body, or a 400 that says why there is none.</summary>
    internal static async Task<MemoryStream> DecodeAsync(Stream body, CancellationToken cancellation)
    {
        var output = new MemoryStream();
        try
        {
            using var decompressor = new Decompressor();
            decompressor.SetParameter(ZSTD_dParameter.ZSTD_d_windowLogMax, MaxWindowLog);
            await using var zstd = new DecompressionStream(body, decompressor, leaveOpen: true);
            var buffer = new byte[81920];
            int n;
            while ((n = await zstd.ReadAsync(buffer, cancellation)) > 0)
            {
                if (output.Length + n > MaxDecodedBytes)
                    throw ApiException.BadRequest($"request body too large: more than {MaxDecodedBytes >> 20} MiB after zstd decompression");
                output.Write(buffer, 0, n);
            }
        }
        catch (Exception e) when (e is ZstdException or EndOfStreamException) // corrupt, or cut off
        {
            throw ApiException.BadRequest($"invalid zstd request body: {e.Message}");
        }
        output.Position = 0;
        return output;
    }
}
