using System.Text.Json.Nodes;
using Corral.Cli.Client;
using Corral.Cli.Terminal;
using Corral.Config;

namespace Corral.Cli.Commands;

/// <summary><c>corral cp SOURCE DESTINATION</c>.</summary>
public static class CopyCommand
{
    public static async Task<int> RunAsync(CliContext context, ParsedArgs args, CancellationToken cancellation)
    {
        await context.Client.SendAsync(HttpMethod.Post, "/api/copy", new JsonObject { ["source"] = args.Args[0], ["destination"] = args.Args[1] }, cancellation);
        context.Out.WriteLine($"copied '{args.Args[0]}' to '{args.Args[1]}'");
        return 0;
    }
}

/// <summary><c>corral rm MODEL...</c>: each model is unloaded first (a warning if that fails), then deleted.</summary>
public static class RemoveCommand
{
    public static async Task<int> RunAsync(CliContext context, ParsedArgs args, CancellationToken cancellation)
    {
        foreach (var name in args.Args)
        {
            try
            {
                await StopCommand.UnloadAsync(context, name, cancellation);
            }
            catch (Exception e) when (e is ApiError or CliException)
            {
                if (!e.Message.Contains("not found", StringComparison.OrdinalIgnoreCase))
                    context.Err.WriteLine($"Warning: unable to stop model '{name}'");
            }
            await context.Client.SendAsync(HttpMethod.Delete, "/api/delete", new JsonObject { ["model"] = name }, cancellation);
            context.Out.WriteLine($"deleted '{name}'");
        }
        return 0;
    }
}

/// <summary><c>corral stop MODEL</c>: a generate request with <c>keep_alive: 0</c>.</summary>
public static class StopCommand
{
    public static async Task<int> RunAsync(CliContext context, ParsedArgs args, CancellationToken cancellation)
    {
        try
        {
            await UnloadAsync(context, args.Args[0], cancellation);
        }
        catch (Exception e) when (e is ApiError or CliException && e.Message.Contains("not found", StringComparison.Ordinal))
        {
            throw new CliException($"couldn't find model \"{args.Args[0]}\" to stop");
        }
        return 0;
    }

    /// <summary>Shows the model (remote models are not unloaded), then asks the server to unload it, with a spinner that is cleared after.</summary>
    public static Task UnloadAsync(CliContext context, string model, CancellationToken cancellation) =>
        LoadOrUnloadAsync(context, model, GoDuration.Zero, think: null, cancellation);

    /// <summary>
    /// Upstream's <c>loadOrUnloadModel</c>: <c>/api/show</c> first (a remote model needs nothing), then an empty
    /// <c>/api/generate</c> with only the model, <c>keep_alive</c> and <c>think</c>: it loads the model, or unloads it
    /// when <c>keep_alive</c> is 0.
    /// </summary>
    public static async Task LoadOrUnloadAsync(CliContext context, string model, GoDuration? keepAlive, JsonNode? think, CancellationToken cancellation)
    {
        var progress = new ProgressDisplay(context.Err, TerminalSize.Width, () => TerminalSize.Height());
        try
        {
            progress.Add(new Spinner(""));
            var info = await context.Client.PostJsonAsync("/api/show", new JsonObject { ["model"] = model }, cancellation);
            if (ListCommand.Str(info, "remote_host").Length > 0) return;
            var req = new JsonObject { ["model"] = model, ["prompt"] = "" };
            if (keepAlive is { } ka) req["keep_alive"] = RunOptions.KeepAliveJson(ka);
            if (think is not null) req["think"] = think.DeepClone();
            await foreach (var _ in context.Client.StreamAsync("/api/generate", req, cancellation)) { }
        }
        finally
        {
            progress.StopAndClear();
        }
    }
}
