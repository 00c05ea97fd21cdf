namespace Corral.Templates.GoTemplates;

/// <summary>Go's template comparison functions <c>eq</c> and <c>lt</c> (the others derive from them).</summary>
internal static class GoCompare
{
    private enum BasicKind { Invalid, Bool, Int, Float, String, Uint }

    private static BasicKind Basic(GoValue v) => v.Kind switch
    {
        GoKind.Bool => BasicKind.Bool,
        GoKind.Int => BasicKind.Int,
        GoKind.Uint => BasicKind.Uint,
        GoKind.Float => BasicKind.Float,
        GoKind.String => BasicKind.String,
        _ => BasicKind.Invalid,
    };

    private static GoValue IndirectInterface(GoValue v) => v.Kind == GoKind.Interface ? default : v;

    public static bool Eq(GoValue arg1, IReadOnlyList<GoValue> others)
    {
        arg1 = IndirectInterface(arg1);
        if (others.Count == 0) throw new GoFunctionException("missing argument for comparison");
        var k1 = Basic(arg1);
        foreach (var raw in others)
        {
            var arg = IndirectInterface(raw);
            var k2 = Basic(arg);
            bool truth = false;
            if (k1 != k2)
            {
                if (k1 == BasicKind.Int && k2 == BasicKind.Uint) truth = arg1.AsInt >= 0 && (ulong)arg1.AsInt == arg.AsUint;
                else if (k1 == BasicKind.Uint && k2 == BasicKind.Int) truth = arg.AsInt >= 0 && arg1.AsUint == (ulong)arg.AsInt;
                else if (arg1.IsValid && arg.IsValid)
                    throw new GoFunctionException($"incompatible types for comparison: {arg1.Type} and {arg.Type}");
            }
            else
            {
                switch (k1)
                {
                    case BasicKind.Bool: truth = arg1.AsBool == arg.AsBool; break;
                    case BasicKind.Float: truth = arg1.AsFloat == arg.AsFloat; break;
                    case BasicKind.Int: truth = arg1.AsInt == arg.AsInt; break;
                    case BasicKind.String: truth = arg1.AsString == arg.AsString; break;
                    case BasicKind.Uint: truth = arg1.AsUint == arg.AsUint; break;
                    default:
                        if (arg1.Kind != arg.Kind && arg1.IsValid && arg.IsValid)
                            throw new GoFunctionException($"non-comparable types {GoFormat.Sprint([arg1])}: {arg1.Type}, {arg.Type}: {GoFormat.Sprint([arg])}");
                        if (IsNil(arg1) || IsNil(arg)) truth = IsNil(arg) == IsNil(arg1);
                        else
                        {
                            if (arg.Kind is GoKind.Slice or GoKind.Map)
                                throw new GoFunctionException($"non-comparable type {GoFormat.Sprint([arg])}: {arg.Type}");
                            truth = DeepEqual(arg1, arg);
                        }
                        break;
                }
            }
            if (truth) return true;
        }
        return false;
    }

    private static bool IsNil(GoValue v) => !v.IsValid || v.IsNil;

    private static bool DeepEqual(GoValue a, GoValue b)
    {
        if (a.Type?.Name != b.Type?.Name) return false;
        switch (a.Kind)
        {
            case GoKind.Struct:
                for (int i = 0; i < a.StructFields.Count; i++)
                {
                    var x = a.StructFields[i];
                    var y = b.StructFields[i];
                    if (x.Kind is GoKind.Slice or GoKind.Map) throw new GoFunctionException($"comparing uncomparable type {a.Type}");
                    if (Basic(x) != BasicKind.Invalid ? !Eq(x, [y]) : !DeepEqual(x, y)) return false;
                }
                return true;
            case GoKind.Pointer:
                return ReferenceEquals(a.Reference, b.Reference);
            default:
                return Basic(a) != BasicKind.Invalid && Eq(a, [b]);
        }
    }

    public static bool Lt(GoValue arg1, GoValue arg2)
    {
        arg1 = IndirectInterface(arg1);
        arg2 = IndirectInterface(arg2);
        var k1 = Basic(arg1);
        if (k1 == BasicKind.Invalid) throw new GoFunctionException("invalid type for comparison");
        var k2 = Basic(arg2);
        if (k2 == BasicKind.Invalid) throw new GoFunctionException("invalid type for comparison");
        if (k1 != k2)
        {
            if (k1 == BasicKind.Int && k2 == BasicKind.Uint) return arg1.AsInt < 0 || (ulong)arg1.AsInt < arg2.AsUint;
            if (k1 == BasicKind.Uint && k2 == BasicKind.Int) return arg2.AsInt >= 0 && arg1.AsUint < (ulong)arg2.AsInt;
            throw new GoFunctionException($"incompatible types for comparison: {arg1.Type} and {arg2.Type}");
        }
        return k1 switch
        {
            BasicKind.Bool => throw new GoFunctionException("invalid type for comparison"),
            BasicKind.Float => arg1.AsFloat < arg2.AsFloat,
            BasicKind.Int => arg1.AsInt < arg2.AsInt,
            BasicKind.String => string.CompareOrdinal(arg1.AsString, arg2.AsString) < 0,
            _ => arg1.AsUint < arg2.AsUint,
        };
    }
}
