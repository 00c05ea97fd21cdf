using System.Text.Json.Nodes;
using Corral.Engine.Gguf;
using Corral.Engine.Tensors;
using Corral.Server.Api;
using Corral.Server.Http;
using Corral.Store;
using Corral.Store.Modelfiles;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corral.Server.Routes;

/// <summary><c>POST /api/show</c> (api.md §4.8): Modelfile, parameters, template, details, GGUF metadata, tensors, capabilities.</summary>
public static class ShowRoutes
{
    /// <summary>Arrays longer than this are shown as <c>[]</c> unless <c>verbose</c> (the vocabulary would be megabytes).</summary>
    public const int MaxArrayLength = 5;

    public static void Map(IEndpointRouteBuilder app, CorralServer server)
    {
        app.MapPost("/api/show", async (HttpContext ctx) =>
        {
            var req = await RequestReading.ReadJsonAsync<ShowRequest>(ctx.Request);
            string requested = !string.IsNullOrEmpty(req.Model) ? req.Model : req.Name ?? "";
            var model = Resolve(server, requested);
            var response = Build(server, model, req);
            // Quirk kept for GitHub Copilot, which reads the requested name back from general.basename.
            if (ctx.Request.Headers.UserAgent.ToString().StartsWith("GitHubCopilotChat/", StringComparison.Ordinal))
                response.ModelInfo["general.basename"] = requested;
            await ResponseWriting.WriteJsonAsync(ctx.Response, response);
        });
    }

    /// <summary>Looks a model up with show's errors: 400 for blank or invalid names, 404 with the display-shortest name.</summary>
    public static StoredModel Resolve(CorralServer server, string requested)
    {
        if (string.IsNullOrEmpty(requested)) throw ApiException.BadRequest("model is required");
        var name = ModelName.Parse(requested);
        if (!name.IsValid) throw ApiException.BadRequest("invalid model name");
        var canonical = server.Store.Canonicalize(name);
        var entry = server.Store.TryGetManifest(canonical) ?? throw ApiException.NotFound($"model '{name.DisplayShortest}' not found");
        try
        {
            return server.Store.ReadModel(entry);
        }
        catch (StoreException e)
        {
            throw ApiException.Internal(e.Message);
        }
    }

    public static ShowResponse Build(CorralServer server, StoredModel model, ShowRequest req)
    {
        string system = string.IsNullOrEmpty(req.System) ? model.System : req.System;
        string template = model.TemplateOrDefault;
        var response = new ShowResponse
        {
            License = NullIfEmpty(model.License),
            Modelfile = ModelfilePrinter.Print(model, req.System, req.Options),
            Parameters = NullIfEmpty(ModelfilePrinter.ParametersText(model.Parameters)),
            Template = NullIfEmpty(template),
            System = NullIfEmpty(system),
            Details = TagsRoutes.ToApi(model.Details),
            Messages = model.Messages.Count > 0 ? model.Messages.Select(m => new ShowMessage { Role = m.Role, Content = m.Content }).ToList() : null,
            Capabilities = ModelCapabilities.Of(server.Store, model, server.Config.GoTemplate) is { Count: > 0 } caps ? caps.ToList() : null,
            ModifiedAt = ApiJson.LocalTimestamp(model.ModifiedAt),
            Requires = NullIfEmpty(model.Config.Requires),
        };
        if (model.ModelPath != null && File.Exists(model.ModelPath))
        {
            try
            {
                using var file = GgufFile.Open(model.ModelPath);
                // The template actually used: the GGUF chat template when the model renders through it (runtime.md §10.1).
                var prompting = Generation.ModelPrompting.For(model, file, server.Config.GoTemplate);
                if (prompting.Mode == Generation.PromptMode.ChatTemplate) response.Template = prompting.ChatTemplateSource;
                response.ModelInfo = ModelInfo(file, req.Verbose == true);
                response.Tensors = file.Tensors.Select(t => new TensorInfo { Name = t.Name, Type = GgmlTypeInfo.Name(t.Type), Shape = t.Shape }).ToList();
            }
            catch (GgufFormatException e)
            {
                throw ApiException.Internal(e.Message);
            }
        }
        if (model.ProjectorPaths.FirstOrDefault(File.Exists) is { } projector)
        {
            try
            {
                using var file = GgufFile.Open(projector);
                response.ProjectorInfo = ModelInfo(file, req.Verbose == true);
            }
            catch (GgufFormatException e)
            {
                throw ApiException.Internal(e.Message);
            }
        }
        return response;
    }

    /// <summary>
    /// The GGUF metadata as upstream shows it: every key but <c>general.name</c> and <c>tokenizer.chat_template</c>,
    /// sorted (Go maps encode sorted), <c>general.parameter_count</c> set to the sum of the tensors' element
    /// counts, and arrays longer than <see cref="MaxArrayLength"/> emptied unless <paramref name="verbose"/>.
    /// </summary>
    public static JsonObject ModelInfo(GgufFile file, bool verbose)
    {
        var values = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, value) in file.MetadataList)
        {
            if (key is "general.name" or "tokenizer.chat_template") continue;
            values[key] = ToJson(value, verbose);
        }
        long parameters = 0;
        foreach (var t in file.Tensors) parameters += t.ElementCount;
        values["general.parameter_count"] = JsonValue.Create(parameters);
        var obj = new JsonObject();
        foreach (var (k, v) in values) obj[k] = v;
        return obj;
    }

    private static JsonNode? ToJson(GgufValue v, bool verbose)
    {
        if (v.IsArray)
        {
            var result = new JsonArray();
            if (!verbose && v.ArrayLength > MaxArrayLength) return result; // without reading a tokenizer's strings
            foreach (var item in (Array)v.Value) result.Add(Scalar(item));
            return result;
        }
        return Scalar(v.Value);
    }

    private static JsonNode? Scalar(object? value) => value switch
    {
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        byte x => JsonValue.Create(x),
        sbyte x => JsonValue.Create(x),
        ushort x => JsonValue.Create(x),
        short x => JsonValue.Create(x),
        uint x => JsonValue.Create(x),
        int x => JsonValue.Create(x),
        ulong x => JsonValue.Create(x),
        long x => JsonValue.Create(x),
        float x => float.IsFinite(x) ? JsonValue.Create(x) : null,
        double x => double.IsFinite(x) ? JsonValue.Create(x) : null,
        _ => null,
    };

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
