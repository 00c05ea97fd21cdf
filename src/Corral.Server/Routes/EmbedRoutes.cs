using System.Text.Json;
using Corral.Server.Api;
using Corral.Server.Embeddings;
using Corral.Server.Generation;
using Corral.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corral.Server.Routes;

/// <summary><c>POST /api/embed</c> (normalised, batched) and the legacy <c>POST /api/embeddings</c> (raw, one prompt).</summary>
public static class EmbedRoutes
{
    public static void Map(IEndpointRouteBuilder app, CorralServer server)
    {
        app.MapPost("/api/embed", async (HttpContext ctx) =>
        {
            var req = await RequestReading.ReadJsonAsync<EmbedRequest>(ctx.Request);
            var response = await EmbedAsync(server, req, ctx.RequestAborted);
            await ResponseWriting.WriteJsonAsync(ctx.Response, response);
        });
        app.MapPost("/api/embeddings", async (HttpContext ctx) =>
        {
            var req = await RequestReading.ReadJsonAsync<EmbeddingsRequest>(ctx.Request);
            var stored = RequestResolution.ResolveModel(server, req.Model, ModelRoute.Embeddings);
            var input = new EmbedInput
            {
                Texts = string.IsNullOrEmpty(req.Prompt) ? [] : [req.Prompt],
                KeepAlive = RequestResolution.KeepAlive(req.KeepAlive),
                Options = req.Options,
                FailureStatus = 500,
            };
            var result = await EmbedPipeline.RunAsync(server, stored, input, ctx.RequestAborted);
            await ResponseWriting.WriteJsonAsync(ctx.Response, new EmbeddingsResponse { Embedding = result.Vectors.FirstOrDefault() ?? [] });
        });
    }

    /// <summary>The /api/embed flow, shared with <c>/v1/embeddings</c>.</summary>
    public static async Task<EmbedResponse> EmbedAsync(CorralServer server, EmbedRequest req, CancellationToken cancellation)
    {
        var texts = Inputs(req.Input);
        var stored = RequestResolution.ResolveModel(server, req.Model, ModelRoute.Embed);
        var input = new EmbedInput
        {
            Texts = texts,
            Truncate = req.Truncate != false,
            KeepAlive = RequestResolution.KeepAlive(req.KeepAlive),
            Options = req.Options,
        };
        var result = await EmbedPipeline.RunAsync(server, stored, input, cancellation);
        if (texts.Count == 0) return new EmbedResponse { Model = req.Model ?? "", Embeddings = [] };
        return new EmbedResponse
        {
            Model = req.Model ?? "",
            Embeddings = result.Vectors.Select(v => EmbedPipeline.Shorten(EmbedPipeline.L2Normalize(v), req.Dimensions)).ToArray(),
            TotalDuration = Nanoseconds.Of(result.TotalDuration),
            LoadDuration = Nanoseconds.Of(result.LoadDuration),
            PromptEvalCount = result.PromptTokens,
        };
    }

    /// <summary><c>input</c>: absent, <c>""</c> or <c>[]</c> = nothing (load only); a string; or an array of strings.</summary>
    public static IReadOnlyList<string> Inputs(JsonElement? input)
    {
        if (input is not { } v || v.ValueKind == JsonValueKind.Null) return [];
        switch (v.ValueKind)
        {
            case JsonValueKind.String:
                var s = v.GetString()!;
                return s.Length == 0 ? [] : [s];
            case JsonValueKind.Array:
                var list = new List<string>();
                foreach (var e in v.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.String) throw ApiException.BadRequest("invalid input type");
                    list.Add(e.GetString()!);
                }
                return list;
            default:
                throw ApiException.BadRequest("invalid input type");
        }
    }
}
