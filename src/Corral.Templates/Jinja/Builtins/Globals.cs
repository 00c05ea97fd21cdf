using Corral.Templates.Jinja.Runtime;

namespace Corral.Templates.Jinja.Builtins;

/// <summary>
/// Global functions: Jinja2's defaults (<c>range</c>, <c>dict</c>, <c>namespace</c>, <c>cycler</c>, <c>joiner</c>) and
/// Hugging Face's chat-template additions (<c>raise_exception</c>, <c>strftime_now</c>).
/// </summary>
internal static class Globals
{
    /// <summary>The sandbox's limit on <c>range()</c> length.</summary>
    private const long MaxRange = 100_000;

    public static void Install(Scope scope)
    {
        Define(scope, "range", (_, a) => Range(a));
        Define(scope, "dict", (_, a) => MakeDict(a));
        Define(scope, "namespace", (_, a) => MakeNamespace(a));
        Define(scope, "cycler", (_, a) => JinjaValue.FromObject(new Cycler(a.Positional.ToArray())));
        Define(scope, "joiner", (_, a) => MakeJoiner(PyFormat.Str(a.Get(0, "sep", ", "))));
        Define(scope, "raise_exception", (_, a) => throw new TemplateRaisedException(PyFormat.Str(a.Get(0, "message"))));
        Define(scope, "strftime_now", (i, a) => Strftime.Format(i.Now(), Methods.StringArg(a.Get(0, "format"), "strftime_now")));
    }

    private static void Define(Scope scope, string name, Func<Interpreter, JinjaArgs, JinjaValue> body) =>
        scope.Set(name, JinjaValue.FromCallable(new BuiltinMethod(name, body)));

    private static JinjaValue Range(JinjaArgs a)
    {
        if (a.Named.Count > 0) throw Errors.Type("range() takes no keyword arguments");
        var p = a.Positional;
        if (p.Count is < 1 or > 3) throw Errors.Type($"range expected at most 3 arguments, got {p.Count}");
        long start = 0, stop, step = 1;
        if (p.Count == 1) stop = Methods.IntArg(p[0], "range");
        else
        {
            start = Methods.IntArg(p[0], "range");
            stop = Methods.IntArg(p[1], "range");
            if (p.Count == 3) step = Methods.IntArg(p[2], "range");
        }
        if (step == 0) throw Errors.Value("range() arg 3 must not be zero");
        long count = step > 0 ? Math.Max(0, (stop - start + step - 1) / step) : Math.Max(0, (start - stop - step - 1) / -step);
        if (count > MaxRange)
            throw Errors.Runtime($"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MaxRange}).");
        var list = new JinjaList();
        for (long i = 0, v = start; i < count; i++, v += step) list.Add(v);
        return JinjaValue.FromList(list);
    }

    private static JinjaValue MakeDict(JinjaArgs a)
    {
        var dict = new JinjaDict();
        if (a.Positional.Count > 1) throw Errors.Type($"dict expected at most 1 argument, got {a.Positional.Count}");
        if (a.Positional.Count == 1)
        {
            var source = a.Positional[0];
            if (source.IsDict)
            {
                foreach (var (k, v) in source.AsDict) dict.Set(k, v);
            }
            else
            {
                foreach (var pair in Access.Iterate(source))
                {
                    var kv = Access.ToList(pair);
                    if (kv.Count != 2) throw Errors.Value("dictionary update sequence element has wrong length; 2 is required");
                    dict.Set(kv[0], kv[1]);
                }
            }
        }
        foreach (var (k, v) in a.Named) dict[k] = v;
        return JinjaValue.FromDict(dict);
    }

    private static JinjaValue MakeNamespace(JinjaArgs a)
    {
        var ns = new JinjaNamespace();
        foreach (var source in a.Positional)
        {
            if (!source.IsDict) throw Errors.Type($"'{PyFormat.TypeName(source)}' object is not a mapping");
            foreach (var (k, v) in source.AsDict) ns.Attributes.Set(k, v);
        }
        foreach (var (k, v) in a.Named) ns.SetAttribute(k, v);
        return JinjaValue.FromObject(ns);
    }

    private static JinjaValue MakeJoiner(string separator)
    {
        bool used = false;
        return JinjaValue.FromCallable(new BuiltinMethod("joiner", (_, _) =>
        {
            if (!used) { used = true; return ""; }
            return separator;
        }));
    }

    /// <summary>Jinja2's <c>cycler(*items)</c>: <c>next()</c>, <c>reset()</c>, <c>current</c>.</summary>
    private sealed class Cycler(JinjaValue[] items) : JinjaObject
    {
        private int _position;

        public override string PythonTypeName => "jinja2.utils.Cycler";

        public override bool TryGetAttribute(string name, out JinjaValue value)
        {
            switch (name)
            {
                case "current":
                    value = items.Length > 0 ? items[_position] : JinjaValue.Undefined;
                    return true;
                case "next":
                    value = JinjaValue.FromCallable(new BuiltinMethod("next", (_, _) =>
                    {
                        if (items.Length == 0) throw Errors.Runtime("no items for cycling given");
                        var current = items[_position];
                        _position = (_position + 1) % items.Length;
                        return current;
                    }));
                    return true;
                case "reset":
                    value = JinjaValue.FromCallable(new BuiltinMethod("reset", (_, _) => { _position = 0; return JinjaValue.None; }));
                    return true;
                default:
                    value = default;
                    return false;
            }
        }
    }
}
