namespace Corral.Templates.Parsing;

/// <summary>
/// Splits streamed output into thinking and content around an opening and closing tag (Ollama's generic thinking
/// parser, B5.2). Leading whitespace before the opening tag and around the thinking is dropped; a possible partial
/// closing tag is held back until the next chunk decides it. Output without an opening tag is all content, verbatim.
/// </summary>
public sealed class ThinkingParser
{
    private enum State
    {
        LookingForOpening,
        EatingWhitespaceAfterOpening,
        Thinking,
        EatingWhitespaceAfterClosing,
        Done,
    }

    private readonly string _open;
    private readonly string _close;
    private string _buffer = "";
    private State _state;

    /// <param name="startInsideThinking">The prompt already ended with the opening tag (e.g. a generation prompt ending in <c>&lt;think&gt;</c>).</param>
    public ThinkingParser(string openingTag, string closingTag, bool startInsideThinking = false)
    {
        if (string.IsNullOrEmpty(openingTag) || string.IsNullOrEmpty(closingTag))
            throw new ArgumentException("thinking tags must not be empty");
        _open = openingTag;
        _close = closingTag;
        if (startInsideThinking) Add(openingTag);
    }

    public string OpeningTag => _open;
    public string ClosingTag => _close;

    /// <summary>True once the closing tag has been seen (or the output turned out to have no thinking).</summary>
    public bool ThinkingFinished => _state is State.EatingWhitespaceAfterClosing or State.Done;

    /// <summary>Feeds a chunk; returns what is already unambiguous.</summary>
    public (string Thinking, string Content) Add(string chunk)
    {
        _buffer += chunk;
        var thinking = new System.Text.StringBuilder();
        var content = new System.Text.StringBuilder();
        while (Step(thinking, content)) { }
        return (thinking.ToString(), content.ToString());
    }

    /// <summary>End of output: releases anything held back (a partial tag or pending whitespace).</summary>
    public (string Thinking, string Content) Flush()
    {
        string rest = _buffer;
        _buffer = "";
        return _state switch
        {
            State.Thinking => (rest, ""),
            State.LookingForOpening => ("", rest),
            State.EatingWhitespaceAfterOpening => ("", ""),
            _ => ("", rest.TrimStart()),
        };
    }

    /// <returns>True when the state advanced and the buffer should be examined again.</returns>
    private bool Step(System.Text.StringBuilder thinking, System.Text.StringBuilder content)
    {
        switch (_state)
        {
            case State.LookingForOpening:
            {
                string trimmed = _buffer.TrimStart();
                if (trimmed.StartsWith(_open, StringComparison.Ordinal))
                {
                    _buffer = trimmed[_open.Length..].TrimStart();
                    _state = _buffer.Length == 0 ? State.EatingWhitespaceAfterOpening : State.Thinking;
                    return true;
                }
                if (_open.StartsWith(trimmed, StringComparison.Ordinal)) return false; // whitespace or a partial tag: wait
                _state = State.Done;
                content.Append(_buffer); // no thinking: the content is kept verbatim, leading whitespace included
                _buffer = "";
                return false;
            }
            case State.EatingWhitespaceAfterOpening:
            {
                string trimmed = _buffer.TrimStart();
                _buffer = trimmed;
                if (trimmed.Length == 0) return false;
                _state = State.Thinking;
                return true;
            }
            case State.Thinking:
            {
                int close = _buffer.IndexOf(_close, StringComparison.Ordinal);
                if (close >= 0)
                {
                    thinking.Append(_buffer, 0, close);
                    string after = _buffer[(close + _close.Length)..].TrimStart();
                    _buffer = "";
                    _state = after.Length == 0 ? State.EatingWhitespaceAfterClosing : State.Done;
                    content.Append(after);
                    return false;
                }
                int held = PartialSuffix(_buffer, _close);
                thinking.Append(_buffer, 0, _buffer.Length - held);
                _buffer = _buffer[^held..];
                return false;
            }
            case State.EatingWhitespaceAfterClosing:
            {
                string trimmed = _buffer.TrimStart();
                _buffer = "";
                if (trimmed.Length > 0) _state = State.Done;
                content.Append(trimmed);
                return false;
            }
            default:
                content.Append(_buffer);
                _buffer = "";
                return false;
        }
    }

    /// <summary>Length of the longest suffix of <paramref name="s"/> that is a proper prefix of <paramref name="tag"/>.</summary>
    internal static int PartialSuffix(string s, string tag)
    {
        for (int n = Math.Min(s.Length, tag.Length - 1); n > 0; n--)
            if (string.CompareOrdinal(s, s.Length - n, tag, 0, n) == 0) return n;
        return 0;
    }
}
