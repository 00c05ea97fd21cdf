using System.Text;
using System.Text.Json.Nodes;

namespace Corral.Templates.Parsing;

/// <summary>
/// Ollama's generic tool-call parser (B5.1). Content before the template's tool-call tag streams through; text that
/// could be the start of the tag is held back; from the tag on, complete calls are extracted as soon as a tool name and
/// a balanced JSON object with its arguments are in the buffer. Calls are never emitted partially.
/// For the tags <c>{</c> and <c>[</c> (templates with no textual tag), output counts as tool calls only if nothing but
/// whitespace precedes the bracket, and parsing ends when the brackets balance.
/// </summary>
public sealed class ToolCallParser
{
    private enum State { LookingForTag, ToolCalling, Done }

    private readonly string _tag;
    private readonly string[] _toolNames;
    private readonly Func<string> _newId;
    private readonly StringBuilder _buffer = new();
    private readonly int _longestName;
    private State _state;
    private int _count;

    // Work not to redo per streamed token (each would rescan the whole buffer): the buffer length at which the
    // arguments of _argsFailedName were last looked for in vain, and at which the brackets were last unbalanced.
    // Text appended since cannot change either answer unless it holds a closing brace/bracket.
    private string? _argsFailedName;
    private int _argsFailedAt = -1;
    private int _unbalancedAt = -1;

    /// <param name="tag">The tool-call tag (see <c>OllamaTemplate.ToolCallTag</c>); <c>{</c> for bare JSON.</param>
    /// <param name="toolNames">Function names of the request's tools; only these are recognised.</param>
    /// <param name="newId">Id source (defaults to <see cref="ToolCallIds.New"/>).</param>
    public ToolCallParser(string tag, IEnumerable<string> toolNames, Func<string>? newId = null)
    {
        _tag = string.IsNullOrEmpty(tag) ? "{" : tag;
        _toolNames = toolNames.Where(n => !string.IsNullOrEmpty(n)).Distinct().ToArray();
        _longestName = _toolNames.Length == 0 ? 0 : _toolNames.Max(n => n.Length);
        _newId = newId ?? ToolCallIds.New;
    }

    public string Tag => _tag;

    private bool BracketTag => _tag is "{" or "[";

    /// <summary>Number of calls found so far.</summary>
    public int CallCount => _count;

    /// <summary>Feeds a chunk; returns completed calls and the content that can be shown now.</summary>
    public (IReadOnlyList<ParsedToolCall> Calls, string Content) Add(string chunk)
    {
        if (_state == State.Done) return ([], chunk);
        _buffer.Append(chunk);
        string content = "";
        if (_state == State.LookingForTag)
        {
            string text = _buffer.ToString();
            int at = text.IndexOf(_tag, StringComparison.Ordinal);
            bool found = at >= 0;
            if (!found) at = text.Length - ThinkingParser.PartialSuffix(text, _tag);
            content = text[..at];
            _buffer.Remove(0, at);
            if (BracketTag && content.Trim().Length > 0)
            {
                _state = State.Done;
                string all = content + _buffer;
                _buffer.Clear();
                return ([], all);
            }
            if (!found) return ([], content);
            _state = State.ToolCalling;
        }

        var calls = new List<ParsedToolCall>();
        while (TryParseCall() is { } call) calls.Add(call);

        if (BracketTag && BracketsBalanced())
        {
            _state = State.Done;
            content += _buffer.ToString();
            _buffer.Clear();
        }
        return (calls, content);
    }

    /// <summary>
    /// End of output: the text still held that should reach the user. That is only ever the buffered text of a
    /// bracket-tag stream in which no call was found; after a textual tag the rest is tool-call markup.
    /// </summary>
    public string Flush()
    {
        string rest = _buffer.ToString();
        _buffer.Clear();
        (_argsFailedName, _argsFailedAt, _unbalancedAt) = (null, -1, -1);
        if (_state == State.LookingForTag) return rest; // a partial tag that never completed is ordinary text
        if (_count > 0 || !BracketTag) return "";
        return rest;
    }

    private ParsedToolCall? TryParseCall()
    {
        string buffer = _buffer.ToString();
        var (name, nameEnd) = FindToolName(buffer);
        if (name == null) return null;
        if (name == _argsFailedName && buffer.AsSpan(_argsFailedAt).IndexOf('}') < 0) return null;
        var (arguments, objectEnd) = ToolCallJson.FindArguments(name, buffer);
        if (arguments == null)
        {
            (_argsFailedName, _argsFailedAt) = (name, buffer.Length);
            return null;
        }
        int end = Math.Max(nameEnd, objectEnd);
        _buffer.Remove(0, end);
        (_argsFailedName, _argsFailedAt, _unbalancedAt) = (null, -1, -1);
        return new ParsedToolCall(_newId(), _count++, name, arguments);
    }

    /// <summary>
    /// The earliest tool name in the buffer (the longer name wins at the same position). While the buffer ends in a
    /// proper prefix of a name that could still become a better match (no match yet, or a longer name at the same
    /// position), nothing is returned, so <c>get</c> is not taken when <c>get_weather</c> is coming. Upstream waits on
    /// any trailing prefix, which makes its result depend on where chunks happen to end.
    /// </summary>
    private (string? Name, int End) FindToolName(string buffer)
    {
        if (buffer.Length == 0 || _toolNames.Length == 0) return (null, 0);
        string? found = null;
        int start = -1, end = -1;
        foreach (var name in _toolNames)
        {
            int pos = buffer.IndexOf(name, StringComparison.Ordinal);
            if (pos < 0) continue;
            if (start >= 0 && (pos > start || (pos == start && name.Length <= found!.Length))) continue;
            found = name;
            start = pos;
            end = pos + name.Length;
        }
        for (int i = 1; i <= Math.Min(buffer.Length, _longestName); i++)
        {
            int tailStart = buffer.Length - i;
            if (found != null && start < tailStart) continue;
            foreach (var name in _toolNames)
                if (i < name.Length && string.CompareOrdinal(buffer, tailStart, name, 0, i) == 0) return (null, 0);
        }
        return (found, end);
    }

    private bool BracketsBalanced()
    {
        char open = _tag[0], close = open == '{' ? '}' : ']';
        if (_unbalancedAt >= 0 && !ContainsFrom(_unbalancedAt, close)) { _unbalancedAt = _buffer.Length; return false; }
        int depth = 0;
        bool inString = false, escaped = false;
        foreach (var part in _buffer.GetChunks())
        {
            foreach (char c in part.Span)
            {
                if (escaped) { escaped = false; continue; }
                if (c == '\\') { escaped = true; continue; }
                if (c == '"') { inString = !inString; continue; }
                if (inString) continue;
                if (c == open) depth++;
                else if (c == close && --depth == 0) return true;
            }
        }
        _unbalancedAt = _buffer.Length;
        return false;
    }

    private bool ContainsFrom(int start, char c)
    {
        for (int i = start; i < _buffer.Length; i++)
            if (_buffer[i] == c) return true;
        return false;
    }
}
