using System.Text;

namespace Corral.Cli.Terminal;

/// <summary>One line of a <see cref="ProgressDisplay"/>.</summary>
public interface IProgressLine
{
    string Render(int terminalWidth);
}

/// <summary>
/// Ollama's progress area on standard error: a list of lines (spinners and bars) redrawn in place every 100 ms.
/// <see cref="Stop"/> draws the final state and leaves it on screen; <see cref="StopAndClear"/> erases it.
/// </summary>
public sealed class ProgressDisplay : IDisposable
{
    private readonly TextWriter _w;
    private readonly Func<int> _width;
    private readonly Func<int> _height;
    private readonly List<IProgressLine> _lines = [];
    private readonly Lock _lock = new();
    private readonly Timer _timer;
    private int _renderedLines;
    private bool _stopped;

    public ProgressDisplay(TextWriter w, Func<int>? terminalWidth = null, Func<int>? terminalHeight = null)
    {
        _w = w;
        _width = terminalWidth ?? (() => 80);
        _height = terminalHeight ?? (() => 24);
        _timer = new Timer(_ => Render(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
    }

    public void Add(IProgressLine line)
    {
        lock (_lock) _lines.Add(line);
    }

    /// <summary>Draws the final state and moves below it. Returns false when already stopped.</summary>
    public bool Stop()
    {
        lock (_lock)
        {
            if (!StopLocked()) return false;
            _w.Write("\n");
            _w.Flush();
            return true;
        }
    }

    /// <summary>Erases every line drawn. Returns false when already stopped.</summary>
    public bool StopAndClear()
    {
        lock (_lock)
        {
            // Upstream writes the cursor hide/show pair on every call (once per streamed token); once is enough.
            if (!StopLocked()) return false;
            var sb = new StringBuilder(Ansi.CursorHide);
            for (int i = 0; i < _renderedLines; i++)
            {
                if (i > 0) sb.Append(Ansi.CursorUp);
                sb.Append(Ansi.ClearLine).Append(Ansi.CursorBol);
            }
            sb.Append(Ansi.CursorShow);
            _w.Write(sb.ToString());
            _w.Flush();
            return true;
        }
    }

    private bool StopLocked()
    {
        if (_stopped) return false;
        _stopped = true;
        _timer.Dispose();
        foreach (var line in _lines)
            if (line is Spinner s) s.Stop();
        RenderLocked();
        return true;
    }

    private void Render()
    {
        lock (_lock)
        {
            if (!_stopped) RenderLocked();
        }
    }

    private void RenderLocked()
    {
        int width = _width();
        if (width <= 0) width = 80;
        var sb = new StringBuilder();
        sb.Append(Ansi.SyncStart).Append(Ansi.CursorHide);
        for (int i = 0; i < _renderedLines - 1; i++) sb.Append(Ansi.CursorUp);
        sb.Append(Ansi.CursorBol);
        int visible = Math.Min(_lines.Count, Math.Max(_height(), 1));
        for (int i = _lines.Count - visible; i < _lines.Count; i++)
        {
            sb.Append(_lines[i].Render(width)).Append(Ansi.ClearToEol);
            if (i < _lines.Count - 1) sb.Append('\n');
        }
        _renderedLines = _lines.Count;
        sb.Append(Ansi.CursorShow).Append(Ansi.SyncEnd);
        _w.Write(sb.ToString());
        _w.Flush();
    }

    public void Dispose() => Stop();
}

/// <summary>A status line with a braille spinner that turns every 100 ms until stopped.</summary>
public sealed class Spinner(string message, TimeProvider? time = null) : IProgressLine
{
    private static readonly string[] Frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly long _started = (time ?? TimeProvider.System).GetTimestamp();
    private volatile string _message = message;
    private volatile bool _stopped;

    public string Message
    {
        get => _message;
        set => _message = value;
    }

    public void Stop() => _stopped = true;

    public bool IsStopped => _stopped;

    public string Render(int terminalWidth)
    {
        var sb = new StringBuilder();
        string message = _message.Trim();
        if (message.Length > 0) sb.Append(message).Append(' ');
        if (!_stopped)
        {
            long frame = (long)(_time.GetElapsedTime(_started).TotalMilliseconds / 100);
            sb.Append(Frames[frame % Frames.Length]).Append(' ');
        }
        return sb.ToString();
    }
}
