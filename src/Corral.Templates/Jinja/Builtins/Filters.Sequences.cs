using System.Text;
using Corral.Templates.Jinja.Runtime;

namespace Corral.Templates.Jinja.Builtins;

/// <summary>Filters over sequences and mappings. Like Jinja2, <c>map</c>/<c>select</c>/<c>reject</c>/<c>selectattr</c>/<c>rejectattr</c>/<c>unique</c>/<c>batch</c>/<c>slice</c>/<c>items</c> return one-shot generators.</summary>
internal static partial class Filters
{
    private static void RegisterSequenceFilters()
    {
        Add((_, v, _) => Access.Length(v), "length", "count");
        Add((_, v, _) => JinjaValue.List(Access.Iterate(v)), "list");
        Add((_, v, _) => First(v), "first");
        Add((_, v, _) => Last(v), "last");
        Add((i, v, a) => Join(v, a), "join");
        Add((i, v, a) => Generator(v.IsTruthy ? Map(i, v, a) : [], "generator"), "map");
        Add((i, v, a) => Generator(v.IsTruthy ? SelectOrReject(i, v, a, keep: true, byAttribute: false) : [], "generator"), "select");
        Add((i, v, a) => Generator(v.IsTruthy ? SelectOrReject(i, v, a, keep: false, byAttribute: false) : [], "generator"), "reject");
        Add((i, v, a) => Generator(v.IsTruthy ? SelectOrReject(i, v, a, keep: true, byAttribute: true) : [], "generator"), "selectattr");
        Add((i, v, a) => Generator(v.IsTruthy ? SelectOrReject(i, v, a, keep: false, byAttribute: true) : [], "generator"), "rejectattr");
        Add((_, v, a) => Sort(v, a), "sort");
        Add((_, v, a) => DictSort(v, a), "dictsort");
        Add((_, v, a) => Generator(Unique(v, a), "generator"), "unique");
        Add((_, v, _) => Reverse(v), "reverse");
        Add((_, v, a) => MinMax(v, a, max: false), "min");
        Add((_, v, a) => MinMax(v, a, max: true), "max");
        Add((_, v, a) => Sum(v, a), "sum");
        Add((_, v, a) => Generator(Batch(v, a), "generator"), "batch");
        Add((_, v, a) => Generator(SliceColumns(v, a), "generator"), "slice");
        Add((_, v, _) => Items(v), "items");
        Add((_, v, a) => GroupBy(v, a), "groupby");
    }

    private static JinjaValue Generator(IEnumerable<JinjaValue> items, string typeName) =>
        JinjaValue.FromIterator(new JinjaIterator(items, typeName));

    private static JinjaValue First(JinjaValue v)
    {
        foreach (var item in Access.Iterate(v)) return item;
        return JinjaValue.MakeUndefined(UndefinedInfo.WithHint("No first item, sequence was empty."));
    }

    private static JinjaValue Last(JinjaValue v)
    {
        if (v.Kind == JinjaKind.Iterator) throw Errors.Type($"'{v.AsIterator.PythonTypeName}' object is not reversible");
        var items = Access.ToList(v);
        return items.Count > 0 ? items[^1] : JinjaValue.MakeUndefined(UndefinedInfo.WithHint("No last item, sequence was empty."));
    }

    private static JinjaValue Join(JinjaValue v, JinjaArgs a)
    {
        string separator = SoftStr(a.Get(0, "d", ""));
        var attribute = a.Get(1, "attribute", JinjaValue.None);
        var sb = new StringBuilder();
        bool first = true;
        foreach (var raw in Access.Iterate(v))
        {
            var item = attribute.IsNone ? raw : AttributeGetter(attribute, null)(raw);
            if (!first) sb.Append(separator);
            first = false;
            sb.Append(SoftStr(item));
        }
        return sb.ToString();
    }

    /// <summary>Jinja2's <c>make_attrgetter</c>: dotted path, integer parts index; <paramref name="fallback"/> replaces undefined steps.</summary>
    private static Func<JinjaValue, JinjaValue> AttributeGetter(JinjaValue attribute, JinjaValue? fallback, bool ignoreCase = false)
    {
        var parts = new List<JinjaValue>();
        if (attribute.IsString)
        {
            foreach (var part in attribute.AsString.Split('.'))
                parts.Add(part.Length > 0 && part.All(char.IsAsciiDigit) && long.TryParse(part, out long n) ? n : part);
        }
        else if (!attribute.IsNone) parts.Add(attribute);
        return item =>
        {
            foreach (var part in parts)
            {
                item = Access.GetItem(item, part);
                if (fallback is { } f && !f.IsNone && item.IsUndefined) item = f;
            }
            return ignoreCase ? IgnoreCase(item) : item;
        };
    }

    private static JinjaValue IgnoreCase(JinjaValue v) => v.IsString ? PyStr.Lower(v.AsString) : v;

    private static IEnumerable<JinjaValue> Map(Interpreter interpreter, JinjaValue value, JinjaArgs a)
    {
        Func<JinjaValue, JinjaValue> func;
        if (a.Positional.Count == 0 && a.TryGetNamed("attribute", out var attribute))
        {
            var unexpected = a.Named.FirstOrDefault(e => e.Key is not ("attribute" or "default"));
            if (unexpected.Key != null) throw Errors.Runtime($"Unexpected keyword argument '{unexpected.Key}'");
            a.TryGetNamed("default", out var fallback);
            func = AttributeGetter(attribute, fallback.IsUndefined ? (JinjaValue?)null : fallback);
        }
        else
        {
            if (a.Positional.Count == 0) throw Errors.Runtime("map requires a filter argument");
            string name = SoftStr(a.Positional[0]);
            var rest = new JinjaArgs(a.Positional.Skip(1).ToArray(), a.Named);
            func = item => interpreter.ApplyFilter(name, item, rest);
        }
        foreach (var item in Access.Iterate(value)) yield return func(item);
    }

    private static IEnumerable<JinjaValue> SelectOrReject(Interpreter interpreter, JinjaValue value, JinjaArgs a, bool keep, bool byAttribute)
    {
        Func<JinjaValue, JinjaValue> transform = x => x;
        int offset = 0;
        if (byAttribute)
        {
            if (a.Positional.Count == 0) throw Errors.Runtime("Missing parameter for attribute name");
            transform = AttributeGetter(a.Positional[0], null);
            offset = 1;
        }
        Func<JinjaValue, bool> test;
        if (a.Positional.Count > offset)
        {
            string name = SoftStr(a.Positional[offset]);
            var rest = new JinjaArgs(a.Positional.Skip(offset + 1).ToArray(), a.Named);
            test = item => interpreter.ApplyTest(name, item, rest);
        }
        else test = item => item.IsTruthy;
        foreach (var item in Access.Iterate(value))
            if (test(transform(item)) == keep) yield return item;
    }

    private static Comparison<JinjaValue> KeyComparison(Func<JinjaValue, JinjaValue> key, bool reverse) => (x, y) =>
    {
        int c = PyEquality.Compare(key(x), key(y), "<");
        return reverse ? -c : c;
    };

    private static Func<JinjaValue, JinjaValue> MultiAttributeGetter(JinjaValue attribute, bool ignoreCase)
    {
        if (attribute.IsString && attribute.AsString.Contains(','))
        {
            var getters = attribute.AsString.Split(',').Select(p => AttributeGetter(p.Trim(), null, ignoreCase)).ToArray();
            return item => JinjaValue.List(getters.Select(g => g(item)));
        }
        return AttributeGetter(attribute, null, ignoreCase);
    }

    private static JinjaValue Sort(JinjaValue v, JinjaArgs a)
    {
        bool reverse = a.Get(0, "reverse").IsTruthy;
        bool caseSensitive = a.Get(1, "case_sensitive").IsTruthy;
        var key = MultiAttributeGetter(a.Get(2, "attribute", JinjaValue.None), !caseSensitive);
        var items = Access.ToList(v);
        PyEquality.StableSort(items, KeyComparison(key, reverse));
        return JinjaValue.List(items);
    }

    private static JinjaValue DictSort(JinjaValue v, JinjaArgs a)
    {
        bool caseSensitive = a.Get(0, "case_sensitive").IsTruthy;
        string by = SoftStr(a.Get(1, "by", "key"));
        bool reverse = a.Get(2, "reverse").IsTruthy;
        int pos = by switch
        {
            "key" => 0,
            "value" => 1,
            _ => throw Errors.Runtime("You can only sort by either \"key\" or \"value\""),
        };
        if (!v.IsDict)
        {
            if (v.IsUndefined) throw Errors.UndefinedUsed(v);
            throw Errors.Runtime($"'{PyFormat.TypeName(v)}' object has no attribute 'items'");
        }
        var items = v.AsDict.ToArray().Select(e => JinjaValue.Tuple(e.Key, e.Value)).ToList();
        PyEquality.StableSort(items, KeyComparison(t =>
        {
            var k = t.AsList[pos];
            return caseSensitive ? k : IgnoreCase(k);
        }, reverse));
        return JinjaValue.List(items);
    }

    private static IEnumerable<JinjaValue> Unique(JinjaValue v, JinjaArgs a)
    {
        bool caseSensitive = a.Get(0, "case_sensitive").IsTruthy;
        var key = AttributeGetter(a.Get(1, "attribute", JinjaValue.None), null, !caseSensitive);
        var seen = new HashSet<JinjaValue>(PyEquality.Comparer);
        foreach (var item in Access.Iterate(v))
        {
            var k = key(item);
            PyEquality.EnsureHashable(k);
            if (seen.Add(k)) yield return item;
        }
    }

    private static JinjaValue Reverse(JinjaValue v)
    {
        switch (v.Kind)
        {
            case JinjaKind.String:
            {
                var chars = PyStr.Chars(v.AsString);
                chars.Reverse();
                return string.Concat(chars);
            }
            case JinjaKind.List:
            {
                var items = v.AsList.ToArray();
                Array.Reverse(items);
                return Generator(items, v.AsList.Flavor == ListFlavor.Tuple ? "reversed" : "list_reverseiterator");
            }
            case JinjaKind.Dict:
            {
                var keys = v.AsDict.Keys.ToArray();
                Array.Reverse(keys);
                return Generator(keys, "dict_reversekeyiterator");
            }
            case JinjaKind.Undefined:
                return Generator([], "reversed");
            default:
            {
                var items = Access.ToList(v);
                items.Reverse();
                return JinjaValue.List(items);
            }
        }
    }

    private static JinjaValue MinMax(JinjaValue v, JinjaArgs a, bool max)
    {
        bool caseSensitive = a.Get(0, "case_sensitive").IsTruthy;
        var key = AttributeGetter(a.Get(1, "attribute", JinjaValue.None), null, !caseSensitive);
        var items = Access.ToList(v);
        if (items.Count == 0) return JinjaValue.MakeUndefined(UndefinedInfo.WithHint("No aggregated item, sequence was empty."));
        var best = items[0];
        var bestKey = key(best);
        for (int i = 1; i < items.Count; i++)
        {
            var k = key(items[i]);
            int c = PyEquality.Compare(k, bestKey, max ? ">" : "<");
            if (max ? c > 0 : c < 0)
            {
                best = items[i];
                bestKey = k;
            }
        }
        return best;
    }

    private static JinjaValue Sum(JinjaValue v, JinjaArgs a)
    {
        var attribute = a.Get(0, "attribute", JinjaValue.None);
        JinjaValue total = a.Get(1, "start", 0);
        var getter = attribute.IsNone ? null : AttributeGetter(attribute, null);
        foreach (var item in Access.Iterate(v))
        {
            var x = getter == null ? item : getter(item);
            if (total.IsString) throw Errors.Type("sum() can't sum strings [use ''.join(seq) instead]");
            total = Operators.Binary("+", total, x);
        }
        return total;
    }

    private static IEnumerable<JinjaValue> Batch(JinjaValue v, JinjaArgs a)
    {
        long size = Methods.IntArg(a.Get(0, "linecount"), "batch");
        if (size <= 0) throw Errors.Value("batch size must be positive");
        var fill = a.Get(1, "fill_with", JinjaValue.None);
        var current = new List<JinjaValue>();
        foreach (var item in Access.Iterate(v))
        {
            if (current.Count == size)
            {
                yield return JinjaValue.List(current);
                current = new List<JinjaValue>();
            }
            current.Add(item);
        }
        if (current.Count > 0)
        {
            if (!fill.IsNone) while (current.Count < size) current.Add(fill);
            yield return JinjaValue.List(current);
        }
    }

    private static IEnumerable<JinjaValue> SliceColumns(JinjaValue v, JinjaArgs a)
    {
        var seq = Access.ToList(v);
        long slices = Methods.IntArg(a.Get(0, "slices"), "slice");
        if (slices <= 0) throw Errors.Runtime("integer division or modulo by zero");
        var fill = a.Get(1, "fill_with", JinjaValue.None);
        int perSlice = (int)(seq.Count / slices), withExtra = (int)(seq.Count % slices), offset = 0;
        for (int n = 0; n < slices; n++)
        {
            int start = offset + n * perSlice;
            if (n < withExtra) offset++;
            int end = offset + (n + 1) * perSlice;
            var part = seq.GetRange(start, end - start);
            if (!fill.IsNone && n >= withExtra) part.Add(fill);
            yield return JinjaValue.List(part);
        }
    }

    private static JinjaValue Items(JinjaValue v)
    {
        if (v.IsUndefined) return Generator([], "generator");
        if (!v.IsDict) throw Errors.Type("Can only get item pairs from a mapping.");
        return Generator(v.AsDict.ToArray().Select(e => JinjaValue.Tuple(e.Key, e.Value)), "generator");
    }

    private static JinjaValue GroupBy(JinjaValue v, JinjaArgs a)
    {
        var attribute = a.Get(0, "attribute");
        var fallback = a.Get(1, "default", JinjaValue.None);
        bool caseSensitive = a.Get(2, "case_sensitive").IsTruthy;
        var key = AttributeGetter(attribute, fallback, !caseSensitive);
        var output = AttributeGetter(attribute, fallback);
        var items = Access.ToList(v);
        PyEquality.StableSort(items, KeyComparison(key, false));
        var groups = new List<JinjaValue>();
        int i = 0;
        while (i < items.Count)
        {
            var k = key(items[i]);
            var members = new List<JinjaValue>();
            while (i < items.Count && PyEquality.Equal(key(items[i]), k)) members.Add(items[i++]);
            groups.Add(JinjaValue.Tuple(output(members[0]), JinjaValue.List(members)));
        }
        return JinjaValue.List(groups);
    }
}
