namespace Corral.Templates.Jinja.Runtime;

/// <summary>
/// The <c>loop</c> variable. Like Jinja2's LoopContext it pulls items lazily, peeking one ahead only when
/// <c>last</c>/<c>nextitem</c> are read and materializing the rest only for <c>length</c>/<c>revindex</c>.
/// </summary>
internal sealed class LoopContext : JinjaObject
{
    private readonly IEnumerator<JinjaValue> _source;
    private readonly List<JinjaValue> _lookahead = new();
    private readonly Func<JinjaValue, int, string>? _recurse;
    private bool _exhausted;
    private int? _length;
    private JinjaValue _previous;
    private bool _hasPrevious;
    private JinjaValue _lastChanged;
    private bool _hasChanged;

    public LoopContext(IEnumerable<JinjaValue> source, int depth0, Func<JinjaValue, int, string>? recurse)
    {
        _source = source.GetEnumerator();
        Depth0 = depth0;
        _recurse = recurse;
        Index0 = -1;
    }

    public int Index0 { get; private set; }
    public int Depth0 { get; }
    public JinjaValue Current { get; private set; }

    public override string PythonTypeName => "jinja2.runtime.LoopContext";

    public override string Repr() => $"<LoopContext {Index0 + 1}/{Length}>";

    /// <summary>Advances to the next item; false when the iteration is over.</summary>
    public bool MoveNext()
    {
        if (Index0 >= 0)
        {
            _previous = Current;
            _hasPrevious = true;
        }
        if (!TryPeek(0, out var next)) return false;
        _lookahead.RemoveAt(0);
        Current = next;
        Index0++;
        return true;
    }

    private bool TryPeek(int offset, out JinjaValue value)
    {
        while (_lookahead.Count <= offset && !_exhausted)
        {
            if (_source.MoveNext()) _lookahead.Add(_source.Current);
            else _exhausted = true;
        }
        if (_lookahead.Count > offset)
        {
            value = _lookahead[offset];
            return true;
        }
        value = default;
        return false;
    }

    private int Length
    {
        get
        {
            if (_length == null)
            {
                while (!_exhausted) TryPeek(_lookahead.Count, out _);
                _length = Index0 + 1 + _lookahead.Count;
            }
            return _length.Value;
        }
    }

    public override bool TryGetAttribute(string name, out JinjaValue value)
    {
        switch (name)
        {
            case "index": value = Index0 + 1; return true;
            case "index0": value = Index0; return true;
            case "revindex": value = Length - Index0; return true;
            case "revindex0": value = Length - Index0 - 1; return true;
            case "first": value = Index0 == 0; return true;
            case "last": value = !TryPeek(0, out _); return true;
            case "length": value = Length; return true;
            case "depth": value = Depth0 + 1; return true;
            case "depth0": value = Depth0; return true;
            case "previtem":
                value = _hasPrevious ? _previous : JinjaValue.MakeUndefined(UndefinedInfo.WithHint("there is no previous item"));
                return true;
            case "nextitem":
                value = TryPeek(0, out var next) ? next : JinjaValue.MakeUndefined(UndefinedInfo.WithHint("there is no next item"));
                return true;
            case "cycle":
                value = JinjaValue.FromCallable(new BuiltinMethod("cycle", (_, args) =>
                {
                    if (args.Positional.Count == 0) throw Errors.Type("no items for cycling given");
                    return args.Positional[Index0 % args.Positional.Count];
                }));
                return true;
            case "changed":
                value = JinjaValue.FromCallable(new BuiltinMethod("changed", (_, args) =>
                {
                    var current = JinjaValue.Tuple(args.Positional.ToArray());
                    if (_hasChanged && PyEquality.Equal(current, _lastChanged)) return false;
                    _lastChanged = current;
                    _hasChanged = true;
                    return true;
                }));
                return true;
            default:
                value = default;
                return false;
        }
    }

    /// <summary><c>loop(children)</c> in a <c>recursive</c> loop renders the loop body over <paramref name="iterable"/> one level deeper.</summary>
    public JinjaValue Call(JinjaArgs args)
    {
        if (_recurse == null) throw Errors.Type("The loop must have the 'recursive' marker to be called recursively.");
        if (args.Positional.Count != 1) throw Errors.Type("loop() takes exactly one argument");
        return _recurse(args.Positional[0], Depth0 + 1);
    }
}
