using Corral.Server.Api;
using Corral.Store;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.Http;

/// <summary>
/// Runs a long operation that reports <see cref="ProgressResponse"/> lines (create, pull, push; runtime.md §4.7):
/// streamed as NDJSON by default, or only the last line with <c>stream: false</c>. Errors before the first
/// line are normal error responses; later ones an <c>{"error"}</c> line.
/// </summary>
public static class ProgressStreaming
{
    public static async Task RunAsync(HttpContext ctx, bool stream, Func<Action<ProgressResponse>, CancellationToken, Task> operation)
    {
        var ndjson = new NdjsonStream(ctx.Response);
        var queue = System.Threading.Channels.Channel.CreateUnbounded<ProgressResponse>(new() { SingleReader = true });
        ProgressResponse? last = null;
        var work = Task.Run(async () =>
        {
            try { await operation(p => queue.Writer.TryWrite(p), ctx.RequestAborted); }
            finally { queue.Writer.TryComplete(); }
        });
        await foreach (var p in queue.Reader.ReadAllAsync())
        {
            last = p;
            if (stream)
            {
                try { await ndjson.WriteAsync(p, ctx.RequestAborted); }
                catch (OperationCanceledException) { }
                catch (IOException) { }
            }
        }
        try
        {
            await work;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ctx.RequestAborted.IsCancellationRequested)
        {
            var (status, message) = Classify(e);
            if (stream) await ndjson.FailAsync(status, message);
            else await ResponseWriting.WriteErrorAsync(ctx.Response, status, message);
            return;
        }
        if (!stream) await ResponseWriting.WriteJsonAsync(ctx.Response, last ?? new ProgressResponse { Status = "success" }, 200, "application/json");
    }

    public static (int Status, string Message) Classify(Exception e) => e switch
    {
        ApiException a => (a.Status, a.Message),
        CreateModelException c => (c.IsBadRequest ? 400 : 500, c.Message),
        ModelNotFoundException n => (404, n.Message),
        StoreException s => (500, s.Message),
        Engine.Quantization.QuantizationException q => (500, q.Message),
        Engine.Gguf.GgufFormatException g => (400, g.Message),
        _ => (500, e.Message),
    };
}
