using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Corral.Cli.Client;
using Corral.Cli.Terminal;
using Corral.Config;

namespace Corral.Cli.Commands;

/// <summary>Streams a generate or chat request to the terminal, with the thinking display, tool calls and <c>--verbose</c> stats.</summary>
public static class Generation
{
    /// <summary>
    /// One <c>/api/chat</c> turn over the session's messages (the REPL). Returns the assistant message, or null when
    /// the user interrupted it with Ctrl+C.
    /// </summary>
    public static async Task<ChatMessage?> ChatAsync(CliContext context, RunOptions opts, CancellationToken cancellation)
    {
        var req = new JsonObject
        {
            ["model"] = opts.Model,
            ["messages"] = new JsonArray(opts.Messages.Select(m => (JsonNode)m.ToJson()).ToArray()),
        };
        if (opts.FormatJson() is { } format) req["format"] = format;
        req["options"] = opts.OptionsJson();
        if (opts.Think is not null) req["think"] = opts.Think.DeepClone();
        if (opts.KeepAlive is { } ka) req["keep_alive"] = RunOptions.KeepAliveJson(ka);

        var renderer = new StreamRenderer(context, opts, plainText: false);
        string role = "assistant";
        JsonObject? latest = null;
        try
        {
            using var interrupt = new InterruptScope(cancellation);
            try
            {
                await foreach (var chunk in context.Client.StreamAsync("/api/chat", req, interrupt.Token))
                {
                    latest = chunk;
                    var message = chunk["message"];
                    if (ListCommand.Str(message, "role") is { Length: > 0 } r) role = r;
                    renderer.Add(ListCommand.Str(message, "thinking"), ListCommand.Str(message, "content"), message?["tool_calls"] as JsonArray, toolCallsBeforeContent: true);
                }
            }
            catch (OperationCanceledException) when (interrupt.Interrupted)
            {
                // End the partial answer's line: the prompt is redrawn from the start of its line.
                context.Out.Write("\n");
                return null;
            }
            catch (ApiError e) when (e.Message.Contains("upstream error", StringComparison.Ordinal))
            {
                renderer.Finish();
                context.Out.WriteLine("An error occurred while processing your message. Please try again.");
                context.Out.WriteLine();
                return null;
            }
        }
        finally
        {
            renderer.Finish();
        }
        if (opts.Messages.Count > 0) context.Out.Write("\n\n");
        if (opts.Verbose && latest is not null) WriteSummary(context.Err, latest);
        return new ChatMessage(role, renderer.Content, renderer.Thinking.Length > 0 ? renderer.Thinking : null);
    }

    /// <summary>The one-shot <c>/api/generate</c> of <c>corral run MODEL PROMPT</c>.</summary>
    public static async Task GenerateAsync(CliContext context, RunOptions opts, CancellationToken cancellation)
    {
        if (opts.MultiModal)
        {
            var (prompt, images) = FileData.Extract(opts.Prompt, context.Err);
            opts.Prompt = prompt;
            opts.Images = images;
        }
        var req = new JsonObject { ["model"] = opts.Model, ["prompt"] = opts.Prompt };
        if (opts.Images.Count > 0) req["images"] = new JsonArray(opts.Images.Select(i => (JsonNode)Convert.ToBase64String(i)).ToArray());
        if (opts.FormatJson() is { } format) req["format"] = format;
        if (opts.System.Length > 0) req["system"] = opts.System;
        req["options"] = opts.OptionsJson();
        if (opts.KeepAlive is { } ka) req["keep_alive"] = RunOptions.KeepAliveJson(ka);
        if (opts.Think is not null) req["think"] = opts.Think.DeepClone();

        var renderer = new StreamRenderer(context, opts, plainText: !context.StdoutIsTerminal);
        JsonObject? latest = null;
        try
        {
            using var interrupt = new InterruptScope(cancellation);
            try
            {
                await foreach (var chunk in context.Client.StreamAsync("/api/generate", req, interrupt.Token))
                {
                    latest = chunk;
                    renderer.Add(ListCommand.Str(chunk, "thinking"), ListCommand.Str(chunk, "response"), chunk["tool_calls"] as JsonArray, toolCallsBeforeContent: false);
                }
            }
            catch (OperationCanceledException) when (interrupt.Interrupted)
            {
                context.Out.Write("\n");
                return;
            }
        }
        finally
        {
            renderer.Finish();
        }
        if (opts.Prompt.Length > 0) context.Out.Write("\n\n");
        if (latest?["done"] is JsonValue done && done.TryGetValue(out bool d) && d && opts.Verbose) WriteSummary(context.Err, latest);
    }

    /// <summary>The <c>--verbose</c> timings, each line only when its value is non-zero.</summary>
    public static void WriteSummary(TextWriter w, JsonObject final)
    {
        long total = ListCommand.Long(final, "total_duration"), load = ListCommand.Long(final, "load_duration");
        long promptCount = ListCommand.Long(final, "prompt_eval_count"), promptDuration = ListCommand.Long(final, "prompt_eval_duration");
        long evalCount = ListCommand.Long(final, "eval_count"), evalDuration = ListCommand.Long(final, "eval_duration");
        var sb = new StringBuilder();
        if (total > 0) sb.Append("total duration:       ").Append(new GoDuration(total)).Append('\n');
        if (load > 0) sb.Append("load duration:        ").Append(new GoDuration(load)).Append('\n');
        if (promptCount > 0) sb.Append("prompt eval count:    ").Append(promptCount).Append(" token(s)\n");
        if (promptDuration > 0)
        {
            sb.Append("prompt eval duration: ").Append(new GoDuration(promptDuration)).Append('\n');
            sb.Append("prompt eval rate:     ").Append(Rate(promptCount, promptDuration)).Append(" tokens/s\n");
        }
        if (evalCount > 0) sb.Append("eval count:           ").Append(evalCount).Append(" token(s)\n");
        if (evalDuration > 0)
        {
            sb.Append("eval duration:        ").Append(new GoDuration(evalDuration)).Append('\n');
            sb.Append("eval rate:            ").Append(Rate(evalCount, evalDuration)).Append(" tokens/s\n");
        }
        w.Write(sb.ToString());
    }

    private static string Rate(long count, long nanoseconds) =>
        Corral.Store.GoFormat.FormatFixed(count / (nanoseconds / 1e9), 2);

    /// <summary>How tool calls print: the CLI registers no tools, so every call is to a function that does not exist.</summary>
    public static string RenderToolCalls(JsonArray calls, bool plainText)
    {
        var sb = new StringBuilder();
        string explanation = plainText ? "" : Ansi.ColorGrey + Ansi.ColorBold;
        string values = plainText ? "" : Ansi.ColorDefault;
        sb.Append(explanation);
        int i = 0;
        foreach (var call in calls)
        {
            var function = call?["function"];
            string arguments = function?["arguments"]?.ToJsonString() ?? "null";
            if (i++ > 0) sb.Append('\n');
            sb.Append("  Model called a non-existent function '").Append(values).Append(ListCommand.Str(function, "name")).Append(explanation)
              .Append("()' with arguments: ").Append(values).Append(arguments).Append(explanation);
        }
        if (!plainText) sb.Append(Ansi.ColorDefault);
        return sb.ToString();
    }

    /// <summary>Shows the waiting spinner, then thinking and content as they stream.</summary>
    private sealed class StreamRenderer
    {
        private readonly CliContext _context;
        private readonly RunOptions _opts;
        private readonly bool _plainText;
        private readonly ProgressDisplay _progress;
        private readonly StringBuilder _thinking = new();
        private readonly StringBuilder _content = new();
        private ResponseDisplay _display;
        private bool _thinkOpened, _thinkClosed;

        public StreamRenderer(CliContext context, RunOptions opts, bool plainText)
        {
            _context = context;
            _opts = opts;
            _plainText = plainText;
            _progress = new ProgressDisplay(context.Err, TerminalSize.Width, () => TerminalSize.Height());
            _progress.Add(new Spinner(""));
            _display = new ResponseDisplay(context.Out, opts.WordWrap, context.TerminalWidth);
        }

        public string Thinking => _thinking.ToString();
        public string Content => _content.ToString();

        public void Add(string thinking, string content, JsonArray? toolCalls, bool toolCallsBeforeContent)
        {
            if (content.Length > 0 || !_opts.HideThinking) _progress.StopAndClear();
            if (thinking.Length > 0 && !_opts.HideThinking)
            {
                if (!_thinkOpened)
                {
                    _context.Out.Write(OpeningText(_plainText));
                    _thinkOpened = true;
                    _thinkClosed = false;
                }
                _thinking.Append(thinking);
                _display.Write(thinking);
            }
            bool hasCalls = toolCalls is { Count: > 0 };
            if (_thinkOpened && !_thinkClosed && (content.Length > 0 || hasCalls))
            {
                if (_thinking.Length == 0 || _thinking[^1] != '\n') _context.Out.WriteLine();
                _context.Out.Write(ClosingText(_plainText));
                _thinkOpened = false;
                _thinkClosed = true;
                _display = new ResponseDisplay(_context.Out, _opts.WordWrap, _context.TerminalWidth);
            }
            _content.Append(content);
            if (toolCallsBeforeContent && hasCalls) _context.Out.Write(RenderToolCalls(toolCalls!, _plainText));
            _display.Write(content);
            if (!toolCallsBeforeContent && hasCalls) _context.Out.Write(RenderToolCalls(toolCalls!, _plainText));
        }

        public void Finish() => _progress.StopAndClear();

        private static string OpeningText(bool plain) =>
            plain ? "Thinking...\n" : Ansi.ColorGrey + Ansi.ColorBold + "Thinking...\n" + Ansi.ColorDefault + Ansi.ColorGrey;

        private static string ClosingText(bool plain) =>
            plain ? "...done thinking.\n\n" : Ansi.ColorGrey + Ansi.ColorBold + "...done thinking.\n\n" + Ansi.ColorDefault;
    }
}

/// <summary>
/// While alive, Ctrl+C (SIGINT) cancels <see cref="Token"/> instead of ending the process, as the CLI stops a response
/// on Ctrl+C and carries on.
/// </summary>
public sealed class InterruptScope : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly PosixSignalRegistration? _registration;

    public InterruptScope(CancellationToken outer)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        try
        {
            _registration = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx =>
            {
                ctx.Cancel = true;
                Interrupted = true;
                _cts.Cancel();
            });
        }
        catch (PlatformNotSupportedException)
        {
            _registration = null;
        }
    }

    public CancellationToken Token => _cts.Token;

    public bool Interrupted { get; private set; }

    public void Dispose()
    {
        _registration?.Dispose();
        _cts.Dispose();
    }
}
