using Corral.Templates.Jinja.Runtime;

namespace Corral.Templates.Jinja.Builtins;

/// <summary>Python <c>list</c> and <c>tuple</c> methods (the mutable sandbox Hugging Face uses allows <c>append</c> and friends).</summary>
internal static class ListMethods
{
    private static readonly Dictionary<string, MethodImpl> s_tupleMethods = new(StringComparer.Ordinal)
    {
        ["count"] = (_, s, a) => Enumerable.Count(s.AsList, x => PyEquality.Equal(x, a.Get(0, "value"))),
        ["index"] = (_, s, a) => IndexOf(s.AsList, a.Get(0, "value")),
    };

    private static readonly Dictionary<string, MethodImpl> s_listMethods = new(s_tupleMethods, StringComparer.Ordinal)
    {
        ["append"] = (_, s, a) => { s.AsList.Add(a.Get(0, "object")); return JinjaValue.None; },
        ["extend"] = (_, s, a) => { s.AsList.AddRange(Access.ToList(a.Get(0, "iterable"))); return JinjaValue.None; },
        ["insert"] = (_, s, a) =>
        {
            var list = s.AsList;
            long i = Methods.IntArg(a.Get(0, "index"), "insert");
            if (i < 0) i = Math.Max(0, i + list.Count);
            list.Insert((int)Math.Min(i, list.Count), a.Get(1, "object"));
            return JinjaValue.None;
        },
        ["pop"] = (_, s, a) =>
        {
            var list = s.AsList;
            if (list.Count == 0) throw Errors.Index("pop from empty list");
            long i = a.Has(0, "index") ? Methods.IntArg(a.Get(0, "index"), "pop") : -1;
            if (i < 0) i += list.Count;
            if (i < 0 || i >= list.Count) throw Errors.Index("pop index out of range");
            var item = list[(int)i];
            list.RemoveAt((int)i);
            return item;
        },
        ["remove"] = (_, s, a) =>
        {
            var list = s.AsList;
            for (int i = 0; i < list.Count; i++)
            {
                if (!PyEquality.Equal(list[i], a.Get(0, "value"))) continue;
                list.RemoveAt(i);
                return JinjaValue.None;
            }
            throw Errors.Value("list.remove(x): x not in list");
        },
        ["reverse"] = (_, s, _) => { s.AsList.Reverse(); return JinjaValue.None; },
        ["sort"] = (_, s, a) =>
        {
            bool reverse = a.Get(1, "reverse").IsTruthy;
            s.AsList.SortInPlace((x, y) => reverse ? PyEquality.Compare(y, x, "<") : PyEquality.Compare(x, y, "<"));
            return JinjaValue.None;
        },
        ["copy"] = (_, s, _) => JinjaValue.List(s.AsList),
        ["clear"] = (_, s, _) => { s.AsList.Clear(); return JinjaValue.None; },
    };

    public static MethodImpl? Find(ListFlavor flavor, string name) => flavor switch
    {
        ListFlavor.List => s_listMethods.GetValueOrDefault(name),
        ListFlavor.Tuple => s_tupleMethods.GetValueOrDefault(name),
        _ => null,
    };

    private static JinjaValue IndexOf(JinjaList list, JinjaValue value)
    {
        for (int i = 0; i < list.Count; i++)
            if (PyEquality.Equal(list[i], value)) return i;
        throw Errors.Value($"{PyFormat.Repr(value)} is not in list");
    }
}
