using Microsoft.AspNetCore.Http;

namespace Corral.Server.Security;

/// <summary>Which API surface a path belongs to, and so which error shape its clients parse.</summary>
public enum ApiSurface
{
    /// <summary><c>/api/*</c> and everything else: <c>{"error":"…"}</c>.</summary>
    Native,
    /// <summary><c>/v1/*</c> except <c>/v1/messages</c>: <c>{"error":{"message","type","param","code"}}</c>.</summary>
    OpenAI,
    /// <summary><c>/v1/messages</c>: <c>{"type":"error","error":{"type","message"},"request_id"}</c>.</summary>
    Anthropic,
    /// <summary><c>/v2/*</c> (Corral as a registry): <c>{"errors":[{"code","message","detail"}]}</c>.</summary>
    Registry,
}

/// <summary>Route classes the access checks need: the open heartbeat and what a read-only key may call.</summary>
public static class RouteAccess
{
    public static ApiSurface SurfaceOf(PathString path)
    {
        if (path.StartsWithSegments("/v1/messages", StringComparison.OrdinalIgnoreCase)) return ApiSurface.Anthropic;
        if (path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase)) return ApiSurface.OpenAI;
        if (path.StartsWithSegments("/v2", StringComparison.OrdinalIgnoreCase)) return ApiSurface.Registry;
        return ApiSurface.Native;
    }

    /// <summary><c>GET|HEAD /</c>: the heartbeat load balancers and <c>corral</c> itself probe; never needs a key nor counts against a limit.</summary>
    public static bool IsHeartbeat(HttpRequest request) =>
        request.Path.Value is "/" && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method));

    // POST routes that run a model or read model information; nothing here changes the store.
    private static readonly string[] s_readOnlyPosts =
    [
        "/api/generate", "/api/chat", "/api/embed", "/api/embeddings", "/api/show",
        "/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses", "/v1/messages", "/v1/audio/transcriptions",
    ];

    /// <summary>
    /// A read-only key may list and read (any GET/HEAD outside <c>/api/blobs</c>) and run inference (the POST routes
    /// above); create, delete, pull, push, copy, blob uploads and registry pushes need a full key.
    /// </summary>
    public static bool AllowsReadOnly(HttpRequest request)
    {
        var path = request.Path;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            return !path.StartsWithSegments("/api/blobs", StringComparison.OrdinalIgnoreCase);
        if (!HttpMethods.IsPost(request.Method)) return false;
        string p = (path.Value ?? "").TrimEnd('/');
        foreach (var allowed in s_readOnlyPosts)
            if (string.Equals(p, allowed, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
