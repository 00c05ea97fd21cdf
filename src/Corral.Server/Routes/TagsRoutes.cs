using System.Text.Json.Serialization;
using Corral.Server.Api;
using Corral.Server.Http;
using Corral.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corral.Server.Routes;

/// <summary><c>GET|HEAD /api/tags</c> (api.md §4.7): every local model, newest first.</summary>
public static class TagsRoutes
{
    public static void Map(IEndpointRouteBuilder app, CorralServer server)
    {
        app.MapMethods("/api/tags", ["GET", "HEAD"], (HttpContext ctx) =>
        {
            var models = server.Store.List().Select(e => ToApi(e, Capabilities(server, e))).ToList();
            return ResponseWriting.WriteJsonAsync(ctx.Response, new TagsResponse { Models = models });
        });
    }

    public static Api.ModelDetails ToApi(Store.ModelDetails d) => new()
    {
        ParentModel = d.ParentModel,
        Format = d.Format,
        Family = d.Family,
        Families = d.Families?.ToList(),
        ParameterSize = d.ParameterSize,
        QuantizationLevel = d.QuantizationLevel,
        ContextLength = d.ContextLength,
        EmbeddingLength = d.EmbeddingLength,
    };

    /// <summary>The same capabilities /api/show reports (GGUF chat templates included), falling back to the store's list.</summary>
    private static IReadOnlyList<string> Capabilities(CorralServer server, ModelListEntry e)
    {
        try
        {
            return Api.ModelCapabilities.Of(server.Store, server.Store.GetModel(e.FullName), server.Config.GoTemplate);
        }
        catch (Exception ex) when (ex is StoreException or IOException)
        {
            return e.Capabilities;
        }
    }

    private static ListModel ToApi(ModelListEntry e, IReadOnlyList<string> capabilities) => new()
    {
        Name = e.Name,
        Model = e.Name,
        ModifiedAt = ApiJson.LocalTimestamp(e.ModifiedAt),
        Size = e.Size,
        Digest = e.Digest,
        Details = ToApi(e.Details),
        Capabilities = capabilities.Count > 0 ? capabilities.ToList() : null,
        RemoteModel = e.RemoteModel.Length > 0 ? e.RemoteModel : null,
        RemoteHost = e.RemoteHost.Length > 0 ? e.RemoteHost : null,
    };
}

public sealed class TagsResponse
{
    [JsonPropertyName("models")] public List<ListModel> Models { get; set; } = [];
}

public sealed class ListModel
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("modified_at")] public string ModifiedAt { get; set; } = "";
    [JsonPropertyName("size")] public long Size { get; set; }
    [JsonPropertyName("digest")] public string Digest { get; set; } = "";
    [JsonPropertyName("details")] public Api.ModelDetails Details { get; set; } = new();
    [JsonPropertyName("capabilities"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public List<string>? Capabilities { get; set; }
    [JsonPropertyName("remote_model"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? RemoteModel { get; set; }
    [JsonPropertyName("remote_host"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? RemoteHost { get; set; }
}
