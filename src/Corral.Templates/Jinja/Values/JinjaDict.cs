using System.Collections;

namespace Corral.Templates.Jinja;

/// <summary>A Python dict: insertion-ordered, keys compared with Python equality (<c>1 == 1.0 == True</c>).</summary>
public sealed class JinjaDict : IEnumerable<KeyValuePair<JinjaValue, JinjaValue>>
{
    private readonly OrderedDictionary<JinjaValue, JinjaValue> _entries = new(PyEquality.Comparer);

    public int Count => _entries.Count;

    public JinjaValue this[string key]
    {
        set => _entries[JinjaValue.FromString(key)] = value;
    }

    public void Set(JinjaValue key, JinjaValue value)
    {
        PyEquality.EnsureHashable(key);
        _entries[key] = value;
    }

    public bool TryGetValue(JinjaValue key, out JinjaValue value)
    {
        if (!PyEquality.IsHashable(key)) { value = default; return false; }
        return _entries.TryGetValue(key, out value);
    }

    public bool TryGetValue(string key, out JinjaValue value) => _entries.TryGetValue(JinjaValue.FromString(key), out value);

    public bool ContainsKey(JinjaValue key) => PyEquality.IsHashable(key) && _entries.ContainsKey(key);

    public bool Remove(JinjaValue key, out JinjaValue value)
    {
        if (!PyEquality.IsHashable(key)) { value = default; return false; }
        return _entries.Remove(key, out value);
    }

    public void Clear() => _entries.Clear();

    public IEnumerable<JinjaValue> Keys => _entries.Keys;
    public IEnumerable<JinjaValue> Values => _entries.Values;

    /// <summary>A snapshot of the entries (safe against mutation during iteration).</summary>
    public KeyValuePair<JinjaValue, JinjaValue>[] ToArray() => _entries.ToArray();

    public JinjaDict Copy()
    {
        var copy = new JinjaDict();
        foreach (var (k, v) in _entries) copy._entries[k] = v;
        return copy;
    }

    public IEnumerator<KeyValuePair<JinjaValue, JinjaValue>> GetEnumerator() => _entries.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
