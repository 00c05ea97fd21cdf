using System.Diagnostics;
using System.Text;

namespace Corral.Cli.Tests.Infrastructure;

/// <summary>
/// A real terminal for the REPL: a detached tmux session (private server socket, deleted after) running a command; keys go in with
/// <c>send-keys</c>, the screen comes back with <c>capture-pane</c>.
/// </summary>
public sealed class TmuxTerminal : IDisposable
{
    public const string ExitMarker = "__CORRAL_EXIT__";
    private readonly string _socket = Path.Combine(Path.GetTempPath(), "corral-tmux-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly string _tmux;

    private TmuxTerminal(string tmux) => _tmux = tmux;

    /// <summary>Starts <c>corral ARGS</c> in a <paramref name="width"/>×<paramref name="height"/> terminal.</summary>
    public static TmuxTerminal StartCorral(string host, string home, string args, int width = 100, int height = 80,
        IReadOnlyDictionary<string, string>? env = null)
    {
        var t = new TmuxTerminal(Requirements.Tmux ?? throw new InvalidOperationException("tmux is not installed"));
        var vars = new StringBuilder($"HOME={Quote(home)} OLLAMA_HOST={Quote(host)} TERM=xterm-256color DOTNET_NOLOGO=1");
        if (env is not null) foreach (var (k, v) in env) vars.Append(' ').Append(k).Append('=').Append(Quote(v));
        string command = $"cd {Quote(home)} && env -u OLLAMA_NOHISTORY {vars} dotnet {Quote(CliProcess.CorralDll)} {args}; echo {ExitMarker}$?; sleep 600";
        t.Tmux("-f", "/dev/null", "new-session", "-d", "-s", "main", "-x", width.ToString(), "-y", height.ToString(), command);
        return t;
    }

    /// <summary>Types text literally (no key names), without Enter.</summary>
    public void Type(string text) => Tmux("send-keys", "-t", "main", "-l", text);

    /// <summary>Sends tmux key names: <c>Enter</c>, <c>C-c</c>, <c>Up</c>…</summary>
    public void Keys(params string[] keys) => Tmux(["send-keys", "-t", "main", .. keys]);

    /// <summary>
    /// Waits until the REPL shows an empty prompt (its placeholder is the last thing on screen), then types a line and
    /// presses Enter. Waiting first keeps keys from arriving while the terminal is not yet in raw mode.
    /// </summary>
    public void Line(string text)
    {
        WaitForInput();
        _promptsSeen = PromptLines(Screen());
        Type(text);
        Keys("Enter");
    }

    private int _promptsSeen = -1;

    private static int PromptLines(string screen) =>
        screen.Split('\n').Count(l => l.StartsWith(">>> ", StringComparison.Ordinal) || l.StartsWith("... ", StringComparison.Ordinal));

    /// <summary>
    /// Waits for an empty <c>&gt;&gt;&gt;</c> or <c>...</c> prompt at the end of the screen — after a <see cref="Line"/>,
    /// a new one (so the line has been handled).
    /// </summary>
    public void WaitForInput(TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        string screen = "";
        while (deadline.Elapsed < limit)
        {
            screen = Screen();
            bool empty = screen.EndsWith(">>> Send a message (/? for help)", StringComparison.Ordinal) || screen.EndsWith("... Press Enter to send", StringComparison.Ordinal);
            if (empty && PromptLines(screen) > _promptsSeen) return;
            Thread.Sleep(100);
        }
        throw new Xunit.Sdk.XunitException($"the REPL never showed an empty prompt within {limit.TotalSeconds}s. Screen:\n{screen}");
    }

    /// <summary>
    /// The visible pane, wrapped lines joined, trailing blanks removed. (Not the history: tmux pushes the screen into it
    /// whenever a program erases the display from the top-left corner.)
    /// </summary>
    public string Screen() => Tmux("capture-pane", "-p", "-J", "-t", "main").TrimEnd();

    /// <summary>Waits until the screen contains <paramref name="text"/> <paramref name="count"/> times; returns the screen.</summary>
    public string WaitFor(string text, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        string screen = "";
        while (deadline.Elapsed < limit)
        {
            screen = Screen();
            if (Occurrences(screen, text) >= count) return screen;
            Thread.Sleep(100);
        }
        throw new Xunit.Sdk.XunitException($"the terminal never showed {count}× \"{text}\" within {limit.TotalSeconds}s. Screen:\n{screen}");
    }

    /// <summary>Waits for the CLI to exit; returns its exit code.</summary>
    public int WaitForExit(TimeSpan? timeout = null)
    {
        string screen = WaitFor(ExitMarker, 1, timeout);
        int i = screen.LastIndexOf(ExitMarker, StringComparison.Ordinal) + ExitMarker.Length;
        int end = i;
        while (end < screen.Length && char.IsAsciiDigit(screen[end])) end++;
        return int.Parse(screen[i..end]);
    }

    public static int Occurrences(string s, string text)
    {
        int n = 0;
        for (int i = s.IndexOf(text, StringComparison.Ordinal); i >= 0; i = s.IndexOf(text, i + text.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    private string Tmux(params string[] args)
    {
        var psi = new ProcessStartInfo(_tmux) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-S");
        psi.ArgumentList.Add(_socket);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)} failed: {error}");
        return output;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    public void Dispose()
    {
        try
        {
            Tmux("kill-server");
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        File.Delete(_socket);
    }
}
