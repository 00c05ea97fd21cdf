using System.Text.Json.Serialization;
using System.Threading.Channels;
using Corral.Server.Api;
using Corral.Server.Http;
using Corral.Server.Registry;
using Corral.Store;
using Corral.Store.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Corral.Server.Routes;

/// <summary>
/// <c>POST /api/pull</c> and <c>POST /api/push</c> (api.md §4.10–4.11, runtime.md §4.7): progress as NDJSON lines, or only
/// the last one with <c>stream:false</c>. Errors before the first line are plain JSON errors (500 unless the request itself
/// was bad); after it they are one more <c>{"error":…}</c> line.
/// </summary>
public static class PullPushRoutes
{
    public const string InvalidModelName = "invalid model name";
    private const string PlainJson = "application/json";

    public static void Map(IEndpointRouteBuilder app, CorralServer server)
    {
        app.ServiceProvider.GetService<IHostApplicationLifetime>()?.ApplicationStopped.Register(() => ServerRegistry.Release(server));

        app.MapPost("/api/pull", async (HttpContext ctx) =>
        {
            var req = await RequestReading.ReadJsonAsync<PullPushRequest>(ctx.Request);
            string raw = FirstNonEmpty(req.Model, req.Name);
            string normalized;
            try
            {
                normalized = ModelReference.NormalizePullName(raw).Name;
            }
            catch (ModelReferenceException e)
            {
                throw ApiException.BadRequest(e.Message == ModelReference.ModelRequiredMessage ? InvalidModelName : e.Message);
            }
            var name = ModelName.Parse(normalized);
            if (!name.IsValid) throw ApiException.BadRequest(InvalidModelName);
            name = server.Store.Canonicalize(name);
            bool insecure = req.Insecure ?? false;
            var client = ServerRegistry.For(server);
            await RunAsync(ctx, req.Stream ?? true, (progress, ct) => client.PullAsync(name, insecure, progress, ct));
        });

        app.MapPost("/api/push", async (HttpContext ctx) =>
        {
            var req = await RequestReading.ReadJsonAsync<PullPushRequest>(ctx.Request);
            string raw = FirstNonEmpty(req.Model, req.Name);
            if (raw.Length == 0) throw ApiException.BadRequest(ModelReference.ModelRequiredMessage);
            var name = server.Store.Canonicalize(ModelName.Parse(raw));
            bool insecure = req.Insecure ?? false;
            var client = ServerRegistry.For(server);
            await RunAsync(ctx, req.Stream ?? true, (progress, ct) => client.PushAsync(name, insecure, progress, ct));
        });
    }

    private static string FirstNonEmpty(string? a, string? b) => !string.IsNullOrEmpty(a) ? a : b ?? "";

    /// <summary>Runs a registry operation, relaying its progress as it comes; the operation is cancelled if the client goes away.</summary>
    private static async Task RunAsync(HttpContext ctx, bool stream, Func<Action<RegistryProgress>, CancellationToken, Task> operation)
    {
        var ct = ctx.RequestAborted;
        var channel = Channel.CreateUnbounded<ProgressResponse>(new UnboundedChannelOptions { SingleReader = true });
        Exception? failure = null;
        var work = Task.Run(async () =>
        {
            try
            {
                await operation(p => channel.Writer.TryWrite(ToApi(p)), ct);
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                channel.Writer.Complete();
            }
        }, CancellationToken.None);

        if (stream)
        {
            var ndjson = new NdjsonStream(ctx.Response);
            await foreach (var progress in channel.Reader.ReadAllAsync(CancellationToken.None))
                await ndjson.WriteAsync(progress, ct);
            await work;
            if (failure is not null && !ct.IsCancellationRequested) await ndjson.FailAsync(500, Describe(failure));
            return;
        }

        ProgressResponse? last = null;
        await foreach (var progress in channel.Reader.ReadAllAsync(CancellationToken.None)) last = progress;
        await work;
        if (ct.IsCancellationRequested) return;
        if (failure is not null)
            await ResponseWriting.WriteJsonAsync(ctx.Response, new ErrorResponse { Error = Describe(failure) }, 500, PlainJson);
        else
            await ResponseWriting.WriteJsonAsync(ctx.Response, last ?? new ProgressResponse(), 200, PlainJson);
    }

    private static string Describe(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: > 0 } a => Describe(a.InnerExceptions[0]),
        _ => e.Message,
    };

    private static ProgressResponse ToApi(RegistryProgress p) => new()
    {
        Status = p.Status,
        Digest = p.Digest,
        Total = p.Total,
        Completed = p.Completed,
    };
}

/// <summary>The body of <c>/api/pull</c> and <c>/api/push</c>; <c>username</c>/<c>password</c> are accepted and ignored, as upstream does.</summary>
public sealed class PullPushRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("insecure")] public bool? Insecure { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("username")] public string? Username { get; set; }
    [JsonPropertyName("password")] public string? Password { get; set; }
}
