using System.Text;
using System.Text.Json;
using Corral.Server.Api;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.OpenAI;

/// <summary>
/// A server-sent events stream as the compatibility layers write it: <c>data: &lt;json&gt;\n\n</c> frames
/// (OpenAI chat/completions), or <c>event: &lt;name&gt;\ndata: &lt;json&gt;\n\n</c> (Responses, Anthropic),
/// flushed per event. Headers go out with the first event, so errors before it are normal JSON responses.
/// </summary>
public sealed class SseStream(HttpResponse response, bool noCacheHeaders = false)
{
    private static readonly byte[] s_data = "data: "u8.ToArray();
    private static readonly byte[] s_end = "\n\n"u8.ToArray();

    public bool Started { get; private set; }

    private void Start()
    {
        if (Started) return;
        Started = true;
        response.StatusCode = 200;
        response.ContentType = "text/event-stream";
        if (noCacheHeaders)
        {
            response.Headers.CacheControl = "no-cache";
            response.Headers.Connection = "keep-alive";
        }
    }

    /// <summary>One <c>data:</c> frame holding <paramref name="value"/> as compact JSON.</summary>
    public Task DataAsync<T>(T value, CancellationToken cancellation) => WriteAsync(null, JsonSerializer.SerializeToUtf8Bytes(value, ApiJson.Options), cancellation);

    /// <summary>A named event: <c>event: name</c> then its data.</summary>
    public Task EventAsync<T>(string name, T value, CancellationToken cancellation) => WriteAsync(name, JsonSerializer.SerializeToUtf8Bytes(value, ApiJson.Options), cancellation);

    /// <summary>The OpenAI end-of-stream sentinel <c>data: [DONE]</c>.</summary>
    public Task DoneAsync(CancellationToken cancellation) => WriteAsync(null, "[DONE]"u8.ToArray(), cancellation);

    /// <summary>Writes the whole frame in one write and one flush (a frame per streamed token on these routes).</summary>
    private async Task WriteAsync(string? eventName, byte[] data, CancellationToken cancellation)
    {
        Start();
        int nameBytes = eventName == null ? 0 : "event: ".Length + Encoding.UTF8.GetByteCount(eventName) + 1;
        int length = nameBytes + s_data.Length + data.Length + s_end.Length;
        byte[] frame = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            int at = 0;
            if (eventName != null)
            {
                at += Encoding.UTF8.GetBytes("event: ", frame.AsSpan(at));
                at += Encoding.UTF8.GetBytes(eventName, frame.AsSpan(at));
                frame[at++] = (byte)'\n';
            }
            s_data.CopyTo(frame, at);
            at += s_data.Length;
            data.CopyTo(frame, at);
            at += data.Length;
            s_end.CopyTo(frame, at);
            await response.Body.WriteAsync(frame.AsMemory(0, length), cancellation);
            await response.Body.FlushAsync(cancellation);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(frame);
        }
    }
}
