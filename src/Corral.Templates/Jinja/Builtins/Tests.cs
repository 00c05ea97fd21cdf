using Corral.Templates.Jinja.Runtime;

namespace Corral.Templates.Jinja.Builtins;

/// <summary>A test implementation: <c>value is name(args)</c>.</summary>
internal delegate bool TestImpl(Interpreter interpreter, JinjaValue value, JinjaArgs args);

/// <summary>Jinja2's built-in tests.</summary>
internal static class Tests
{
    private static readonly Dictionary<string, TestImpl> s_tests = new(StringComparer.Ordinal);

    static Tests()
    {
        Add((_, v, _) => !v.IsUndefined, "defined");
        Add((_, v, _) => v.IsUndefined, "undefined");
        Add((_, v, _) => v.IsNone, "none");
        Add((_, v, _) => v.Kind == JinjaKind.Bool, "boolean");
        Add((_, v, _) => v.Kind == JinjaKind.Bool && v.AsBool, "true");
        Add((_, v, _) => v.Kind == JinjaKind.Bool && !v.AsBool, "false");
        Add((_, v, _) => v.Kind == JinjaKind.Int, "integer");
        Add((_, v, _) => v.Kind == JinjaKind.Float, "float");
        Add((_, v, _) => v.IsNumber, "number");
        Add((_, v, _) => v.IsString, "string");
        Add((_, v, _) => v.IsDict, "mapping");
        Add((_, v, _) => IsSequence(v), "sequence");
        Add((_, v, _) => Access.IsIterable(v), "iterable");
        Add((_, v, _) => v.Kind == JinjaKind.Callable || (v.Kind == JinjaKind.Object && v.AsObject is LoopContext), "callable");
        Add((_, v, _) => IsLower(PyFormat.Str(v)), "lower");
        Add((_, v, _) => IsUpper(PyFormat.Str(v)), "upper");
        Add((_, v, _) => Modulo(v, 2) == 1, "odd");
        Add((_, v, _) => Modulo(v, 2) == 0, "even");
        Add((_, v, a) => Operators.Binary("%", v, a.Get(0, "num")) is var r && r.IsNumber && r.AsFloat == 0, "divisibleby");
        Add((_, v, a) => Operators.Compare("==", v, a.Get(0, "other")), "==", "eq", "equalto");
        Add((_, v, a) => Operators.Compare("!=", v, a.Get(0, "other")), "!=", "ne");
        Add((_, v, a) => Operators.Compare(">", v, a.Get(0, "other")), ">", "gt", "greaterthan");
        Add((_, v, a) => Operators.Compare(">=", v, a.Get(0, "other")), ">=", "ge");
        Add((_, v, a) => Operators.Compare("<", v, a.Get(0, "other")), "<", "lt", "lessthan");
        Add((_, v, a) => Operators.Compare("<=", v, a.Get(0, "other")), "<=", "le");
        Add((_, v, a) => Access.Contains(a.Get(0, "seq"), v), "in");
        Add((_, v, a) => v.IsSameAs(a.Get(0, "other")) || (v.IsNullish && v.Kind == a.Get(0, "other").Kind), "sameas");
        Add((_, v, _) => v.IsMarkup, "escaped");
        Add((_, v, _) => v.IsString && Filters.Exists(v.AsString), "filter");
        Add((_, v, _) => v.IsString && s_tests.ContainsKey(v.AsString), "test");
    }

    private static void Add(TestImpl impl, params string[] names)
    {
        foreach (var name in names) s_tests[name] = impl;
    }

    public static bool TryGet(string name, out TestImpl test) => s_tests.TryGetValue(name, out test!);

    public static bool Exists(string name) => s_tests.ContainsKey(name);

    /// <summary>Jinja2's <c>sequence</c>: has a length and item access (lists, tuples, strings, dicts, undefined).</summary>
    private static bool IsSequence(JinjaValue v) =>
        v.Kind is JinjaKind.Undefined or JinjaKind.String or JinjaKind.Dict
        || (v.Kind == JinjaKind.List && v.AsList.Flavor is ListFlavor.List or ListFlavor.Tuple);

    private static long Modulo(JinjaValue v, long n)
    {
        var r = Operators.Binary("%", v, n);
        return r.IsIntegral ? r.AsInt : (long)r.AsFloat;
    }

    private static bool IsLower(string s) => s.Any(PyStr.IsCased) && !s.Any(char.IsUpper);
    private static bool IsUpper(string s) => s.Any(PyStr.IsCased) && !s.Any(char.IsLower);
}
