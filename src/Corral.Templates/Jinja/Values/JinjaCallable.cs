namespace Corral.Templates.Jinja;

/// <summary>Arguments of a call: positional values and keyword arguments in call order.</summary>
public readonly struct JinjaArgs
{
    public static JinjaArgs Empty => new([], []);

    public JinjaArgs(IReadOnlyList<JinjaValue> positional, IReadOnlyList<KeyValuePair<string, JinjaValue>> named)
    {
        Positional = positional;
        Named = named;
    }

    public IReadOnlyList<JinjaValue> Positional { get; }
    public IReadOnlyList<KeyValuePair<string, JinjaValue>> Named { get; }

    public int Count => Positional.Count + Named.Count;

    public bool TryGetNamed(string name, out JinjaValue value)
    {
        foreach (var (k, v) in Named)
            if (k == name) { value = v; return true; }
        value = default;
        return false;
    }

    /// <summary>
    /// Binds argument <paramref name="index"/> of a Python-style signature: the keyword <paramref name="name"/>
    /// if given, else the positional argument at that index, else <paramref name="fallback"/>.
    /// </summary>
    public JinjaValue Get(int index, string name, JinjaValue fallback = default)
    {
        if (TryGetNamed(name, out var v)) return v;
        return index < Positional.Count ? Positional[index] : fallback;
    }

    public bool Has(int index, string name) => index < Positional.Count || TryGetNamed(name, out _);

    /// <summary>Rejects keyword arguments other than <paramref name="allowed"/> and more than <paramref name="maxPositional"/> positional ones.</summary>
    public void Check(string function, int maxPositional, params string[] allowed)
    {
        if (Positional.Count > maxPositional)
            throw new JinjaException(JinjaErrorKind.Type, $"{function}() takes at most {maxPositional} positional argument(s) ({Positional.Count} given)");
        foreach (var (k, _) in Named)
            if (Array.IndexOf(allowed, k) < 0)
                throw new JinjaException(JinjaErrorKind.Type, $"{function}() got an unexpected keyword argument '{k}'");
    }
}

/// <summary>Anything templates can call: built-in functions and methods, macros, <c>loop</c>, <c>caller</c>.</summary>
public abstract class JinjaCallable
{
    public abstract string Name { get; }

    internal abstract JinjaValue Invoke(Runtime.Interpreter interpreter, JinjaArgs args);

    public virtual string Repr() => $"<built-in function {Name}>";

    /// <summary>Qualified Python type name, used in error messages.</summary>
    public virtual string PythonTypeName => "builtin_function_or_method";
}

/// <summary>A host-provided function (e.g. extra globals handed to <see cref="JinjaTemplate"/>).</summary>
public sealed class JinjaFunction : JinjaCallable
{
    private readonly Func<JinjaArgs, JinjaValue> _body;

    public JinjaFunction(string name, Func<JinjaArgs, JinjaValue> body)
    {
        Name = name;
        _body = body;
    }

    public override string Name { get; }

    internal override JinjaValue Invoke(Runtime.Interpreter interpreter, JinjaArgs args) => _body(args);
}
