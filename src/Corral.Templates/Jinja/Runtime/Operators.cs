using System.Text;

namespace Corral.Templates.Jinja.Runtime;

/// <summary>Python arithmetic, concatenation and comparison operators.</summary>
internal static class Operators
{
    public static bool Compare(string op, JinjaValue left, JinjaValue right) => op switch
    {
        "==" => PyEquality.Equal(left, right),
        "!=" => !PyEquality.Equal(left, right),
        "<" => PyEquality.Compare(left, right, op) < 0,
        ">" => PyEquality.Compare(left, right, op) > 0,
        "<=" => PyEquality.Compare(left, right, op) <= 0,
        ">=" => PyEquality.Compare(left, right, op) >= 0,
        "in" => Access.Contains(right, left),
        "notin" => !Access.Contains(right, left),
        _ => throw new InvalidOperationException("unknown comparison " + op),
    };

    public static JinjaValue Unary(string op, JinjaValue v)
    {
        if (v.IsUndefined) throw Errors.UndefinedUsed(v);
        if (v.IsIntegral) return op == "-" ? JinjaValue.FromInt(-v.AsInt) : JinjaValue.FromInt(v.AsInt);
        if (v.Kind == JinjaKind.Float) return op == "-" ? -v.AsFloat : v.AsFloat;
        throw Errors.Type($"bad operand type for unary {op}: '{PyFormat.TypeName(v)}'");
    }

    public static JinjaValue Binary(string op, JinjaValue a, JinjaValue b)
    {
        if (op == "~") return PyFormat.Str(a) + PyFormat.Str(b);
        // Undefined's arithmetic dunders raise on either side.
        if (a.IsUndefined) throw Errors.UndefinedUsed(a);
        if (b.IsUndefined) throw Errors.UndefinedUsed(b);
        return op switch
        {
            "+" => Add(a, b),
            "-" => Arithmetic(op, a, b),
            "*" => Multiply(a, b),
            "/" => Divide(a, b),
            "//" => FloorDivide(a, b),
            "%" => Modulo(a, b),
            "**" => Power(a, b),
            _ => throw new InvalidOperationException("unknown operator " + op),
        };
    }

    private static JinjaException Unsupported(string op, JinjaValue a, JinjaValue b) =>
        Errors.Type($"unsupported operand type(s) for {op}: '{PyFormat.TypeName(a)}' and '{PyFormat.TypeName(b)}'");

    private static JinjaValue Add(JinjaValue a, JinjaValue b)
    {
        if (a.IsNumber && b.IsNumber) return Arithmetic("+", a, b);
        if (a.IsString && b.IsString && (a.IsMarkup || b.IsMarkup))
            return JinjaValue.FromMarkup(Markup.Escape(a) + Markup.Escape(b));
        if (a.IsMarkup || b.IsMarkup) throw Unsupported("+", a, b);
        if (a.IsString)
        {
            if (b.IsString) return a.AsString + b.AsString;
            throw Errors.Type($"can only concatenate str (not \"{PyFormat.TypeName(b)}\") to str");
        }
        if (a.IsList && a.AsList.Flavor is ListFlavor.List or ListFlavor.Tuple)
        {
            var flavor = a.AsList.Flavor;
            if (b.IsList && b.AsList.Flavor == flavor)
                return JinjaValue.FromList(new JinjaList(a.AsList.Concat(b.AsList), flavor));
            string name = flavor == ListFlavor.Tuple ? "tuple" : "list";
            throw Errors.Type($"can only concatenate {name} (not \"{PyFormat.TypeName(b)}\") to {name}");
        }
        throw Unsupported("+", a, b);
    }

    private static JinjaValue Arithmetic(string op, JinjaValue a, JinjaValue b)
    {
        if (!a.IsNumber || !b.IsNumber) throw Unsupported(op, a, b);
        if (a.IsIntegral && b.IsIntegral)
        {
            long x = a.AsInt, y = b.AsInt;
            try
            {
                return op == "+" ? checked(x + y) : checked(x - y);
            }
            catch (OverflowException)
            {
                return op == "+" ? (double)x + y : (double)x - y;
            }
        }
        return op == "+" ? a.AsFloat + b.AsFloat : a.AsFloat - b.AsFloat;
    }

    private static JinjaValue Multiply(JinjaValue a, JinjaValue b)
    {
        if (a.IsNumber && b.IsNumber)
        {
            if (a.IsIntegral && b.IsIntegral)
            {
                try { return checked(a.AsInt * b.AsInt); }
                catch (OverflowException) { return (double)a.AsInt * b.AsInt; }
            }
            return a.AsFloat * b.AsFloat;
        }
        if (b.IsIntegral && (a.IsString || a.IsList)) return Repeat(a, b.AsInt);
        if (a.IsIntegral && (b.IsString || b.IsList)) return Repeat(b, a.AsInt);
        if ((a.IsString || a.IsList) && b.IsNumber || (b.IsString || b.IsList) && a.IsNumber)
            throw Errors.Type($"can't multiply sequence by non-int of type '{PyFormat.TypeName(a.IsNumber ? a : b)}'");
        throw Unsupported("*", a, b);
    }

    private static JinjaValue Repeat(JinjaValue sequence, long count)
    {
        if (sequence.IsString)
        {
            var sb = new StringBuilder();
            for (long i = 0; i < count; i++) sb.Append(sequence.AsString);
            return Markup.Like(sequence, sb.ToString());
        }
        var list = sequence.AsList;
        if (list.Flavor is not (ListFlavor.List or ListFlavor.Tuple)) throw Unsupported("*", sequence, count);
        var items = new List<JinjaValue>();
        for (long i = 0; i < count; i++) items.AddRange(list);
        return JinjaValue.FromList(new JinjaList(items, list.Flavor));
    }

    private static JinjaValue Divide(JinjaValue a, JinjaValue b)
    {
        if (!a.IsNumber || !b.IsNumber) throw Unsupported("/", a, b);
        if (b.AsFloat == 0) throw Errors.ZeroDivision(a.IsIntegral && b.IsIntegral ? "division by zero" : "float division by zero");
        return a.AsFloat / b.AsFloat;
    }

    private static JinjaValue FloorDivide(JinjaValue a, JinjaValue b)
    {
        if (!a.IsNumber || !b.IsNumber) throw Unsupported("//", a, b);
        if (a.IsIntegral && b.IsIntegral)
        {
            if (b.AsInt == 0) throw Errors.ZeroDivision("integer division or modulo by zero");
            long q = a.AsInt / b.AsInt;
            if ((a.AsInt % b.AsInt != 0) && ((a.AsInt < 0) != (b.AsInt < 0))) q--;
            return q;
        }
        if (b.AsFloat == 0) throw Errors.ZeroDivision("float floor division by zero");
        return Math.Floor(a.AsFloat / b.AsFloat);
    }

    private static JinjaValue Modulo(JinjaValue a, JinjaValue b)
    {
        if (a.IsString) return Markup.Like(a, Builtins.PercentFormat.Format(a.AsString, b, escapeArguments: a.IsMarkup));
        if (!a.IsNumber || !b.IsNumber) throw Unsupported("%", a, b);
        if (a.IsIntegral && b.IsIntegral)
        {
            if (b.AsInt == 0) throw Errors.ZeroDivision("integer modulo by zero");
            long r = a.AsInt % b.AsInt;
            if (r != 0 && ((r < 0) != (b.AsInt < 0))) r += b.AsInt;
            return r;
        }
        double x = a.AsFloat, y = b.AsFloat;
        if (y == 0) throw Errors.ZeroDivision("float modulo");
        double m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) m += y;
        return m;
    }

    private static JinjaValue Power(JinjaValue a, JinjaValue b)
    {
        if (!a.IsNumber || !b.IsNumber) throw Unsupported("** or pow()", a, b);
        if (a.IsIntegral && b.IsIntegral && b.AsInt >= 0)
        {
            long result = 1, x = a.AsInt;
            try
            {
                for (long e = b.AsInt; e > 0; e >>= 1)
                {
                    if ((e & 1) != 0) result = checked(result * x);
                    if (e > 1) x = checked(x * x);
                }
                return result;
            }
            catch (OverflowException)
            {
                return Math.Pow(a.AsInt, b.AsInt);
            }
        }
        return Math.Pow(a.AsFloat, b.AsFloat);
    }
}
