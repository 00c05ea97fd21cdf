using System.Text.Json.Nodes;
using Corral.Cli.Terminal;
using Corral.Store;

namespace Corral.Cli.Commands;

/// <summary>
/// Turns a stream of pull/push/create progress objects into Ollama's progress area: a spinner per status without a
/// digest, a bar per digest (runtime.md §7.6).
/// </summary>
public sealed class TransferProgress : IDisposable
{
    public enum Kind
    {
        Pull,
        Push,
        Create,
    }

    private readonly Kind _kind;
    private readonly Dictionary<string, ProgressBar> _bars = new(StringComparer.Ordinal);
    private string _status = "";
    private Spinner? _spinner;

    public ProgressDisplay Display { get; }

    public TransferProgress(CliContext context, Kind kind, Spinner? initial = null, string initialStatus = "")
    {
        _kind = kind;
        Display = new ProgressDisplay(context.Err, TerminalSize.Width, () => TerminalSize.Height());
        if (initial is not null)
        {
            _spinner = initial;
            _status = initialStatus;
            Display.Add(initial);
        }
    }

    public void Report(JsonObject p)
    {
        string status = ListCommand.Str(p, "status");
        string digest = ListCommand.Str(p, "digest");
        long total = ListCommand.Long(p, "total");
        long completed = ListCommand.Long(p, "completed");
        if (digest.Length > 0)
        {
            // A pull announces each layer with completed 0 before downloading it; upstream skips that update.
            if (_kind == Kind.Pull && completed == 0) return;
            if (_kind != Kind.Create) _spinner?.Stop();
            if (!_bars.TryGetValue(digest, out var bar))
            {
                string label = _kind switch
                {
                    Kind.Pull => $"pulling {ShortDigest(digest)}:",
                    _ when status.Length > 0 => status,
                    Kind.Push => $"pushing {ShortDigest(digest)}...",
                    _ => $"pulling {ShortDigest(digest)}...",
                };
                bar = new ProgressBar(label, total, completed);
                _bars[digest] = bar;
                Display.Add(bar);
            }
            bar.Set(completed);
        }
        else if (status != _status)
        {
            _spinner?.Stop();
            _status = status;
            _spinner = new Spinner(status);
            Display.Add(_spinner);
        }
    }

    /// <summary>The first 12 hex digits of a <c>sha256:</c> digest (other digests as given).</summary>
    public static string ShortDigest(string digest)
    {
        string hex = digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest[7..].Trim() : digest.Trim();
        return hex[..Math.Min(12, hex.Length)];
    }

    /// <summary>Stops the current spinner (its line stays, without the spinner glyph).</summary>
    public void StopSpinner() => _spinner?.Stop();

    public void Stop()
    {
        _spinner?.Stop();
        Display.Stop();
    }

    public void Dispose() => Stop();
}

/// <summary><c>corral pull MODEL [--insecure]</c>.</summary>
public static class PullCommand
{
    public static async Task<int> RunAsync(CliContext context, ParsedArgs args, CancellationToken cancellation)
    {
        await PullAsync(context, args.Args[0], args.GetBool("insecure"), cancellation);
        return 0;
    }

    /// <summary>Pulls with the progress UI on standard error (also used by <c>run</c> for a missing model).</summary>
    public static async Task PullAsync(CliContext context, string model, bool insecure, CancellationToken cancellation)
    {
        using var progress = new TransferProgress(context, TransferProgress.Kind.Pull);
        var body = new JsonObject { ["model"] = model };
        if (insecure) body["insecure"] = true;
        await foreach (var p in context.Client.StreamAsync("/api/pull", body, cancellation)) progress.Report(p);
    }
}

/// <summary><c>corral push MODEL [--insecure]</c>: progress, then where the model can be found.</summary>
public static class PushCommand
{
    public static async Task<int> RunAsync(CliContext context, ParsedArgs args, CancellationToken cancellation)
    {
        string model = args.Args[0];
        var progress = new TransferProgress(context, TransferProgress.Kind.Push);
        try
        {
            var body = new JsonObject { ["model"] = model };
            if (args.GetBool("insecure")) body["insecure"] = true;
            await foreach (var p in context.Client.StreamAsync("/api/push", body, cancellation)) progress.Report(p);
        }
        catch (Client.ApiError e) when (e.Message.Contains("access denied", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("unauthorized", StringComparison.OrdinalIgnoreCase))
        {
            progress.Stop();
            throw new CliException("you are not authorized to push to this namespace, create the model under a namespace you own");
        }
        catch
        {
            progress.Stop();
            throw;
        }
        progress.Stop();

        var name = ModelName.Parse(model);
        string destination = name.ToString();
        if (name.Host.EndsWith(".ollama.ai", StringComparison.Ordinal) || name.Host.EndsWith(".ollama.com", StringComparison.Ordinal))
        {
            string shortest = name.DisplayShortest;
            if (shortest.EndsWith(":latest", StringComparison.Ordinal)) shortest = shortest[..^":latest".Length];
            destination = "https://ollama.com/" + shortest;
        }
        context.Out.Write($"\nYou can find your model at:\n\n\t{destination}\n");
        return 0;
    }
}
