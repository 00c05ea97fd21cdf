namespace Corral.Templates.Jinja;

/// <summary>
/// A one-shot Python iterator (the generators returned by <c>map</c>, <c>select</c>, <c>unique</c>, <c>reverse</c>, ...).
/// Like in Python it can be consumed once; it has no length and cannot be serialized to JSON.
/// </summary>
public sealed class JinjaIterator
{
    private IEnumerable<JinjaValue>? _source;

    public JinjaIterator(IEnumerable<JinjaValue> source, string pythonTypeName = "generator")
    {
        _source = source;
        PythonTypeName = pythonTypeName;
    }

    /// <summary>Python type name for messages and repr (<c>generator</c>, <c>list_reverseiterator</c>).</summary>
    public string PythonTypeName { get; }

    /// <summary>Yields the remaining items; a second consumption yields nothing, as an exhausted Python generator does.</summary>
    public IEnumerable<JinjaValue> Consume()
    {
        var source = _source;
        _source = null;
        return source ?? [];
    }
}
