using System.Text;

namespace Corral.Templates.GoTemplates;

/// <summary>Go's <c>text/template</c> built-in functions (<c>and</c>/<c>or</c> are special-cased by the executor).</summary>
internal static class GoBuiltins
{
    public static readonly IReadOnlyDictionary<string, GoFunction> All = Build();

    private static Dictionary<string, GoFunction> Build()
    {
        var f = new Dictionary<string, GoFunction>(StringComparer.Ordinal);
        void Add(GoFunction fn) => f[fn.Name] = fn;

        Add(new GoFunction("and", [null], (_, a) => a[^1], isVariadic: true));
        Add(new GoFunction("or", [null], (_, a) => a[^1], isVariadic: true));
        Add(new GoFunction("not", [null], (_, a) => GoValue.Bool(!Truth(a[0]))));
        Add(new GoFunction("len", [null], (_, a) => Length(a[0])));
        Add(new GoFunction("index", [null], (_, a) => Index(a[0], a.Skip(1).ToList()), isVariadic: true));
        Add(new GoFunction("slice", [null], (_, a) => Slice(a[0], a.Skip(1).ToList()), isVariadic: true));
        Add(new GoFunction("call", [null], (_, a) => Call(a[0]), isVariadic: true));
        Add(new GoFunction("eq", [null], (_, a) => GoValue.Bool(GoCompare.Eq(a[0], a.Skip(1).ToList())), isVariadic: true));
        Add(new GoFunction("ne", [null, null], (_, a) => GoValue.Bool(!GoCompare.Eq(a[0], [a[1]]))));
        Add(new GoFunction("lt", [null, null], (_, a) => GoValue.Bool(GoCompare.Lt(a[0], a[1]))));
        Add(new GoFunction("le", [null, null], (_, a) => GoValue.Bool(GoCompare.Lt(a[0], a[1]) || GoCompare.Eq(a[0], [a[1]]))));
        Add(new GoFunction("gt", [null, null], (_, a) => GoValue.Bool(!(GoCompare.Lt(a[0], a[1]) || GoCompare.Eq(a[0], [a[1]])))));
        Add(new GoFunction("ge", [null, null], (_, a) => GoValue.Bool(!GoCompare.Lt(a[0], a[1]))));
        Add(new GoFunction("print", [], (_, a) => GoValue.String(GoFormat.Sprint(a)), variadic: GoType.Any));
        Add(new GoFunction("println", [], (_, a) => GoValue.String(GoFormat.Sprintln(a)), variadic: GoType.Any));
        Add(new GoFunction("printf", [GoType.String], (_, a) => GoValue.String(GoFormat.Sprintf(a[0].AsString, a.Skip(1).ToList())), variadic: GoType.Any));
        Add(new GoFunction("html", [], (_, a) => GoValue.String(HtmlEscape(EvalArgs(a))), variadic: GoType.Any));
        Add(new GoFunction("js", [], (_, a) => GoValue.String(JsEscape(EvalArgs(a))), variadic: GoType.Any));
        Add(new GoFunction("urlquery", [], (_, a) => GoValue.String(QueryEscape(EvalArgs(a))), variadic: GoType.Any));
        return f;
    }

    /// <summary>Go's template truth: non-zero, non-empty, non-nil; structs are always true.</summary>
    public static bool Truth(GoValue v) => IsTrue(v).Truth;

    public static (bool Truth, bool Ok) IsTrue(GoValue v) => v.Kind switch
    {
        GoKind.Invalid => (false, true),
        GoKind.Slice or GoKind.Map or GoKind.String => (v.Length > 0, true),
        GoKind.Bool => (v.AsBool, true),
        GoKind.Int => (v.AsInt != 0, true),
        GoKind.Uint => (v.AsUint != 0, true),
        GoKind.Float => (v.AsFloat != 0, true),
        GoKind.Pointer or GoKind.Interface => (!v.IsNil, true),
        GoKind.Struct => (true, true),
        _ => (false, false),
    };

    /// <summary>Follows pointers; stops at a nil one.</summary>
    public static (GoValue Value, bool IsNil) Indirect(GoValue v)
    {
        while (v.Kind is GoKind.Pointer or GoKind.Interface)
        {
            if (v.IsNil) return (v, true);
            v = v.PointerTarget;
        }
        return (v, false);
    }

    private static GoValue Length(GoValue item)
    {
        var (v, isNil) = Indirect(item);
        if (isNil) throw new GoFunctionException("len of nil pointer");
        if (!v.IsValid) throw new GoFunctionException("reflect: call of reflect.Value.Type on zero Value");
        if (v.Kind is GoKind.Slice or GoKind.Map or GoKind.String) return GoValue.Int(v.Length);
        throw new GoFunctionException($"len of type {v.Type}");
    }

    private static int IndexArg(GoValue index, int cap)
    {
        if (index.Kind == GoKind.Interface) index = default;
        long x;
        switch (index.Kind)
        {
            case GoKind.Int: x = index.AsInt; break;
            case GoKind.Uint: x = (long)index.AsUint; break;
            case GoKind.Invalid: throw new GoFunctionException("cannot index slice/array with nil");
            default: throw new GoFunctionException($"cannot index slice/array with type {index.Type}");
        }
        if (x < 0 || x > cap) throw new GoFunctionException($"index out of range: {x}");
        return (int)x;
    }

    private static GoValue Index(GoValue item, List<GoValue> indexes)
    {
        if (item.Kind == GoKind.Interface) item = default;
        if (!item.IsValid) throw new GoFunctionException("index of untyped nil");
        foreach (var index in indexes)
        {
            var (v, isNil) = Indirect(item);
            if (isNil) throw new GoFunctionException("index of nil pointer");
            switch (v.Kind)
            {
                case GoKind.Slice:
                {
                    int x = IndexArg(index, v.AsSlice.Count);
                    if (x >= v.AsSlice.Count) throw new GoFunctionException("reflect: slice index out of range");
                    item = v.AsSlice[x];
                    break;
                }
                case GoKind.String:
                {
                    var bytes = Encoding.UTF8.GetBytes(v.AsString);
                    int x = IndexArg(index, bytes.Length);
                    if (x >= bytes.Length) throw new GoFunctionException("reflect: string index out of range");
                    item = GoValue.OfBasic(GoType.Uint8, bytes[x]);
                    break;
                }
                case GoKind.Map:
                {
                    var key = index.Kind == GoKind.Interface ? default : index;
                    if (!key.IsValid) throw new GoFunctionException($"value is nil; should be of type {v.Type!.Key}");
                    if (key.Kind != GoKind.String) throw new GoFunctionException($"value has type {key.Type}; should be {v.Type!.Key}");
                    item = v.TryGetMapValue(key.AsString, out var found) ? found : GoValue.Zero(v.Type!.Elem!);
                    break;
                }
                default:
                    throw new GoFunctionException($"can't index item of type {v.Type}");
            }
        }
        return item;
    }

    private static GoValue Slice(GoValue item, List<GoValue> indexes)
    {
        if (item.Kind == GoKind.Interface) item = default;
        if (!item.IsValid) throw new GoFunctionException("slice of untyped nil");
        if (indexes.Count > 3) throw new GoFunctionException($"too many slice indexes: {indexes.Count}");
        int length, cap;
        switch (item.Kind)
        {
            case GoKind.String:
                if (indexes.Count == 3) throw new GoFunctionException("cannot 3-index slice a string");
                length = cap = Encoding.UTF8.GetByteCount(item.AsString);
                break;
            case GoKind.Slice:
                length = cap = item.AsSlice.Count;
                break;
            default:
                throw new GoFunctionException($"can't slice item of type {item.Type}");
        }
        int[] idx = [0, length, cap];
        for (int i = 0; i < indexes.Count; i++) idx[i] = IndexArg(indexes[i], cap);
        if (idx[0] > idx[1]) throw new GoFunctionException($"invalid slice index: {idx[0]} > {idx[1]}");
        if (indexes.Count == 3 && idx[1] > idx[2]) throw new GoFunctionException($"invalid slice index: {idx[1]} > {idx[2]}");
        if (item.Kind == GoKind.String)
        {
            var bytes = Encoding.UTF8.GetBytes(item.AsString);
            return GoValue.OfBasic(item.Type!, 0, Encoding.UTF8.GetString(bytes, idx[0], idx[1] - idx[0]));
        }
        return GoValue.Slice(item.Type!, item.AsSlice.Skip(idx[0]).Take(idx[1] - idx[0]));
    }

    private static GoValue Call(GoValue fn)
    {
        if (!fn.IsValid || fn.Kind == GoKind.Interface) throw new GoFunctionException("call of nil");
        throw new GoFunctionException($"non-function of type {fn.Type}");
    }

    /// <summary>Go's <c>evalArgs</c>: like <c>fmt.Sprint</c>, but each argument printed as a template action would print it.</summary>
    public static string EvalArgs(IReadOnlyList<GoValue> args)
    {
        if (args.Count == 1 && args[0].Kind == GoKind.String && args[0].Type == GoType.String) return args[0].AsString;
        var sb = new StringBuilder();
        for (int i = 0; i < args.Count; i++)
        {
            bool isString = args[i].Kind == GoKind.String;
            if (i > 0 && !isString && args[i - 1].Kind != GoKind.String) sb.Append(' ');
            sb.Append(args[i].Kind is GoKind.Invalid or GoKind.Interface ? "<no value>" : GoFormat.PrintValue(args[i]));
        }
        return sb.ToString();
    }

    public static string HtmlEscape(string s)
    {
        if (s.AsSpan().IndexOfAny("'\"&<>\0") < 0) return s;
        var sb = new StringBuilder(s.Length + 16);
        foreach (char c in s)
        {
            sb.Append(c switch
            {
                '\0' => "\uFFFD",
                '"' => "&#34;",
                '\'' => "&#39;",
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    public static string JsEscape(string s)
    {
        var sb = new StringBuilder(s.Length + 16);
        foreach (var rune in s.EnumerateRunes())
        {
            int c = rune.Value;
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\'': sb.Append("\\'"); break;
                case '"': sb.Append("\\\""); break;
                case '<': sb.Append("\\u003C"); break;
                case '>': sb.Append("\\u003E"); break;
                case '&': sb.Append("\\u0026"); break;
                case '=': sb.Append("\\u003D"); break;
                default:
                    if (c < ' ') sb.Append("\\u00").Append(c.ToString("X2"));
                    else if (c < 0x80 || !System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c).IsNonPrintable()) sb.Append(rune.ToString());
                    else sb.Append("\\u").Append(c.ToString("X4"));
                    break;
            }
        }
        return sb.ToString();
    }

    private static bool IsNonPrintable(this System.Globalization.UnicodeCategory cat) => cat is
        System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format
        or System.Globalization.UnicodeCategory.OtherNotAssigned or System.Globalization.UnicodeCategory.Surrogate
        or System.Globalization.UnicodeCategory.PrivateUse or System.Globalization.UnicodeCategory.LineSeparator
        or System.Globalization.UnicodeCategory.ParagraphSeparator
        or System.Globalization.UnicodeCategory.SpaceSeparator;

    /// <summary>Go's <c>url.QueryEscape</c>: space as <c>+</c>, unreserved characters kept, everything else %XX.</summary>
    public static string QueryEscape(string s)
    {
        var sb = new StringBuilder();
        foreach (byte b in Encoding.UTF8.GetBytes(s))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~') sb.Append(c);
            else if (c == ' ') sb.Append('+');
            else sb.Append('%').Append(b.ToString("X2"));
        }
        return sb.ToString();
    }
}
