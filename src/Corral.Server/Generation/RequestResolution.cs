using System.Text.Json;
using Corral.Config;
using Corral.Server.Http;
using Corral.Store;
using Microsoft.Extensions.Logging;

namespace Corral.Server.Generation;

/// <summary>Which route is resolving a model: the error texts differ per route upstream (api.md §7).</summary>
public enum ModelRoute
{
    Generate,
    Chat,
    Embed,
    Embeddings,
}

/// <summary>Shared request plumbing of the inference routes: model lookup, keep-alive, options, think.</summary>
public static class RequestResolution
{
    /// <summary>Finds the stored model with upstream's per-route errors.</summary>
    public static StoredModel ResolveModel(CorralServer server, string? requested, ModelRoute route)
    {
        string raw = requested ?? "";
        if (string.IsNullOrWhiteSpace(raw))
        {
            throw route switch
            {
                ModelRoute.Chat or ModelRoute.Embeddings => ApiException.BadRequest("model is required"),
                _ => ApiException.NotFound("model '' not found"),
            };
        }
        ModelReference reference;
        try { reference = ModelReference.Parse(raw); }
        catch (ModelReferenceException e) { throw ApiException.BadRequest(e.Message); }
        var name = ModelName.Parse(reference.Base);
        if (!name.IsValid) throw ApiException.BadRequest("invalid model name");
        name = server.Store.Canonicalize(name);
        var entry = server.Store.TryGetManifest(name);
        if (entry == null)
        {
            throw route is ModelRoute.Embed or ModelRoute.Embeddings
                ? ApiException.NotFound($"model \"{raw}\" not found, try pulling it first")
                : ApiException.NotFound($"model '{raw}' not found");
        }
        try
        {
            return server.Store.ReadModel(entry);
        }
        catch (StoreException e)
        {
            throw ApiException.Internal(e.Message);
        }
    }

    /// <summary>The request's keep_alive, or null when absent (the runner's current value stays).</summary>
    public static TimeSpan? KeepAlive(JsonElement? value)
    {
        if (value is not { } v || v.ValueKind == JsonValueKind.Null) return null;
        try
        {
            return CorralServer.ToKeepAlive(Config.KeepAlive.FromJson(v));
        }
        catch (FormatException e)
        {
            throw ApiException.BadRequest(e.Message);
        }
    }

    /// <summary>Defaults, then the model's PARAMETERs, then the request's options (api.md §2.6).</summary>
    public static ModelOptions Options(CorralServer server, StoredModel model, JsonElement? requestOptions)
    {
        var o = ModelOptions.CreateDefault();
        var log = server.LoggerFactory.CreateLogger("Corral.Options");
        try
        {
            o.Apply(model.Parameters, k => log.LogWarning("invalid option provided option={Key}", k));
            if (requestOptions is { } ro) o.Apply(ro, k => log.LogWarning("invalid option provided option={Key}", k));
        }
        catch (OptionTypeException e)
        {
            throw ApiException.Internal(e.Message);
        }
        return o;
    }

    /// <summary>The first 12 hex digits of a model's manifest digest, for logs.</summary>
    public static string ShortDigest(StoredModel m) => m.Digest.Length >= 12 ? m.Digest[..12] : m.Digest;
}
