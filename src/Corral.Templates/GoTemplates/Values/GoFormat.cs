using System.Globalization;
using System.Text;

namespace Corral.Templates.GoTemplates;

/// <summary>Go's <c>fmt</c> printing of template values: <c>%v</c>, <c>Sprint</c>, <c>Sprintln</c> and a <c>Sprintf</c> subset.</summary>
public static class GoFormat
{
    /// <summary>What <c>{{ value }}</c> writes: pointers are dereferenced once, no value prints <c>&lt;no value&gt;</c>.</summary>
    public static string PrintValue(GoValue v)
    {
        if (v.Kind == GoKind.Pointer && !v.IsNil) v = v.PointerTarget;
        if (!v.IsValid) return "<no value>";
        return Sprint([v]);
    }

    /// <summary><c>fmt.Sprint</c>: operands concatenated, with a space between two operands when neither is a string.</summary>
    public static string Sprint(IReadOnlyList<GoValue> args)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < args.Count; i++)
        {
            if (i > 0 && args[i].Kind != GoKind.String && args[i - 1].Kind != GoKind.String) sb.Append(' ');
            AppendValue(sb, args[i], 0);
        }
        return sb.ToString();
    }

    /// <summary><c>fmt.Sprintln</c>: operands separated by spaces, then a newline.</summary>
    public static string Sprintln(IReadOnlyList<GoValue> args)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < args.Count; i++)
        {
            if (i > 0) sb.Append(' ');
            AppendValue(sb, args[i], 0);
        }
        return sb.Append('\n').ToString();
    }

    /// <summary>Appends the <c>%v</c> form of <paramref name="v"/>.</summary>
    public static void AppendValue(StringBuilder sb, GoValue v, int depth)
    {
        if (!v.IsValid || (v.Kind == GoKind.Interface))
        {
            sb.Append("<nil>");
            return;
        }
        if (v.Type!.Stringer is { } stringer && !(v.Kind == GoKind.Pointer && v.IsNil))
        {
            sb.Append(stringer(v));
            return;
        }
        switch (v.Kind)
        {
            case GoKind.Bool: sb.Append(v.AsBool ? "true" : "false"); break;
            case GoKind.Int: sb.Append(v.AsInt.ToString(CultureInfo.InvariantCulture)); break;
            case GoKind.Uint: sb.Append(v.AsUint.ToString(CultureInfo.InvariantCulture)); break;
            case GoKind.Float: sb.Append(FormatFloat(v.AsFloat, 'g', -1)); break;
            case GoKind.String: sb.Append(v.AsString); break;
            case GoKind.Slice:
                sb.Append('[');
                for (int i = 0; i < v.AsSlice.Count; i++)
                {
                    if (i > 0) sb.Append(' ');
                    AppendValue(sb, v.AsSlice[i], depth + 1);
                }
                sb.Append(']');
                break;
            case GoKind.Map:
            {
                sb.Append("map[");
                bool first = true;
                foreach (var (k, val) in v.SortedMapEntries())
                {
                    if (!first) sb.Append(' ');
                    first = false;
                    sb.Append(k).Append(':');
                    AppendValue(sb, val, depth + 1);
                }
                sb.Append(']');
                break;
            }
            case GoKind.Struct:
                sb.Append('{');
                for (int i = 0; i < v.StructFields.Count; i++)
                {
                    if (i > 0) sb.Append(' ');
                    AppendValue(sb, v.StructFields[i], depth + 1);
                }
                sb.Append('}');
                break;
            case GoKind.Pointer:
                if (v.IsNil) sb.Append("<nil>");
                else if (depth == 0 && v.PointerTarget.Kind is GoKind.Struct or GoKind.Slice or GoKind.Map)
                {
                    sb.Append('&');
                    AppendValue(sb, v.PointerTarget, depth + 1);
                }
                else sb.Append("0xc000010000"); // an address; Go's is arbitrary
                break;
        }
    }

    /// <summary>Go's <c>strconv.FormatFloat(f, fmt, prec, 64)</c> for 'g', 'e', 'f' (prec -1 = shortest).</summary>
    public static string FormatFloat(double f, char format, int precision)
    {
        if (double.IsNaN(f)) return "NaN";
        if (double.IsPositiveInfinity(f)) return "+Inf";
        if (double.IsNegativeInfinity(f)) return "-Inf";
        var (digits, decimalPoint, negative) = Digits(f, format, precision);
        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        switch (format)
        {
            case 'e':
            case 'E':
                AppendExponent(sb, digits, decimalPoint, precision < 0 ? Math.Max(digits.Length - 1, 0) : precision, format);
                break;
            case 'f':
                AppendFixed(sb, digits, decimalPoint, precision < 0 ? Math.Max(digits.Length - decimalPoint, 0) : precision);
                break;
            default:
            {
                // strconv's %g: digits were rounded to the precision and stripped of trailing zeros.
                int nd = digits.Length, dp = decimalPoint;
                int prec = precision < 0 ? nd : precision == 0 ? 1 : precision;
                int eprec = prec;
                if (eprec > nd && nd >= dp) eprec = nd;
                if (precision < 0) eprec = 6;
                int exp = dp - 1;
                if (exp < -4 || exp >= eprec)
                {
                    if (prec > nd) prec = nd;
                    AppendExponent(sb, digits, dp, prec - 1, format == 'G' ? 'E' : 'e');
                }
                else
                {
                    if (prec > dp) prec = nd;
                    AppendFixed(sb, digits, dp, Math.Max(prec - dp, 0));
                }
                break;
            }
        }
        return sb.ToString();
    }

    /// <summary>Decimal digits of |f| (shortest round-trip when <paramref name="precision"/> &lt; 0) and the decimal point position.</summary>
    private static (string Digits, int DecimalPoint, bool Negative) Digits(double f, char format, int precision)
    {
        bool negative = double.IsNegative(f);
        double a = Math.Abs(f);
        if (a == 0) return ("0", 1, negative);
        string s;
        if (precision < 0) s = a.ToString("R", CultureInfo.InvariantCulture);
        else
        {
            int significant = format switch
            {
                'e' or 'E' => precision + 1,
                'f' => -1,
                _ => precision == 0 ? 1 : precision,
            };
            s = significant < 0 ? a.ToString("F" + precision, CultureInfo.InvariantCulture) : a.ToString("E" + (significant - 1), CultureInfo.InvariantCulture);
        }
        int exponent = 0;
        int e = s.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            s = s[..e];
        }
        int dot = s.IndexOf('.');
        string digits = dot < 0 ? s : s.Remove(dot, 1);
        int point = (dot < 0 ? s.Length : dot) + exponent;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..];
        point -= lead;
        if (precision < 0 || format is 'g' or 'G')
        {
            digits = digits.TrimEnd('0');
            if (digits.Length == 0) digits = "0";
        }
        return (digits, point, negative);
    }

    private static void AppendExponent(StringBuilder sb, string digits, int decimalPoint, int fraction, char e)
    {
        sb.Append(digits[0]);
        if (fraction > 0)
        {
            sb.Append('.');
            for (int i = 1; i <= fraction; i++) sb.Append(i < digits.Length ? digits[i] : '0');
        }
        int exp = digits == "0" ? 0 : decimalPoint - 1;
        sb.Append(e).Append(exp < 0 ? '-' : '+');
        sb.Append(Math.Abs(exp) < 10 ? "0" : "").Append(Math.Abs(exp).ToString(CultureInfo.InvariantCulture));
    }

    private static void AppendFixed(StringBuilder sb, string digits, int decimalPoint, int fraction)
    {
        if (decimalPoint > 0)
        {
            for (int i = 0; i < decimalPoint; i++) sb.Append(i < digits.Length ? digits[i] : '0');
        }
        else sb.Append('0');
        if (fraction > 0)
        {
            sb.Append('.');
            for (int i = 0; i < fraction; i++)
            {
                int j = decimalPoint + i;
                sb.Append(j >= 0 && j < digits.Length ? digits[j] : '0');
            }
        }
    }

    /// <summary><c>fmt.Sprintf</c> with the common verbs (<c>%v %s %d %q %x %X %o %b %c %f %e %g %t %T %%</c>), flags, width and precision.</summary>
    public static string Sprintf(string format, IReadOnlyList<GoValue> args)
    {
        var sb = new StringBuilder();
        int argIndex = 0;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%') { sb.Append(c); continue; }
            if (++i >= format.Length) { sb.Append("%!(NOVERB)"); break; }
            bool minus = false, plus = false, sharp = false, zero = false, space = false;
            for (; i < format.Length; i++)
            {
                switch (format[i])
                {
                    case '-': minus = true; continue;
                    case '+': plus = true; continue;
                    case '#': sharp = true; continue;
                    case '0': zero = !minus; continue;
                    case ' ': space = true; continue;
                }
                break;
            }
            int? width = ReadNumber(format, ref i, args, ref argIndex);
            int? precision = null;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                precision = ReadNumber(format, ref i, args, ref argIndex) ?? 0;
            }
            if (i >= format.Length) { sb.Append("%!(NOVERB)"); break; }
            char verb = format[i];
            if (verb == '%') { sb.Append('%'); continue; }
            if (argIndex >= args.Count) { sb.Append("%!").Append(verb).Append("(MISSING)"); continue; }
            var arg = args[argIndex++];
            string body = FormatVerb(verb, arg, plus, sharp, space, precision);
            int length = new StringInfo(body).LengthInTextElements;
            if (width is { } w && length < w)
            {
                if (minus) body += new string(' ', w - length);
                else if (zero && verb is not ('s' or 'q' or 'v' or 'c' or 't') && arg.Kind is GoKind.Int or GoKind.Uint or GoKind.Float)
                {
                    int sign = body.Length > 0 && body[0] is '-' or '+' or ' ' ? 1 : 0;
                    body = body[..sign] + new string('0', w - length) + body[sign..];
                }
                else body = new string(' ', w - length) + body;
            }
            sb.Append(body);
        }
        if (argIndex < args.Count)
        {
            sb.Append("%!(EXTRA ");
            for (int k = argIndex; k < args.Count; k++)
            {
                if (k > argIndex) sb.Append(", ");
                sb.Append(args[k].Type?.Name ?? "<nil>").Append('=');
                AppendValue(sb, args[k], 0);
            }
            sb.Append(')');
        }
        return sb.ToString();
    }

    private static int? ReadNumber(string format, ref int i, IReadOnlyList<GoValue> args, ref int argIndex)
    {
        if (i < format.Length && format[i] == '*')
        {
            i++;
            return argIndex < args.Count && args[argIndex].Kind == GoKind.Int ? (int)args[argIndex++].AsInt : null;
        }
        int start = i;
        int n = 0;
        while (i < format.Length && char.IsAsciiDigit(format[i])) n = n * 10 + (format[i++] - '0');
        return i > start ? n : null;
    }

    private static string FormatVerb(char verb, GoValue arg, bool plus, bool sharp, bool space, int? precision)
    {
        string Bad() => $"%!{verb}({arg.Type?.Name ?? "<nil>"}={Sprint([arg])})";
        string Sign(bool negative) => negative ? "-" : plus ? "+" : space ? " " : "";
        switch (verb)
        {
            case 'v':
                return Sprint([arg]);
            case 'T':
                return arg.Type?.Name ?? "<nil>";
            case 't':
                return arg.Kind == GoKind.Bool ? (arg.AsBool ? "true" : "false") : Bad();
            case 's':
            case 'q':
            {
                string? s = arg.Kind == GoKind.String ? arg.AsString : arg.Type?.Stringer != null ? arg.Type.Stringer(arg) : null;
                if (s == null)
                {
                    if (verb == 'q' && arg.Kind is GoKind.Int) return "'" + char.ConvertFromUtf32((int)arg.AsInt) + "'";
                    if (arg.Kind is GoKind.Slice or GoKind.Map or GoKind.Struct || !arg.IsValid) return Sprint([arg]);
                    return Bad();
                }
                if (precision is { } p && p < s.Length) s = s[..p];
                return verb == 'q' ? (sharp && !s.Contains('`') ? "`" + s + "`" : Syntax.GoQuote.Quote(s)) : s;
            }
            case 'd' or 'x' or 'X' or 'o' or 'b' or 'c':
            {
                if (arg.Kind == GoKind.String && verb is 'x' or 'X')
                {
                    var hex = Convert.ToHexString(Encoding.UTF8.GetBytes(arg.AsString));
                    return verb == 'x' ? hex.ToLowerInvariant() : hex;
                }
                if (arg.Kind is not (GoKind.Int or GoKind.Uint)) return Bad();
                if (verb == 'c') return char.ConvertFromUtf32((int)arg.AsInt);
                bool negative = arg.Kind == GoKind.Int && arg.AsInt < 0;
                ulong magnitude = arg.Kind == GoKind.Uint ? arg.AsUint : negative ? (ulong)(-(arg.AsInt + 1)) + 1 : (ulong)arg.AsInt;
                string digits = verb switch
                {
                    'x' => magnitude.ToString("x", CultureInfo.InvariantCulture),
                    'X' => magnitude.ToString("X", CultureInfo.InvariantCulture),
                    'o' => Convert.ToString((long)magnitude, 8),
                    'b' => Convert.ToString((long)magnitude, 2),
                    _ => magnitude.ToString(CultureInfo.InvariantCulture),
                };
                if (precision is { } p && digits.Length < p) digits = new string('0', p - digits.Length) + digits;
                string prefix = sharp ? verb switch { 'x' => "0x", 'X' => "0X", 'o' => "0", 'b' => "0b", _ => "" } : "";
                return Sign(negative) + prefix + digits;
            }
            case 'f' or 'F' or 'e' or 'E' or 'g' or 'G':
            {
                if (arg.Kind != GoKind.Float) return Bad();
                double f = arg.AsFloat;
                char fmt = verb == 'F' ? 'f' : verb;
                string s = FormatFloat(Math.Abs(f), fmt, precision ?? (verb is 'g' or 'G' ? -1 : 6));
                return Sign(double.IsNegative(f)) + s;
            }
            default:
                return $"%!{verb}({arg.Type?.Name ?? "<nil>"}={Sprint([arg])})";
        }
    }
}
