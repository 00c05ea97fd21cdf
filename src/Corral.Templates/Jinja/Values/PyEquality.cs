namespace Corral.Templates.Jinja;

/// <summary>Python equality, hashing and ordering over <see cref="JinjaValue"/>s.</summary>
internal static class PyEquality
{
    public static readonly IEqualityComparer<JinjaValue> Comparer = new PyComparer();

    /// <summary>Python <c>a == b</c>.</summary>
    public static bool Equal(JinjaValue a, JinjaValue b)
    {
        if (a.IsNumber && b.IsNumber)
        {
            if (a.IsIntegral && b.IsIntegral) return a.AsInt == b.AsInt;
            return a.AsFloat == b.AsFloat;
        }
        if (a.Kind != b.Kind) return false;
        switch (a.Kind)
        {
            case JinjaKind.Undefined:
            case JinjaKind.None:
                return true;
            case JinjaKind.String:
                return string.Equals(a.AsString, b.AsString, StringComparison.Ordinal);
            case JinjaKind.List:
            {
                JinjaList x = a.AsList, y = b.AsList;
                if (ReferenceEquals(x, y)) return true;
                if (!SameSequenceFamily(x.Flavor, y.Flavor) || x.Count != y.Count) return false;
                for (int i = 0; i < x.Count; i++)
                    if (!Equal(x[i], y[i])) return false;
                return true;
            }
            case JinjaKind.Dict:
            {
                JinjaDict x = a.AsDict, y = b.AsDict;
                if (ReferenceEquals(x, y)) return true;
                if (x.Count != y.Count) return false;
                foreach (var (k, v) in x)
                    if (!y.TryGetValue(k, out var other) || !Equal(v, other)) return false;
                return true;
            }
            default:
                return a.IsSameAs(b);
        }
    }

    private static bool SameSequenceFamily(ListFlavor a, ListFlavor b) => a == b;

    public static bool IsHashable(JinjaValue v) => v.Kind switch
    {
        JinjaKind.Dict => false,
        JinjaKind.List => v.AsList.Flavor == ListFlavor.Tuple && v.AsList.All(IsHashable),
        _ => true,
    };

    public static void EnsureHashable(JinjaValue v)
    {
        if (!IsHashable(v))
            throw new JinjaException(JinjaErrorKind.Type, $"unhashable type: '{PyFormat.TypeName(v)}'");
    }

    public static int Hash(JinjaValue v)
    {
        switch (v.Kind)
        {
            case JinjaKind.Bool:
            case JinjaKind.Int:
                return v.AsInt.GetHashCode();
            case JinjaKind.Float:
            {
                double d = v.AsFloat;
                if (Math.Floor(d) == d && d >= long.MinValue && d <= long.MaxValue) return ((long)d).GetHashCode();
                return d.GetHashCode();
            }
            case JinjaKind.String:
                return StringComparer.Ordinal.GetHashCode(v.AsString);
            case JinjaKind.List:
            {
                var h = new HashCode();
                foreach (var item in v.AsList) h.Add(Hash(item));
                return h.ToHashCode();
            }
            case JinjaKind.Undefined:
            case JinjaKind.None:
                return (int)v.Kind;
            case JinjaKind.Dict:
                return System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(v.AsDict);
            case JinjaKind.Object:
                return System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(v.AsObject);
            case JinjaKind.Callable:
                return System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(v.AsCallable);
            default:
                return System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(v.AsIterator);
        }
    }

    /// <summary>Python ordering (<c>&lt;</c> and friends): numbers, strings, and same-type sequences; anything else is a TypeError.</summary>
    public static int Compare(JinjaValue a, JinjaValue b, string op)
    {
        if (a.IsUndefined) throw Errors.UndefinedUsed(a);
        if (b.IsUndefined) throw Errors.UndefinedUsed(b);
        if (a.IsNumber && b.IsNumber)
        {
            if (a.IsIntegral && b.IsIntegral) return a.AsInt.CompareTo(b.AsInt);
            double x = a.AsFloat, y = b.AsFloat;
            return x < y ? -1 : x > y ? 1 : 0;
        }
        if (a.IsString && b.IsString) return CompareCodePoints(a.AsString, b.AsString);
        if (a.IsList && b.IsList && a.AsList.Flavor == b.AsList.Flavor && a.AsList.Flavor is ListFlavor.List or ListFlavor.Tuple)
        {
            JinjaList x = a.AsList, y = b.AsList;
            int n = Math.Min(x.Count, y.Count);
            for (int i = 0; i < n; i++)
            {
                if (Equal(x[i], y[i])) continue;
                return Compare(x[i], y[i], op);
            }
            return x.Count.CompareTo(y.Count);
        }
        throw new JinjaException(JinjaErrorKind.Type,
            $"'{op}' not supported between instances of '{PyFormat.TypeName(a)}' and '{PyFormat.TypeName(b)}'");
    }

    /// <summary>Orders strings by Unicode code point, as Python does (UTF-16 ordinal order differs for surrogates).</summary>
    public static int CompareCodePoints(string a, string b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            char x = a[i], y = b[i];
            if (x == y) continue;
            bool xs = char.IsSurrogate(x), ys = char.IsSurrogate(y);
            if (xs == ys) return x < y ? -1 : 1;
            return xs ? 1 : -1; // a surrogate encodes a code point above every BMP character
        }
        return a.Length.CompareTo(b.Length);
    }

    /// <summary>A stable sort (Python's sort is stable; <see cref="List{T}.Sort(Comparison{T})"/> is not).</summary>
    public static void StableSort(List<JinjaValue> items, Comparison<JinjaValue> comparison)
    {
        var indexed = new (JinjaValue Value, int Index)[items.Count];
        for (int i = 0; i < indexed.Length; i++) indexed[i] = (items[i], i);
        Array.Sort(indexed, (x, y) =>
        {
            int c = comparison(x.Value, y.Value);
            return c != 0 ? c : x.Index.CompareTo(y.Index);
        });
        for (int i = 0; i < indexed.Length; i++) items[i] = indexed[i].Value;
    }

    private sealed class PyComparer : IEqualityComparer<JinjaValue>
    {
        public bool Equals(JinjaValue x, JinjaValue y) => Equal(x, y);
        public int GetHashCode(JinjaValue obj) => Hash(obj);
    }
}
