using System.Runtime.InteropServices;
using System.Text.Json;
using Corral.Server.Api;
using Corral.Server.Generation;
using Corral.Server.Http;
using Corral.Server.Routes;
using Corral.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corral.Server.OpenAI;

/// <summary>
/// The OpenAI-compatible routes (api.md §5): translators that turn the OpenAI body into a native request,
/// run the same pipeline as <c>/api/chat</c>, <c>/api/generate</c> and <c>/api/embed</c> with an OpenAI sink,
/// and answer errors in OpenAI's envelope.
/// </summary>
public static class OpenAIRoutes
{
    public const string SystemFingerprint = "fp_ollama";

    public static void Map(IEndpointRouteBuilder app, CorralServer server)
    {
        app.MapPost("/v1/chat/completions", (HttpContext ctx) => HandleAsync(ctx, async () =>
        {
            var req = await ReadAsync<ChatCompletionRequest>(ctx);
            var native = OpenAIRequestMapping.ToChatRequest(req);
            var sink = new ChatCompletionSink(ctx.Response, req.Model ?? "", req.Stream == true, req.StreamOptions?.IncludeUsage == true);
            await GenerateRoutes.RunAsync(sink, () => ChatPipeline.RunAsync(server, native, sink, ctx.RequestAborted));
        }));

        app.MapPost("/v1/completions", (HttpContext ctx) => HandleAsync(ctx, async () =>
        {
            var req = await ReadAsync<CompletionRequest>(ctx);
            var native = OpenAIRequestMapping.ToGenerateRequest(req);
            var sink = new CompletionSink(ctx.Response, req.Model ?? "", req.Stream == true, req.StreamOptions?.IncludeUsage == true);
            await GenerateRoutes.RunAsync(sink, () => GeneratePipeline.RunAsync(server, native, sink, ctx.RequestAborted));
        }));

        app.MapGet("/v1/models", (HttpContext ctx) => HandleAsync(ctx, () =>
        {
            var models = server.Store.List().Select(m => new ModelEntry
            {
                Id = m.Name,
                Created = m.ModifiedAt.ToUnixTimeSeconds(),
                OwnedBy = m.FullName.Namespace,
            }).ToList();
            return WriteJsonAsync(ctx.Response, new ModelList { Data = models.Count > 0 ? models : null });
        }));

        app.MapGet("/v1/models/{model}", (HttpContext ctx, string model) => HandleAsync(ctx, () =>
        {
            var stored = ShowRoutes.Resolve(server, model);
            return WriteJsonAsync(ctx.Response, new ModelEntry
            {
                Id = model,
                Created = stored.ModifiedAt.ToUnixTimeSeconds(),
                OwnedBy = stored.Name.Namespace,
            });
        }));

        app.MapPost("/v1/responses", (HttpContext ctx) => HandleAsync(ctx, async () =>
        {
            var body = await ReadAsync<JsonElementBox>(ctx);
            var req = ResponsesMapping.Parse(body.Value);
            var sink = new ResponsesSink(ctx.Response, req);
            await GenerateRoutes.RunAsync(sink, () => ChatPipeline.RunAsync(server, req.Native, sink, ctx.RequestAborted));
        }));

        app.MapPost("/v1/audio/transcriptions", (HttpContext ctx) => HandleAsync(ctx, () => TranscriptionAsync(server, ctx)));

        app.MapPost("/v1/embeddings", (HttpContext ctx) => HandleAsync(ctx, async () =>
        {
            var req = await ReadAsync<EmbeddingRequest>(ctx);
            await WriteJsonAsync(ctx.Response, await EmbeddingsAsync(server, req, ctx.RequestAborted));
        }));
    }

    /// <summary>
    /// <c>POST /v1/audio/transcriptions</c> (api.md §5.7): the multipart form is checked as upstream checks it (the file, then
    /// the model), and the model must exist. Upstream then runs a chat with the audio attached; no architecture Corral
    /// runs takes audio input, so the answer is a 400 that says so instead of a transcript the model cannot make.
    /// </summary>
    private static async Task TranscriptionAsync(CorralServer server, HttpContext ctx)
    {
        if (!ctx.Request.HasFormContentType) throw ApiException.BadRequest("file is required: request Content-Type isn't multipart/form-data");
        IFormCollection form;
        try
        {
            form = await ctx.Request.ReadFormAsync(ctx.RequestAborted); // parts above the in-memory threshold spill to temporary files
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException) // malformed, cut off or over the form limits
        {
            throw ApiException.BadRequest($"invalid multipart form: {e.Message}");
        }
        var file = form.Files.GetFile("file") ?? throw ApiException.BadRequest("file is required: http: no such file");
        if (file.Length == 0) throw ApiException.BadRequest("audio file is empty");
        string model = form["model"].ToString();
        if (model.Length == 0) throw ApiException.BadRequest("model is required");
        ShowRoutes.Resolve(server, model); // 404 for a model that is not there
        throw ApiException.BadRequest($"model '{model}' does not support audio input: Corral runs no audio-capable architecture yet");
    }

    private static async Task<EmbeddingList> EmbeddingsAsync(CorralServer server, EmbeddingRequest req, CancellationToken cancellation)
    {
        string format = (req.EncodingFormat ?? "").ToLowerInvariant();
        if (format is not ("" or "float" or "base64"))
            throw ApiException.BadRequest($"Invalid value for 'encoding_format' = {req.EncodingFormat}. Supported values: ['float', 'base64'].");
        var input = req.Input;
        switch (input)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                throw ApiException.BadRequest("invalid input");
            case { ValueKind: JsonValueKind.Array } a when a.GetArrayLength() == 0:
                throw ApiException.BadRequest("invalid input");
            case { ValueKind: JsonValueKind.String } s:
                input = JsonSerializer.SerializeToElement(new[] { s.GetString() }); // "" embeds one empty string
                break;
        }
        var native = await EmbedRoutes.EmbedAsync(server, new EmbedRequest { Model = req.Model, Input = input, Dimensions = req.Dimensions }, cancellation);
        return new EmbeddingList
        {
            Data = native.Embeddings.Select((v, i) => new EmbeddingEntry { Embedding = format == "base64" ? Base64(v) : v, Index = i }).ToList(),
            Model = req.Model ?? "",
            Usage = new EmbeddingUsage { PromptTokens = native.PromptEvalCount, TotalTokens = native.PromptEvalCount },
        };
    }

    /// <summary>Little-endian float32 bytes, base64 (what the OpenAI SDKs decode).</summary>
    private static string Base64(float[] v)
    {
        var bytes = MemoryMarshal.AsBytes(v.AsSpan());
        if (!BitConverter.IsLittleEndian)
        {
            var copy = bytes.ToArray();
            for (int i = 0; i < copy.Length; i += 4) Array.Reverse(copy, i, 4);
            return Convert.ToBase64String(copy);
        }
        return Convert.ToBase64String(bytes);
    }

    public static List<OpenAIToolCall>? ToOpenAIToolCalls(List<ToolCall>? calls) => calls is not { Count: > 0 } ? null : calls.Select(c => new OpenAIToolCall
    {
        Id = string.IsNullOrEmpty(c.Id) ? NewToolCallId() : c.Id,
        Index = c.Function.Index,
        Function = new OpenAIFunctionCall { Name = c.Function.Name, Arguments = c.Function.Arguments.CompactJson() },
    }).ToList();

    /// <summary><c>call_</c> + 8 characters of [a-z0-9], as upstream generates ids (the output parser's generator).</summary>
    public static string NewToolCallId() => Corral.Templates.Parsing.ToolCallIds.New();

    /// <summary>A request body kept as raw JSON (the Responses API's items are parsed by hand).</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(JsonElementBoxConverter))]
    private sealed class JsonElementBox(JsonElement value)
    {
        public JsonElement Value { get; } = value;
    }

    private sealed class JsonElementBoxConverter : System.Text.Json.Serialization.JsonConverter<JsonElementBox>
    {
        public override JsonElementBox Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(JsonElement.ParseValue(ref reader));

        public override void Write(Utf8JsonWriter writer, JsonElementBox value, JsonSerializerOptions options) => value.Value.WriteTo(writer);
    }

    /// <summary>Reads the body: empty is <c>EOF</c> (Go's decoder message), malformed JSON the decoder's text.</summary>
    public static async Task<T> ReadAsync<T>(HttpContext ctx) where T : class
    {
        try
        {
            return await RequestReading.ReadJsonAsync<T>(ctx.Request);
        }
        catch (ApiException e) when (e.Message == "missing request body")
        {
            throw ApiException.BadRequest("EOF");
        }
    }

    /// <summary>Runs a handler; an error before any byte was written becomes OpenAI's error envelope (or <paramref name="writeError"/>'s).</summary>
    public static async Task HandleAsync(HttpContext ctx, Func<Task> handler, Func<HttpResponse, int, string, Task>? writeError = null)
    {
        try
        {
            await handler();
        }
        catch (ApiException e) when (!ctx.Response.HasStarted)
        {
            await (writeError ?? WriteErrorAsync)(ctx.Response, e.Status, e.Message);
        }
    }

    public static string ErrorType(int status) => status switch
    {
        400 => "invalid_request_error",
        404 => "not_found_error",
        _ => "api_error",
    };

    public static Task WriteErrorAsync(HttpResponse response, int status, string message) =>
        WriteJsonAsync(response, new OpenAIError { Error = new OpenAIErrorBody { Message = message, Type = ErrorType(status) } }, status);

    /// <summary>
    /// A failure after streaming began: one more <c>data:</c> frame with OpenAI's error object (the SDKs raise
    /// it as an API error) and no <c>[DONE]</c>. Upstream sends an empty chunk instead, which clients cannot tell
    /// from a normal end; this is a deliberate difference.
    /// </summary>
    public static Task WriteStreamErrorAsync(SseStream sse, int status, string message) =>
        sse.DataAsync(new OpenAIError { Error = new OpenAIErrorBody { Message = message, Type = ErrorType(status) } }, CancellationToken.None);

    /// <summary>Compat-layer JSON: <c>application/json</c>, body ended by a newline (api.md §1.3).</summary>
    public static async Task WriteJsonAsync<T>(HttpResponse response, T value, int status = 200)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, ApiJson.Options);
        response.ContentLength = bytes.Length + 1;
        await response.Body.WriteAsync(bytes);
        await response.Body.WriteAsync("\n"u8.ToArray());
    }

    public static Task WriteDebugAsync(HttpResponse response, string renderedPrompt, int imageCount) =>
        WriteJsonAsync(response, new DebugOnly { DebugInfo = new DebugInfo { RenderedTemplate = renderedPrompt, ImageCount = imageCount } });

    private sealed class DebugOnly
    {
        [System.Text.Json.Serialization.JsonPropertyName("_debug_info")] public DebugInfo DebugInfo { get; set; } = new();
    }
}
