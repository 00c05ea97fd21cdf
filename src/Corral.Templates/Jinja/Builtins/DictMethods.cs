using Corral.Templates.Jinja.Runtime;

namespace Corral.Templates.Jinja.Builtins;

/// <summary>Python <c>dict</c> methods.</summary>
internal static class DictMethods
{
    private static readonly Dictionary<string, MethodImpl> s_methods = new(StringComparer.Ordinal)
    {
        ["get"] = (_, s, a) => s.AsDict.TryGetValue(a.Get(0, "key"), out var v) ? v : a.Get(1, "default", JinjaValue.None),
        ["items"] = (_, s, _) => Items(s.AsDict),
        ["keys"] = (_, s, _) => JinjaValue.FromList(new JinjaList(s.AsDict.Keys, ListFlavor.DictKeys)),
        ["values"] = (_, s, _) => JinjaValue.FromList(new JinjaList(s.AsDict.Values, ListFlavor.DictValues)),
        ["pop"] = (_, s, a) =>
        {
            var key = a.Get(0, "key");
            if (s.AsDict.Remove(key, out var v)) return v;
            if (a.Has(1, "default")) return a.Get(1, "default");
            throw Errors.Key(key);
        },
        ["popitem"] = (_, s, _) =>
        {
            var entries = s.AsDict.ToArray();
            if (entries.Length == 0) throw Errors.Key("popitem(): dictionary is empty");
            var (k, v) = entries[^1];
            s.AsDict.Remove(k, out _);
            return JinjaValue.Tuple(k, v);
        },
        ["setdefault"] = (_, s, a) =>
        {
            var key = a.Get(0, "key");
            if (s.AsDict.TryGetValue(key, out var v)) return v;
            var value = a.Get(1, "default", JinjaValue.None);
            s.AsDict.Set(key, value);
            return value;
        },
        ["update"] = (_, s, a) =>
        {
            var dict = s.AsDict;
            if (a.Positional.Count > 0)
            {
                var other = a.Positional[0];
                if (other.IsDict)
                {
                    foreach (var (k, v) in other.AsDict.ToArray()) dict.Set(k, v);
                }
                else
                {
                    foreach (var pair in Access.Iterate(other))
                    {
                        var kv = Access.ToList(pair);
                        if (kv.Count != 2) throw Errors.Value("dictionary update sequence element has wrong length; 2 is required");
                        dict.Set(kv[0], kv[1]);
                    }
                }
            }
            foreach (var (k, v) in a.Named) dict[k] = v;
            return JinjaValue.None;
        },
        ["copy"] = (_, s, _) => JinjaValue.FromDict(s.AsDict.Copy()),
        ["clear"] = (_, s, _) => { s.AsDict.Clear(); return JinjaValue.None; },
    };

    public static MethodImpl? Find(string name) => s_methods.GetValueOrDefault(name);

    /// <summary><c>dict.items()</c>: a view of (key, value) tuples.</summary>
    public static JinjaValue Items(JinjaDict dict) =>
        JinjaValue.FromList(new JinjaList(dict.ToArray().Select(e => JinjaValue.Tuple(e.Key, e.Value)), ListFlavor.DictItems));
}
