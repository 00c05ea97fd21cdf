using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.Observability;

/// <summary>
/// Reads the model a JSON request body names without taking the body from the route: the first bytes (at most
/// <see cref="Limit"/>) are read, scanned for a top-level <c>model</c> (or the older <c>name</c>) and then served again
/// ahead of the rest of the body by <see cref="ReplayingStream"/>. Blob and registry uploads and non-JSON bodies are
/// left alone.
/// </summary>
public static class RequestModelPeek
{
    /// <summary>Bytes looked at: enough for any request that names its model before a long prompt or images.</summary>
    public const int Limit = 16 * 1024;

    public static async Task<string?> ReadAsync(HttpRequest request)
    {
        if (!MayNameAModel(request)) return null;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Limit);
        int length = 0;
        bool complete = false;
        try
        {
            while (length < Limit)
            {
                int n = await request.Body.ReadAsync(buffer.AsMemory(length, Limit - length), request.HttpContext.RequestAborted);
                if (n == 0) { complete = true; break; }
                length += n;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            // The route meets the same failure when it reads the body; hand it what arrived.
        }
        var prefix = buffer.AsSpan(0, length).ToArray();
        ArrayPool<byte>.Shared.Return(buffer);
        request.Body = new ReplayingStream(prefix, complete ? null : request.Body);
        return FindModel(prefix, complete);
    }

    private static bool MayNameAModel(HttpRequest request)
    {
        if (!HttpMethods.IsPost(request.Method) && !HttpMethods.IsDelete(request.Method)) return false;
        if (request.ContentLength == 0) return false;
        var path = request.Path;
        if (!path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) && !path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase)) return false;
        if (path.StartsWithSegments("/api/blobs", StringComparison.OrdinalIgnoreCase)) return false;
        return request.ContentType is not { } type || !type.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The top-level <c>model</c> string (keys match case-insensitively, as upstream decodes), else <c>name</c>.</summary>
    internal static string? FindModel(ReadOnlySpan<byte> json, bool isFinalBlock)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock, default);
        string? model = null, name = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0) break;
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
                string? property = reader.GetString();
                bool isModel = string.Equals(property, "model", StringComparison.OrdinalIgnoreCase);
                bool isName = string.Equals(property, "name", StringComparison.OrdinalIgnoreCase);
                if (!reader.Read()) break;
                if (reader.TokenType == JsonTokenType.String)
                {
                    if (isModel) model = reader.GetString();
                    else if (isName) name = reader.GetString();
                }
                else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    break; // the rest of this value is past the peeked bytes
                }
            }
        }
        catch (JsonException)
        {
            // Malformed JSON: the route answers 400; the audit line just has no model.
        }
        return string.IsNullOrEmpty(model) ? string.IsNullOrEmpty(name) ? null : name : model;
    }
}

/// <summary>A request body that serves bytes already read, then continues with the rest of the original body.</summary>
internal sealed class ReplayingStream(byte[] prefix, Stream? rest) : Stream
{
    private int _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position < prefix.Length) return CopyPrefix(buffer);
        return rest?.Read(buffer) ?? 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position < prefix.Length) return ValueTask.FromResult(CopyPrefix(buffer.Span));
        return rest?.ReadAsync(buffer, cancellationToken) ?? ValueTask.FromResult(0);
    }

    private int CopyPrefix(Span<byte> buffer)
    {
        int n = Math.Min(buffer.Length, prefix.Length - _position);
        prefix.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
