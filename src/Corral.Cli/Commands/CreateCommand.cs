using System.Net;
using System.Text.Json.Nodes;
using Corral.Cli.Terminal;
using Corral.Store;
using Corral.Store.Modelfiles;

namespace Corral.Cli.Commands;

/// <summary>
/// <c>corral create NAME [-f Modelfile] [-q TYPE]</c> (runtime.md §6.2): parse the Modelfile, hash the files it names,
/// upload the blobs the server lacks, then stream <c>/api/create</c> with spinners and bars.
/// </summary>
public static class CreateCommand
{
    public static async Task<int> RunAsync(CliContext context, ParsedArgs args, CancellationToken cancellation)
    {
        if (!args.GetBool("experimental")) await context.Client.EnsureServerAsync(cancellation);
        string modelName = args.Args[0];
        if (!ModelName.Parse(modelName).IsValid) throw new CliException($"invalid model name: {modelName}");
        if (args.GetBool("experimental"))
            throw new CliException("--experimental (direct safetensors import) is not supported by Corral; use a GGUF file or directory");

        // Upstream falls back to "FROM ." (relative to the working directory) whenever the Modelfile cannot be found.
        string fileArgument = args.GetString("file");
        string path = Path.GetFullPath(fileArgument.Length > 0 ? fileArgument : "Modelfile");
        Modelfile modelfile;
        string relativeDirectory;
        if (File.Exists(path))
        {
            modelfile = Modelfile.ParseFile(path);
            relativeDirectory = Path.GetDirectoryName(path)!;
        }
        else if (Directory.Exists(path))
        {
            throw new CliException($"read {path}: is a directory");
        }
        else
        {
            modelfile = Modelfile.Parse("FROM .\n");
            relativeDirectory = ".";
        }

        var progress = new TransferProgress(context, TransferProgress.Kind.Create, new Spinner("gathering model components"), "gathering model components");
        try
        {
            var env = new ModelfileEnvironment { CurrentUserHome = () => context.Env.HomeDirectory, Warn = context.Out.WriteLine };
            var request = await Task.Run(() => ModelfileRequestBuilder.Build(modelfile, relativeDirectory, env), cancellation);
            progress.StopSpinner();
            request.Model = modelName;
            if (args.GetString("quantize") is { Length: > 0 } quantize) request.Quantize = quantize;
            if (args.GetString("draft-quantize") is { Length: > 0 } draftQuantize)
            {
                if (request.DraftFiles is not { Count: > 0 }) throw new CliException("--draft-quantize requires a DRAFT model");
                request.DraftQuantize = draftQuantize;
            }
            await CreateAsync(context, request, progress, cancellation);
        }
        finally
        {
            progress.Stop();
        }
        return 0;
    }

    /// <summary>Uploads every file of <paramref name="request"/> (keyed by local path), renames them to their wire names and streams the create.</summary>
    public static async Task CreateAsync(CliContext context, CreateModelRequest request, TransferProgress progress, CancellationToken cancellation)
    {
        var uploads = new List<(string Path, string Digest)>();
        foreach (var map in new[] { request.Files, request.Adapters, request.DraftFiles })
            if (map is not null) uploads.AddRange(map.Select(kv => (kv.Key, kv.Value)));
        await Parallel.ForEachAsync(uploads.DistinctBy(u => u.Digest),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(Environment.ProcessorCount - 1, 1), CancellationToken = cancellation },
            async (u, ct) => await UploadBlobAsync(context, u.Path, u.Digest, progress.Display, ct));

        request.Files = ModelfileRequestBuilder.ToWireKeys(request.Files);
        request.Adapters = ModelfileRequestBuilder.ToWireKeys(request.Adapters);
        request.DraftFiles = ModelfileRequestBuilder.ToWireKeys(request.DraftFiles);

        var body = JsonNode.Parse(request.ToJson())!;
        await foreach (var p in context.Client.StreamAsync("/api/create", body, cancellation)) progress.Report(p);
    }

    /// <summary>
    /// Sends one file as a blob unless the server already has it (<c>HEAD</c> first), with the spinner
    /// <c>copying file sha256:… NN%</c> updated every 60 ms.
    /// </summary>
    public static async Task UploadBlobAsync(CliContext context, string path, string digest, ProgressDisplay display, CancellationToken cancellation)
    {
        var spinner = new Spinner($"copying file {digest} 0%");
        display.Add(spinner);
        try
        {
            if (await context.Client.HeadAsync("/api/blobs/" + digest, cancellation) == HttpStatusCode.OK)
            {
                spinner.Message = $"copying file {digest} 100%";
                return;
            }
            await using var file = new FileStream(RealPath(path), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            long size = Math.Max(file.Length, 1);
            await using var counting = new CountingStream(file);
            using var timer = new Timer(_ => spinner.Message = $"copying file {digest} {100 * counting.BytesRead / size}%", null, 60, 60);
            await context.Client.UploadBlobAsync(digest, counting, cancellation);
            await timer.DisposeAsync();
            spinner.Message = $"copying file {digest} 100%";
        }
        finally
        {
            spinner.Stop();
        }
    }

    private static string RealPath(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is not null ? info.ResolveLinkTarget(true)?.FullName ?? path : path;
    }
}

/// <summary>A read-only stream that counts the bytes read through it.</summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    private long _read;

    public long BytesRead => Interlocked.Read(ref _read);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int n)
    {
        Interlocked.Add(ref _read, n);
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
