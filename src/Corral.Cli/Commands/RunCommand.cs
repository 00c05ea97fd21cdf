using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Corral.Cli.Client;
using Corral.Cli.Repl;
using Corral.Cli.Terminal;
using Corral.Config;
using Corral.Store;

namespace Corral.Cli.Commands;

/// <summary>
/// <c>corral run MODEL [PROMPT...]</c> (runtime.md §7.4): pulls a missing model, answers one prompt (from the
/// arguments and/or piped standard input) or opens the interactive REPL; embedding models print a vector.
/// <c>MODEL</c> may also be a path to a local GGUF file, imported by digest first.
/// </summary>
public static class RunCommand
{
    public static async Task<int> RunAsync(CliContext context, ParsedArgs args, CancellationToken cancellation)
    {
        bool interactive = true;
        var opts = new RunOptions { Model = args.Args[0], Format = args.GetString("format"), Verbose = args.GetBool("verbose") };

        bool thinkExplicit = args.Changed("think");
        if (thinkExplicit) opts.Think = ParseThink(args.GetString("think"));
        opts.HideThinking = args.GetBool("hidethinking");
        if (args.GetString("keepalive") is { Length: > 0 } keepAlive) opts.KeepAlive = GoDuration.Parse(keepAlive);

        var prompts = args.Args.Skip(1).ToList();
        if (!context.StdinIsTerminal)
        {
            await using var stdin = context.OpenStdin();
            using var reader = new StreamReader(stdin, new UTF8Encoding(false));
            string piped = await reader.ReadToEndAsync(cancellation);
            if (piped.Length > 0) prompts.Insert(0, piped);
            interactive = false;
        }
        opts.Prompt = string.Join(" ", prompts);
        if (prompts.Count > 0) interactive = false;
        if (!context.StdoutIsTerminal) interactive = false;
        // Upstream also wraps when standard output is a pipe (writing cursor escapes into it); Corral wraps only on a terminal.
        opts.WordWrap = !args.GetBool("nowordwrap") && context.StdoutIsTerminal;

        bool insecure = args.GetBool("insecure");
        if (LocalGguf.IsLocalFile(opts.Model)) opts.Model = await LocalGguf.ImportAsync(context, opts.Model, cancellation);
        var info = await ShowOrPullAsync(context, opts.Model, insecure, cancellation);

        var capabilities = ShowInfo.Capabilities(info);
        if (!thinkExplicit) opts.Think = capabilities.Contains("thinking") ? JsonValue.Create(true) : null;
        opts.MultiModal = capabilities.Contains("vision") || capabilities.Contains("audio") || info["projector_info"] is JsonObject { Count: > 0 }
            || (info["model_info"] as JsonObject ?? []).Any(kv => kv.Key.Contains(".vision.", StringComparison.Ordinal));
        ApplyShowResponse(opts, info);

        if (capabilities.Contains("embedding"))
        {
            if (opts.Prompt.Length == 0)
                throw new CliException($"embedding models require input text. Usage: {CommandLine.ProgramName} run {opts.Model} \"your text here\"");
            await EmbedAsync(context, opts, args.Changed("truncate") ? args.GetBool("truncate") : null, args.GetInt("dimensions"), cancellation);
            return 0;
        }
        if (capabilities.Contains("image")) throw new CliException("image generation models are not currently supported");

        if (interactive)
        {
            await StopCommand.LoadOrUnloadAsync(context, opts.Model, opts.KeepAlive, opts.Think, cancellation);
            foreach (var m in opts.LoadedMessages)
            {
                if (m.Role == "user") context.Out.Write($">>> {m.Content}\n");
                else if (m.Role == "assistant")
                {
                    new ResponseDisplay(context.Out, opts.WordWrap, context.TerminalWidth).Write(m.Content);
                    context.Out.Write("\n\n");
                }
            }
            using var reader = LineReaders.Create(context);
            return await new ReplSession(context, opts, reader, thinkExplicit).RunAsync(cancellation);
        }
        await Generation.GenerateAsync(context, opts, cancellation);
        return 0;
    }

    /// <summary><c>--think</c>: no value or <c>true</c>, <c>false</c>, or a level.</summary>
    public static JsonNode ParseThink(string value) => value switch
    {
        "" or "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        "high" or "medium" or "low" or "max" => JsonValue.Create(value),
        _ => throw new CliException($"invalid value for --think: {GoFormat.Quote(value)} (must be true, false, high, medium, low, or max)"),
    };

    /// <summary><c>/api/show</c>; a 404 pulls the model (with the pull progress) and shows it again.</summary>
    public static async Task<JsonObject> ShowOrPullAsync(CliContext context, string model, bool insecure, CancellationToken cancellation)
    {
        try
        {
            return await context.Client.PostJsonAsync("/api/show", new JsonObject { ["model"] = model }, cancellation) as JsonObject ?? [];
        }
        catch (ApiError e) when (e.Status == 404)
        {
            await PullCommand.PullAsync(context, model, insecure, cancellation);
            return await context.Client.PostJsonAsync("/api/show", new JsonObject { ["model"] = model }, cancellation) as JsonObject ?? [];
        }
    }

    public static void ApplyShowResponse(RunOptions opts, JsonObject info)
    {
        opts.ParentModel = ListCommand.Str(info["details"], "parent_model");
        opts.LoadedMessages = (info["messages"] as JsonArray ?? []).Select(ChatMessage.FromJson).ToList();
    }

    private static async Task EmbedAsync(CliContext context, RunOptions opts, bool? truncate, int dimensions, CancellationToken cancellation)
    {
        var req = new JsonObject { ["model"] = opts.Model, ["input"] = opts.Prompt };
        if (opts.KeepAlive is { } ka) req["keep_alive"] = RunOptions.KeepAliveJson(ka);
        if (truncate is { } t) req["truncate"] = t;
        if (dimensions > 0) req["dimensions"] = dimensions;
        var resp = await context.Client.PostJsonAsync("/api/embed", req, cancellation);
        if (resp?["embeddings"] is not JsonArray { Count: > 0 } embeddings || embeddings[0] is not JsonArray first)
            throw new CliException("no embeddings returned");
        var sb = new StringBuilder("[");
        for (int i = 0; i < first.Count; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(GoFormat.FormatJsonFloat((float)first[i]!.GetValue<double>(), float32: true));
        }
        sb.Append(']');
        context.Out.WriteLine(sb.ToString());
    }
}

/// <summary>
/// <c>corral run ./model.gguf</c>: hashes the file, uploads it as a blob unless the server has it, and creates a model
/// named after the file and tagged with the digest's first 12 hex digits, so the same bytes always map to one model.
/// </summary>
public static class LocalGguf
{
    /// <summary>An existing file named like a path (contains a separator) or ending in <c>.gguf</c>.</summary>
    public static bool IsLocalFile(string argument) =>
        File.Exists(argument) && (argument.Contains('/') || argument.Contains(Path.DirectorySeparatorChar) || argument.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase));

    /// <summary>The model name for a file with the given digest: the sanitised file name, tagged with 12 hex digits.</summary>
    public static string ModelNameFor(string path, string digest)
    {
        string stem = Path.GetFileNameWithoutExtension(path);
        var sb = new StringBuilder();
        foreach (char c in stem) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '-');
        string name = sb.ToString().TrimStart('-', '.', '_');
        if (name.Length > 80) name = name[..80];
        if (name.Length == 0) name = "model";
        string candidate = $"{name}:{TransferProgress.ShortDigest(digest)}";
        return ModelName.Parse(candidate).IsValid ? candidate : "model:" + TransferProgress.ShortDigest(digest);
    }

    public static async Task<string> ImportAsync(CliContext context, string path, CancellationToken cancellation)
    {
        string full = Path.GetFullPath(path);
        var progress = new TransferProgress(context, TransferProgress.Kind.Create, new Spinner($"importing {path}"), $"importing {path}");
        try
        {
            string digest;
            await using (var fs = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
                digest = Digest.FromHash(await SHA256.HashDataAsync(fs, cancellation));
            string name = ModelNameFor(full, digest);
            progress.StopSpinner();
            try
            {
                await context.Client.PostJsonAsync("/api/show", new JsonObject { ["model"] = name }, cancellation);
                progress.Display.StopAndClear();
                return name;
            }
            catch (ApiError e) when (e.Status == 404) { }
            var request = new CreateModelRequest
            {
                Model = name,
                Files = new Dictionary<string, string>(StringComparer.Ordinal) { [full] = digest },
            };
            await CreateCommand.CreateAsync(context, request, progress, cancellation);
            progress.Stop();
            return name;
        }
        catch
        {
            progress.Stop();
            throw;
        }
    }
}
