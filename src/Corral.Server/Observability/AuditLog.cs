using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Corral.Server.Security;
using Microsoft.Extensions.Logging;

namespace Corral.Server.Observability;

/// <summary>One request as the audit log records it.</summary>
public readonly record struct AuditEntry(
    DateTimeOffset Time,
    string? Key,
    string? Client,
    string Method,
    string Path,
    string? Model,
    int Status,
    double DurationMs,
    int? PromptTokens,
    int? EvalTokens,
    long BytesOut);

/// <summary>
/// <c>CORRAL_AUDIT_LOG=/path/file.jsonl</c>: one JSON object per line per request. Requests only queue their entry
/// (a bounded channel; when a stalled disk lets it fill, entries are dropped and counted rather than making requests
/// wait); a single writer appends whatever is queued and flushes it to the file. A file that cannot be written is
/// reported once and retried with each later batch; the server keeps serving meanwhile. When the file is rotated away
/// (renamed, or truncated by copytruncate) the writer reopens the path.
/// </summary>
public sealed class AuditLog : IAsyncDisposable
{
    public const string Variable = "CORRAL_AUDIT_LOG";
    private const int QueueCapacity = 16 * 1024;

    private readonly string _path;
    private readonly ILogger _logger;
    private readonly Channel<AuditEntry> _queue = Channel.CreateBounded<AuditEntry>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Task _writer;
    private FileStream? _file;
    private long _dropped;
    private long _droppedReported;
    private bool _failing;
    private int _queueFullReported;

    private AuditLog(string path, FileStream file, ILogger logger)
    {
        _path = path;
        _file = file;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    public string Path => _path;

    /// <summary>Entries lost so far (queue full or file not writable).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Opens (creating folders and the file as needed) for appending.</summary>
    /// <exception cref="OpsConfigurationException">The file cannot be opened for writing.</exception>
    public static AuditLog Open(string path, ILogger logger)
    {
        try
        {
            string full = System.IO.Path.GetFullPath(path);
            if (System.IO.Path.GetDirectoryName(full) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
            return new AuditLog(full, OpenFile(full), logger);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new OpsConfigurationException($"{Variable}: cannot open '{path}' for appending: {e.Message}");
        }
    }

    private static FileStream OpenFile(string path)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0, // the writer hands over whole batches
        };
        // Request paths, client addresses and key names are not for everyone: owner read/write, group read.
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        return new FileStream(path, options);
    }

    /// <summary>Queues one entry; never waits.</summary>
    public void Write(in AuditEntry entry)
    {
        if (_queue.Writer.TryWrite(entry)) return;
        Interlocked.Increment(ref _dropped);
        if (Interlocked.Exchange(ref _queueFullReported, 1) == 0)
            _logger.LogWarning("audit log: writing to {Path} cannot keep up; entries are dropped while {Capacity} wait", _path, QueueCapacity);
    }

    private async Task WriteLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            int count = 0;
            while (buffer.WrittenCount < 1 << 20 && reader.TryRead(out var entry))
            {
                Serialize(json, entry);
                json.Flush();
                json.Reset();
                buffer.Write("\n"u8);
                count++;
            }
            Append(buffer.WrittenSpan, count);
            buffer.ResetWrittenCount();
        }
        _file?.Dispose();
    }

    private void Append(ReadOnlySpan<byte> lines, int count)
    {
        try
        {
            if (_file is null || Rotated(_file)) Reopen();
            _file!.Write(lines);
            _file.Flush();
            if (_failing)
            {
                _failing = false;
                _logger.LogWarning("audit log: writing to {Path} again; {Dropped} entries were lost meanwhile", _path, Dropped - _droppedReported);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Interlocked.Add(ref _dropped, count);
            _file?.Dispose();
            _file = null;
            if (!_failing)
            {
                _failing = true;
                _droppedReported = Dropped - count;
                _logger.LogError("audit log: cannot write to {Path}: {Reason}; requests are still served, their entries are lost until writing works again", _path, e.Message);
            }
        }
    }

    /// <summary>The path no longer leads to our file: it was renamed away or truncated under us.</summary>
    private bool Rotated(FileStream file)
    {
        var info = new FileInfo(_path);
        return !info.Exists || info.Length < file.Position;
    }

    private void Reopen()
    {
        _file?.Dispose();
        _file = null;
        _file = OpenFile(_path);
    }

    private static void Serialize(Utf8JsonWriter w, in AuditEntry e)
    {
        w.WriteStartObject();
        w.WriteString("time", e.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        if (e.Key != null) w.WriteString("key", e.Key);
        if (e.Client != null) w.WriteString("client", e.Client);
        w.WriteString("method", e.Method);
        w.WriteString("path", e.Path);
        if (e.Model != null) w.WriteString("model", e.Model);
        w.WriteNumber("status", e.Status);
        w.WriteNumber("duration_ms", Math.Round(e.DurationMs, 3));
        if (e.PromptTokens is { } p) w.WriteNumber("prompt_tokens", p);
        if (e.EvalTokens is { } n) w.WriteNumber("eval_tokens", n);
        w.WriteNumber("bytes_out", e.BytesOut);
        w.WriteEndObject();
    }

    /// <summary>Writes what is queued, then closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _writer.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("audit log: {Path} did not take the last entries within 10 s", _path);
        }
        if (Dropped > 0) _logger.LogWarning("audit log: {Dropped} entries were lost in all", Dropped);
    }
}
