namespace Corral.Server.Generation;

/// <summary>
/// Streams generated text while watching for stop sequences: text is released only once it cannot be
/// the beginning of a stop sequence, and output ends right before the first stop sequence found, which
/// is never emitted (upstream's behaviour).
/// </summary>
public sealed class StopSequenceFilter(IReadOnlyList<string> stops)
{
    private readonly string[] _stops = stops.Where(s => s.Length > 0).ToArray();
    private string _pending = "";

    public bool Stopped { get; private set; }

    /// <summary>Adds <paramref name="text"/>; returns what can be released now (may be empty).</summary>
    public string Push(string text)
    {
        if (Stopped) return "";
        if (_stops.Length == 0) return text;
        _pending += text;
        int cut = -1;
        foreach (var s in _stops)
        {
            int at = _pending.IndexOf(s, StringComparison.Ordinal);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0)
        {
            Stopped = true;
            var released = _pending[..cut];
            _pending = "";
            return released;
        }
        // Hold back the longest suffix that is a proper prefix of some stop sequence.
        int hold = 0;
        foreach (var s in _stops)
        {
            for (int len = Math.Min(s.Length - 1, _pending.Length); len > hold; len--)
            {
                if (string.CompareOrdinal(_pending, _pending.Length - len, s, 0, len) == 0) { hold = len; break; }
            }
        }
        var release = _pending[..^hold];
        _pending = _pending[^hold..];
        return release;
    }

    /// <summary>End of generation: whatever was held back is released.</summary>
    public string Flush()
    {
        var rest = Stopped ? "" : _pending;
        _pending = "";
        return rest;
    }
}
