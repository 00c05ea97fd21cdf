using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Corral.Cli.Client;
using Corral.Cli.Commands;
using Corral.Cli.Terminal;
using Corral.Config;
using Corral.Store;

namespace Corral.Cli.Repl;

/// <summary>
/// The interactive REPL of <c>corral run</c> (runtime.md §7.5): messages go to <c>/api/chat</c> with the whole
/// session; slash commands change the session; <c>"""</c> starts a multi-line message. Messages and wording are
/// upstream's.
/// </summary>
public sealed class ReplSession(CliContext context, RunOptions opts, ILineReader reader, bool thinkExplicitlySet)
{
    private enum Multiline
    {
        None,
        Prompt,
        System,
    }

    private TextWriter Out => context.Out;
    private TextWriter Err => context.Err;
    private RunOptions _opts = opts;
    private bool _thinkExplicitlySet = thinkExplicitlySet;

    public async Task<int> RunAsync(CancellationToken cancellation)
    {
        if (context.StdoutIsTerminal) Out.Write(Ansi.StartBracketedPaste);
        try
        {
            return await LoopAsync(cancellation);
        }
        finally
        {
            if (context.StdoutIsTerminal) Out.Write(Ansi.EndBracketedPaste);
        }
    }

    private async Task<int> LoopAsync(CancellationToken cancellation)
    {
        var sb = new StringBuilder();
        var multiline = Multiline.None;
        while (true)
        {
            var result = reader.ReadLine();
            switch (result.Status)
            {
                case ReadStatus.Eof:
                    Out.Write("\n");
                    return 0;
                case ReadStatus.Interrupt:
                    if (result.Text.Length == 0) Out.Write("\nUse Ctrl + d or /bye to exit.\n");
                    reader.Prompt.UseAlt = false;
                    sb.Clear();
                    continue;
                case ReadStatus.EditPrompt:
                    sb.Clear();
                    try
                    {
                        string edited = EditInExternalEditor(result.Text);
                        if (edited.Trim().Length > 0) reader.Prefill = edited;
                    }
                    catch (CliException e)
                    {
                        Err.WriteLine($"error: {e.Message}");
                    }
                    continue;
            }

            string line = result.Text;
            if (multiline != Multiline.None)
            {
                bool closed = line.EndsWith("\"\"\"", StringComparison.Ordinal);
                sb.Append(closed ? line[..^3] : line);
                if (!closed)
                {
                    sb.Append('\n');
                    reader.Prompt.UseAlt = true;
                    continue;
                }
                if (multiline == Multiline.System)
                {
                    _opts.System = sb.ToString();
                    _opts.Messages.Add(new ChatMessage("system", _opts.System));
                    Out.WriteLine("Set system message.");
                    sb.Clear();
                }
                multiline = Multiline.None;
                reader.Prompt.UseAlt = false;
            }
            else if (line.StartsWith("\"\"\"", StringComparison.Ordinal))
            {
                string rest = line[3..];
                bool closed = rest.EndsWith("\"\"\"", StringComparison.Ordinal);
                sb.Append(closed ? rest[..^3] : rest);
                if (!closed)
                {
                    sb.Append('\n');
                    multiline = Multiline.Prompt;
                    reader.Prompt.UseAlt = true;
                }
            }
            else if (reader.Pasting)
            {
                sb.Append(line).Append('\n');
                continue;
            }
            else if (line.StartsWith("/list", StringComparison.Ordinal))
            {
                var args = Fields(line);
                var parsed = ParsedArgs.Parse(args[1..], []);
                await ListCommand.RunAsync(context, parsed, cancellation);
            }
            else if (line.StartsWith("/load", StringComparison.Ordinal))
            {
                await LoadAsync(Fields(line), cancellation);
                continue;
            }
            else if (line.StartsWith("/save", StringComparison.Ordinal))
            {
                await SaveAsync(Fields(line), cancellation);
                continue;
            }
            else if (line.StartsWith("/clear", StringComparison.Ordinal))
            {
                _opts.Messages = [];
                if (_opts.System.Length > 0) _opts.Messages.Add(new ChatMessage("system", _opts.System));
                Out.WriteLine("Cleared session context");
                continue;
            }
            else if (line.StartsWith("/set", StringComparison.Ordinal))
            {
                var args = Fields(line);
                if (args.Length > 1 && args[1] == "system")
                {
                    if (args.Length < 3)
                    {
                        Err.Write(ReplHelp.Set);
                        continue;
                    }
                    multiline = Multiline.System;
                    string text = string.Join(" ", args[2..]);
                    if (!text.StartsWith("\"\"\"", StringComparison.Ordinal)) multiline = Multiline.None;
                    else
                    {
                        text = text[3..];
                        if (text.EndsWith("\"\"\"", StringComparison.Ordinal))
                        {
                            text = text[..^3];
                            multiline = Multiline.None;
                        }
                    }
                    sb.Append(text);
                    if (multiline != Multiline.None)
                    {
                        reader.Prompt.UseAlt = true;
                        continue;
                    }
                    _opts.System = sb.ToString();
                    var message = new ChatMessage("system", sb.ToString());
                    if (_opts.Messages.Count > 0 && _opts.Messages[^1].Role == "system") _opts.Messages[^1] = message;
                    else _opts.Messages.Add(message);
                    Out.WriteLine("Set system message.");
                    sb.Clear();
                    continue;
                }
                if (await SetAsync(args, cancellation)) continue;
            }
            else if (line.StartsWith("/show", StringComparison.Ordinal))
            {
                await ShowAsync(Fields(line), cancellation);
            }
            else if (line.StartsWith("/help", StringComparison.Ordinal) || line.StartsWith("/?", StringComparison.Ordinal))
            {
                var args = Fields(line);
                if (args.Length > 1)
                {
                    switch (args[1])
                    {
                        case "set" or "/set":
                            Err.Write(ReplHelp.Set);
                            break;
                        case "show" or "/show":
                            Err.Write(ReplHelp.Show);
                            break;
                        case "shortcut" or "shortcuts":
                            Err.Write(ReplHelp.Shortcuts);
                            break;
                    }
                }
                else
                {
                    Err.Write(ReplHelp.Usage(_opts.MultiModal));
                }
            }
            else if (line.StartsWith("/exit", StringComparison.Ordinal) || line.StartsWith("/bye", StringComparison.Ordinal))
            {
                return 0;
            }
            else if (line.StartsWith('/'))
            {
                var args = Fields(line);
                bool isFile = _opts.MultiModal && FileData.ExtractFileNames(line).Any(f => f.StartsWith(args[0], StringComparison.Ordinal));
                if (!isFile)
                {
                    Out.WriteLine($"Unknown command '{args[0]}'. Type /? for help");
                    continue;
                }
                sb.Append(line);
            }
            else
            {
                sb.Append(line);
            }

            if (sb.Length > 0 && multiline == Multiline.None)
            {
                var message = new ChatMessage("user", sb.ToString());
                if (_opts.MultiModal)
                {
                    var (text, images) = FileData.Extract(sb.ToString(), Err);
                    message = message with { Content = text, Images = images };
                }
                _opts.Messages.Add(message);
                try
                {
                    var assistant = await Generation.ChatAsync(context, _opts, cancellation);
                    if (assistant is not null) _opts.Messages.Add(assistant);
                }
                catch (ApiError e) when (e.Message.Contains("does not support thinking", StringComparison.Ordinal) || e.Message.Contains("invalid think value", StringComparison.Ordinal))
                {
                    Out.WriteLine($"error: {e.Message}");
                }
                sb.Clear();
            }
        }
    }

    private static string[] Fields(string line) => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private async Task LoadAsync(string[] args, CancellationToken cancellation)
    {
        if (args.Length != 2)
        {
            Out.WriteLine("Usage:\n  /load <modelname>");
            return;
        }
        var original = _opts.Copy();
        _opts.Model = args[1];
        _opts.Messages = [];
        _opts.LoadedMessages = [];
        Out.WriteLine($"Loading model '{_opts.Model}'");
        JsonObject info;
        try
        {
            info = await context.Client.PostJsonAsync("/api/show", new JsonObject { ["model"] = _opts.Model }, cancellation) as JsonObject ?? [];
        }
        catch (ApiError e) when (e.Message.Contains("not found", StringComparison.Ordinal))
        {
            Out.WriteLine($"Couldn't find model '{_opts.Model}'");
            _opts = original;
            return;
        }
        RunCommand.ApplyShowResponse(_opts, info);
        if (!_thinkExplicitlySet) _opts.Think = ShowInfo.Capabilities(info).Contains("thinking") ? JsonValue.Create(true) : null;
        try
        {
            await StopCommand.LoadOrUnloadAsync(context, _opts.Model, _opts.KeepAlive, _opts.Think, cancellation);
        }
        catch (ApiError e) when (e.Message.Contains("not found", StringComparison.Ordinal))
        {
            Out.WriteLine($"Couldn't find model '{_opts.Model}'");
            _opts = original;
        }
        catch (ApiError e) when (e.Message.Contains("does not support thinking", StringComparison.Ordinal))
        {
            Out.WriteLine($"error: {e.Message}");
        }
    }

    private async Task SaveAsync(string[] args, CancellationToken cancellation)
    {
        if (args.Length != 2)
        {
            Out.WriteLine("Usage:\n  /save <modelname>");
            return;
        }
        try
        {
            var request = _opts.SaveRequest(args[1]);
            // Upstream derives from the parent model whenever its name is valid; a model imported from a file reports
            // the file's name as its parent, so Corral checks that the parent exists before using it.
            if (ListCommand.Str(request, "from") != _opts.Model && !await ExistsAsync(ListCommand.Str(request, "from"), cancellation))
                request["from"] = _opts.Model;
            await foreach (var _ in context.Client.StreamAsync("/api/create", request, cancellation)) { }
        }
        catch (ApiError e) when (e.Message.Contains("invalid model name", StringComparison.Ordinal))
        {
            Out.WriteLine($"error: The model name '{args[1]}' is invalid");
            return;
        }
        Out.WriteLine($"Created new model '{args[1]}'");
    }

    private async Task<bool> ExistsAsync(string model, CancellationToken cancellation)
    {
        try
        {
            await context.Client.PostJsonAsync("/api/show", new JsonObject { ["model"] = model }, cancellation);
            return true;
        }
        catch (ApiError)
        {
            return false;
        }
    }

    /// <summary>The <c>/set</c> commands other than <c>system</c>; returns true when the line is fully handled.</summary>
    private async Task<bool> SetAsync(string[] args, CancellationToken cancellation)
    {
        if (args.Length <= 1)
        {
            Err.Write(ReplHelp.Set);
            return false;
        }
        switch (args[1])
        {
            case "history":
                reader.History.Enabled = true;
                break;
            case "nohistory":
                reader.History.Enabled = false;
                break;
            case "wordwrap":
                _opts.WordWrap = true;
                Out.WriteLine("Set 'wordwrap' mode.");
                break;
            case "nowordwrap":
                _opts.WordWrap = false;
                Out.WriteLine("Set 'nowordwrap' mode.");
                break;
            case "verbose":
                _opts.Verbose = true;
                Out.WriteLine("Set 'verbose' mode.");
                break;
            case "quiet":
                _opts.Verbose = false;
                Out.WriteLine("Set 'quiet' mode.");
                break;
            case "think":
            {
                string level = args.Length > 2 ? args[2] : "";
                _opts.Think = level.Length > 0 ? JsonValue.Create(level) : JsonValue.Create(true);
                _thinkExplicitlySet = true;
                await WarnIfNoThinkingAsync(cancellation);
                Out.WriteLine(level.Length > 0 ? $"Set 'think' mode to '{level}'." : "Set 'think' mode.");
                break;
            }
            case "nothink":
                _opts.Think = JsonValue.Create(false);
                _thinkExplicitlySet = true;
                await WarnIfNoThinkingAsync(cancellation);
                Out.WriteLine("Set 'nothink' mode.");
                break;
            case "format":
                if (args.Length < 3 || args[2] != "json")
                {
                    Out.WriteLine("Invalid or missing format. For 'json' mode use '/set format json'");
                }
                else
                {
                    _opts.Format = args[2];
                    Out.WriteLine($"Set format to '{args[2]}' mode.");
                }
                break;
            case "noformat":
                _opts.Format = "";
                Out.WriteLine("Disabled format.");
                break;
            case "parameter":
                if (args.Length < 4)
                {
                    Err.Write(ReplHelp.Parameters);
                    return true;
                }
                try
                {
                    var value = SessionParameters.Parse(args[2], args[3..]);
                    Out.WriteLine($"Set parameter '{args[2]}' to '{string.Join(", ", args[3..])}'");
                    _opts.SetOption(args[2], value);
                }
                catch (CliException e)
                {
                    Out.WriteLine($"Couldn't set parameter: {GoFormat.Quote(e.Message)}");
                }
                return true;
            default:
                Out.WriteLine($"Unknown command '/set {args[1]}'. Type /? for help");
                break;
        }
        return false;
    }

    private async Task WarnIfNoThinkingAsync(CancellationToken cancellation)
    {
        try
        {
            var info = await context.Client.PostJsonAsync("/api/show", new JsonObject { ["model"] = _opts.Model }, cancellation) as JsonObject ?? [];
            if (!ShowInfo.Capabilities(info).Contains("thinking"))
                Err.WriteLine($"warning: model {GoFormat.Quote(_opts.Model)} does not support thinking output");
        }
        catch (Exception e) when (e is ApiError or CliException) { }
    }

    private async Task ShowAsync(string[] args, CancellationToken cancellation)
    {
        if (args.Length <= 1)
        {
            Err.Write(ReplHelp.Show);
            return;
        }
        var req = new JsonObject { ["model"] = _opts.Model };
        if (_opts.System.Length > 0) req["system"] = _opts.System;
        if (_opts.Options.Count > 0) req["options"] = _opts.OptionsJson();
        JsonObject resp;
        try
        {
            resp = await context.Client.PostJsonAsync("/api/show", req, cancellation) as JsonObject ?? [];
        }
        catch (ApiError)
        {
            Out.WriteLine("error: couldn't get model");
            throw;
        }
        switch (args[1])
        {
            case "info":
                Err.Write(ShowInfo.Format(resp, verbose: false));
                break;
            case "license":
                Out.WriteLine(ListCommand.Str(resp, "license") is { Length: > 0 } license ? license : "No license was specified for this model.");
                break;
            case "modelfile":
                Out.WriteLine(ListCommand.Str(resp, "modelfile"));
                break;
            case "parameters":
            {
                Out.WriteLine("Model defined parameters:");
                string parameters = ListCommand.Str(resp, "parameters");
                if (parameters.Length == 0) Out.WriteLine("  No additional parameters were specified for this model.");
                else foreach (var l in parameters.Split('\n')) Out.WriteLine($"  {l}");
                Out.WriteLine();
                if (_opts.Options.Count > 0)
                {
                    Out.WriteLine("User defined parameters:");
                    foreach (var (k, v) in _opts.Options) Out.WriteLine($"  {k,-30} {ShowInfo.GoValue(v)}");
                    Out.WriteLine();
                }
                break;
            }
            case "system":
                if (_opts.System.Length > 0) Out.WriteLine(_opts.System + "\n");
                else if (ListCommand.Str(resp, "system") is { Length: > 0 } system) Out.WriteLine(system + "\n");
                else Out.WriteLine("No system message was specified for this model.");
                break;
            case "template":
                Out.WriteLine(ListCommand.Str(resp, "template") is { Length: > 0 } template ? template : "No prompt template was specified for this model.");
                break;
            default:
                Out.WriteLine($"Unknown command '/show {args[1]}'. Type /? for help");
                break;
        }
    }

    /// <summary>Ctrl+G: the text in <c>OLLAMA_EDITOR</c>, <c>VISUAL</c>, <c>EDITOR</c> or <c>vi</c>; returns the edited text.</summary>
    private string EditInExternalEditor(string content)
    {
        string editor = context.Env.Editor;
        if (editor.Length == 0) editor = Environment.GetEnvironmentVariable("VISUAL") ?? "";
        if (editor.Length == 0) editor = Environment.GetEnvironmentVariable("EDITOR") ?? "";
        if (editor.Length == 0) editor = "vi";
        var parts = editor.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (!ExecutableExists(parts[0]))
            throw new CliException($"editor {GoFormat.Quote(parts[0])} not found, set OLLAMA_EDITOR to the path of your preferred editor");
        string temp = Path.Combine(Path.GetTempPath(), $"ollama-prompt-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllText(temp, content);
            var psi = new ProcessStartInfo(parts[0]) { UseShellExecute = false };
            foreach (var a in parts[1..]) psi.ArgumentList.Add(a);
            psi.ArgumentList.Add(temp);
            using var p = Process.Start(psi) ?? throw new CliException("could not start the editor");
            p.WaitForExit();
            if (p.ExitCode != 0) throw new CliException($"editor exited with error: exit status {p.ExitCode}");
            return File.ReadAllText(temp).TrimEnd('\n');
        }
        finally
        {
            try { File.Delete(temp); } catch (IOException) { }
        }
    }

    private static bool ExecutableExists(string name)
    {
        if (name.Contains('/')) return File.Exists(name);
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, name))) return true;
        return false;
    }
}

/// <summary>Typing of <c>/set parameter NAME VALUE...</c> values, as upstream's <c>FormatParams</c> does.</summary>
public static class SessionParameters
{
    public static JsonNode Parse(string name, string[] values)
    {
        if (!OptionKinds.TryGetKind(name, out var kind)) throw new CliException($"unknown parameter '{name}'");
        string shown = "[" + string.Join(" ", values) + "]";
        switch (kind)
        {
            case OptionKind.Float:
                if (!GoInt.TryParseFloat(values[0], 32, out double f)) throw new CliException($"invalid float value {shown}");
                // The float32's shortest decimal form, sent and shown as Go shows a float32.
                return JsonValue.Create(double.Parse(((float)f).ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture));
            case OptionKind.Integer:
                if (!GoInt.TryParseInt64(values[0], out long i)) throw new CliException($"invalid int value {shown}");
                return JsonValue.Create(i);
            case OptionKind.Boolean:
                if (!GoInt.TryParseBool(values[0], out bool b)) throw new CliException($"invalid bool value {shown}");
                return JsonValue.Create(b);
            default:
                return new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
        }
    }
}
