using Corral.Templates.Jinja.Builtins;

namespace Corral.Templates.Jinja.Runtime;

/// <summary>Attribute/item access, slicing, iteration, membership and length with Jinja2's (sandboxed) rules.</summary>
internal static class Access
{
    /// <summary><c>obj.name</c>: a built-in method or object attribute first, then the dict key; otherwise undefined.</summary>
    public static JinjaValue GetAttr(JinjaValue obj, string name)
    {
        switch (obj.Kind)
        {
            case JinjaKind.Undefined:
                throw Errors.UndefinedUsed(obj);
            case JinjaKind.Object:
                if (obj.AsObject.TryGetAttribute(name, out var attribute)) return attribute;
                break;
            default:
                if (Methods.TryBind(obj, name, out var method)) return method;
                if (obj.Kind == JinjaKind.Dict && obj.AsDict.TryGetValue(name, out var value)) return value;
                break;
        }
        return JinjaValue.MakeUndefined(UndefinedInfo.ForMember(obj, name));
    }

    /// <summary><c>obj[key]</c>: the item first; a missing string key falls back to an attribute/method; otherwise undefined.</summary>
    public static JinjaValue GetItem(JinjaValue obj, JinjaValue key)
    {
        switch (obj.Kind)
        {
            case JinjaKind.Undefined:
                throw Errors.UndefinedUsed(obj);
            case JinjaKind.Dict:
                if (obj.AsDict.TryGetValue(key, out var value)) return value;
                break;
            case JinjaKind.List when key.IsIntegral && obj.AsList.Flavor is ListFlavor.List or ListFlavor.Tuple:
            {
                var list = obj.AsList;
                long index = key.AsInt;
                if (index < 0) index += list.Count;
                if (index >= 0 && index < list.Count) return list[(int)index];
                break;
            }
            case JinjaKind.String when key.IsIntegral:
                if (PyStr.CharAt(obj.AsString, key.AsInt) is { } ch) return Markup.Like(obj, ch);
                break;
        }
        if (key.IsString)
        {
            if (obj.Kind == JinjaKind.Object)
            {
                if (obj.AsObject.TryGetAttribute(key.AsString, out var attribute)) return attribute;
            }
            else if (Methods.TryBind(obj, key.AsString, out var method)) return method;
        }
        return JinjaValue.MakeUndefined(UndefinedInfo.ForMember(obj, key));
    }

    /// <summary>
    /// <c>obj[start:stop:step]</c>. Jinja2 compiles slices to a raw Python subscript (not its lenient <c>getitem</c>),
    /// so bad bounds or unsliceable objects raise TypeError here.
    /// </summary>
    public static JinjaValue Slice(JinjaValue obj, JinjaValue? start, JinjaValue? stop, JinjaValue? step)
    {
        if (obj.IsUndefined) throw Errors.UndefinedUsed(obj);
        bool sliceable = obj.Kind == JinjaKind.String || (obj.Kind == JinjaKind.List && obj.AsList.Flavor is ListFlavor.List or ListFlavor.Tuple);
        if (!sliceable)
        {
            if (obj.IsDict) throw Errors.Type("unhashable type: 'slice'");
            throw Errors.Type($"'{PyFormat.TypeName(obj)}' object is not subscriptable");
        }
        long? a = Bound(start), b = Bound(stop), c = Bound(step);
        if (c == 0) throw Errors.Value("slice step cannot be zero");
        if (obj.Kind == JinjaKind.String) return Markup.Like(obj, PyStr.Slice(obj.AsString, a, b, c));
        var list = obj.AsList;
        var items = new List<JinjaValue>();
        foreach (int i in PyStr.SliceIndices(list.Count, a, b, c)) items.Add(list[i]);
        return JinjaValue.FromList(new JinjaList(items, list.Flavor));

        static long? Bound(JinjaValue? v)
        {
            if (v is not { } value || value.IsNone) return null;
            if (value.IsIntegral) return value.AsInt;
            throw Errors.Type("slice indices must be integers or None or have an __index__ method");
        }
    }

    /// <summary>Python iteration: lists and tuples yield items, dicts keys, strings characters; undefined yields nothing.</summary>
    public static IEnumerable<JinjaValue> Iterate(JinjaValue v)
    {
        switch (v.Kind)
        {
            case JinjaKind.Undefined: return [];
            case JinjaKind.List: return v.AsList.ToArray();
            case JinjaKind.Dict: return v.AsDict.Keys.ToArray();
            case JinjaKind.String: return PyStr.Chars(v.AsString).Select(JinjaValue.FromString);
            case JinjaKind.Iterator: return v.AsIterator.Consume();
            default: throw Errors.NotIterable(v);
        }
    }

    /// <summary>True for values Python can iterate.</summary>
    public static bool IsIterable(JinjaValue v) =>
        v.Kind is JinjaKind.Undefined or JinjaKind.List or JinjaKind.Dict or JinjaKind.String or JinjaKind.Iterator;

    /// <summary>Python <c>item in container</c>.</summary>
    public static bool Contains(JinjaValue container, JinjaValue item)
    {
        switch (container.Kind)
        {
            case JinjaKind.Undefined:
                return false;
            case JinjaKind.String:
                if (!item.IsString)
                    throw Errors.Type($"'in <string>' requires string as left operand, not {PyFormat.TypeName(item)}");
                return container.AsString.Contains(item.AsString, StringComparison.Ordinal);
            case JinjaKind.Dict:
                PyEquality.EnsureHashable(item);
                return container.AsDict.ContainsKey(item);
            case JinjaKind.List:
                foreach (var x in container.AsList)
                    if (PyEquality.Equal(x, item)) return true;
                return false;
            case JinjaKind.Iterator:
                foreach (var x in container.AsIterator.Consume())
                    if (PyEquality.Equal(x, item)) return true;
                return false;
            default:
                throw Errors.Type($"argument of type '{PyFormat.TypeName(container)}' is not iterable");
        }
    }

    /// <summary>Python <c>len(v)</c>; undefined has length 0 as in Jinja2.</summary>
    public static int Length(JinjaValue v) => v.Kind switch
    {
        JinjaKind.Undefined => 0,
        JinjaKind.String => PyStr.Length(v.AsString),
        JinjaKind.List => v.AsList.Count,
        JinjaKind.Dict => v.AsDict.Count,
        JinjaKind.Object when v.AsObject is LoopContext loop && loop.TryGetAttribute("length", out var n) => (int)n.AsInt,
        _ => throw Errors.NoLen(v),
    };

    /// <summary>Materializes an iterable into a new list (Python <c>list(v)</c>).</summary>
    public static List<JinjaValue> ToList(JinjaValue v) => Iterate(v).ToList();
}
