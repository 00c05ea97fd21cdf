using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Corral.Server.Observability;

/// <summary>
/// The response body as the server's own feature, with every byte written through its stream, its pipe writer or
/// send-file counted (for the audit log's <c>bytes_out</c>). Delegates everything, so Kestrel's buffering and
/// flushing behave as without it.
/// </summary>
internal sealed class CountingResponseBody : IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private CountingStream? _stream;
    private CountingPipeWriter? _writer;
    private long _bytes;

    private CountingResponseBody(IHttpResponseBodyFeature inner) => _inner = inner;

    /// <summary>Replaces the context's body feature with a counting one (restore <see cref="Inner"/> afterwards).</summary>
    public static CountingResponseBody Install(HttpContext context)
    {
        var inner = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var counting = new CountingResponseBody(inner);
        context.Features.Set<IHttpResponseBodyFeature>(counting);
        return counting;
    }

    public IHttpResponseBodyFeature Inner => _inner;

    public long Bytes => Interlocked.Read(ref _bytes);

    internal void Add(long n) => Interlocked.Add(ref _bytes, n);

    public Stream Stream => _stream ??= new CountingStream(_inner.Stream, this);

    public PipeWriter Writer => _writer ??= new CountingPipeWriter(_inner.Writer, this);

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await _inner.SendFileAsync(path, offset, count, cancellationToken);
        Add(count ?? new FileInfo(path).Length - offset);
    }

    public Task CompleteAsync() => _inner.CompleteAsync();

    private sealed class CountingStream(Stream inner, CountingResponseBody counter) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            counter.Add(count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            counter.Add(buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            counter.Add(buffer.Length);
        }

        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private sealed class CountingPipeWriter(PipeWriter inner, CountingResponseBody counter) : PipeWriter
    {
        public override void Advance(int bytes)
        {
            inner.Advance(bytes);
            counter.Add(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);
        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
        public override void CancelPendingFlush() => inner.CancelPendingFlush();
        public override void Complete(Exception? exception = null) => inner.Complete(exception);
        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;
        public override long UnflushedBytes => inner.UnflushedBytes;
    }
}
