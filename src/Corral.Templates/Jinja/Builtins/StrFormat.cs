using System.Text;
using Corral.Templates.Jinja.Runtime;

namespace Corral.Templates.Jinja.Builtins;

/// <summary>Python's <c>str.format(*args, **kwargs)</c> and the <c>format()</c> spec mini-language.</summary>
internal static class StrFormat
{
    public static string Format(Interpreter interpreter, string format, JinjaArgs args)
    {
        var sb = new StringBuilder();
        int auto = 0;
        bool? manual = null;
        int i = 0;
        while (i < format.Length)
        {
            char c = format[i];
            if (c == '}')
            {
                if (i + 1 < format.Length && format[i + 1] == '}') { sb.Append('}'); i += 2; continue; }
                throw Errors.Value("Single '}' encountered in format string");
            }
            if (c != '{') { sb.Append(c); i++; continue; }
            if (i + 1 < format.Length && format[i + 1] == '{') { sb.Append('{'); i += 2; continue; }

            int end = FindFieldEnd(format, i + 1);
            string field = format[(i + 1)..end];
            i = end + 1;

            string? spec = null;
            char? conversion = null;
            int colon = IndexOutsideBrackets(field, ':');
            if (colon >= 0) { spec = field[(colon + 1)..]; field = field[..colon]; }
            int bang = IndexOutsideBrackets(field, '!');
            if (bang >= 0)
            {
                if (bang + 2 != field.Length) throw Errors.Value("expected ':' after conversion specifier");
                conversion = field[bang + 1];
                field = field[..bang];
            }

            var value = ResolveField(field, args, ref auto, ref manual);
            value = conversion switch
            {
                null => value,
                's' => PyFormat.Str(value),
                'r' or 'a' => PyFormat.Repr(value),
                _ => throw Errors.Value($"Unknown conversion specifier {conversion}"),
            };
            if (spec != null && spec.Contains('{')) spec = Format(interpreter, spec, args);
            sb.Append(ApplySpec(value, spec ?? ""));
        }
        return sb.ToString();
    }

    private static int FindFieldEnd(string format, int start)
    {
        int depth = 1;
        for (int j = start; j < format.Length; j++)
        {
            if (format[j] == '{') depth++;
            else if (format[j] == '}' && --depth == 0) return j;
        }
        throw Errors.Value("expected '}' before end of string");
    }

    private static int IndexOutsideBrackets(string s, char target)
    {
        int depth = 0;
        for (int j = 0; j < s.Length; j++)
        {
            if (s[j] == '[') depth++;
            else if (s[j] == ']') depth--;
            else if (s[j] == target && depth == 0) return j;
        }
        return -1;
    }

    private static JinjaValue ResolveField(string field, JinjaArgs args, ref int auto, ref bool? manual)
    {
        int split = field.IndexOfAny(['.', '[']);
        string head = split < 0 ? field : field[..split];
        JinjaValue value;
        if (head.Length == 0 || head.All(char.IsAsciiDigit))
        {
            bool isManual = head.Length > 0;
            if (manual is { } m && m != isManual)
                throw Errors.Value(isManual ? "cannot switch from automatic field numbering to manual field specification"
                                            : "cannot switch from manual field specification to automatic field numbering");
            manual = isManual;
            int index = isManual ? int.Parse(head) : auto++;
            if (index >= args.Positional.Count)
                throw Errors.Index("tuple index out of range");
            value = args.Positional[index];
        }
        else if (!args.TryGetNamed(head, out value)) throw Errors.Key(head);

        int p = split < 0 ? field.Length : split;
        while (p < field.Length)
        {
            if (field[p] == '.')
            {
                int q = p + 1;
                while (q < field.Length && field[q] is not ('.' or '[')) q++;
                value = Access.GetAttr(value, field[(p + 1)..q]);
                p = q;
            }
            else
            {
                int close = field.IndexOf(']', p);
                if (close < 0) throw Errors.Value("Missing ']' in format string");
                string key = field[(p + 1)..close];
                value = Access.GetItem(value, key.Length > 0 && key.All(char.IsAsciiDigit) ? long.Parse(key) : key);
                p = close + 1;
            }
        }
        return value;
    }

    /// <summary>Python <c>format(value, spec)</c>: <c>[[fill]align][sign][#][0][width][,|_][.precision][type]</c>.</summary>
    public static string ApplySpec(JinjaValue value, string spec)
    {
        if (spec.Length == 0) return PyFormat.Str(value);
        int i = 0;
        char fill = ' ';
        char? align = null;
        if (spec.Length >= 2 && spec[1] is '<' or '>' or '^' or '=') { fill = spec[0]; align = spec[1]; i = 2; }
        else if (spec[0] is '<' or '>' or '^' or '=') { align = spec[0]; i = 1; }
        char sign = '-';
        if (i < spec.Length && spec[i] is '+' or '-' or ' ') sign = spec[i++];
        bool alternate = false;
        if (i < spec.Length && spec[i] == '#') { alternate = true; i++; }
        if (i < spec.Length && spec[i] == '0')
        {
            if (align == null) { fill = '0'; align = '='; }
            i++;
        }
        int width = 0;
        while (i < spec.Length && char.IsAsciiDigit(spec[i])) width = width * 10 + (spec[i++] - '0');
        char? grouping = null;
        if (i < spec.Length && spec[i] is ',' or '_') grouping = spec[i++];
        int? precision = null;
        if (i < spec.Length && spec[i] == '.')
        {
            i++;
            int p = 0;
            while (i < spec.Length && char.IsAsciiDigit(spec[i])) p = p * 10 + (spec[i++] - '0');
            precision = p;
        }
        char? type = i < spec.Length ? spec[i++] : null;
        if (i != spec.Length) throw Errors.Value("Invalid format specifier");

        string body, signText = "";
        bool numeric = value.IsNumber;
        if (value.IsString || (!numeric && type is null or 's'))
        {
            if (!value.IsString && !value.IsUndefined)
                throw Errors.Type($"unsupported format string passed to {PyFormat.TypeName(value)}.__format__");
            if (type is not (null or 's')) throw Errors.Value($"Unknown format code '{type}' for object of type 'str'");
            body = PyFormat.Str(value);
            if (precision is { } p) body = PyStr.Slice(body, null, p, null);
            return Pad(body, "", fill, align ?? '<', width);
        }
        if (!numeric) throw Errors.Type($"unsupported format string passed to {PyFormat.TypeName(value)}.__format__");

        if (value.IsIntegral && type is null or 'd' or 'x' or 'X' or 'o' or 'b' or 'c' or 'n')
        {
            long n = value.AsInt;
            if (type == 'c') body = char.ConvertFromUtf32((int)n);
            else body = NumberFormat.FormatInteger(n, type is null or 'n' ? 'd' : type.Value, alternate);
            if (n < 0) signText = "-";
            else if (sign == '+') signText = "+";
            else if (sign == ' ') signText = " ";
        }
        else
        {
            double d = value.AsFloat;
            char t = type ?? 'g';
            if (t is not ('e' or 'E' or 'f' or 'F' or 'g' or 'G' or '%' or 'n'))
                throw Errors.Value($"Unknown format code '{t}' for object of type '{PyFormat.TypeName(value)}'");
            if (t == '%') d *= 100;
            if (type == null && precision == null) body = PyFormat.FloatRepr(Math.Abs(d));
            else body = NumberFormat.FormatFloat(d, t == 'n' ? 'g' : t, precision, alternate);
            if (double.IsNegative(d) && !double.IsNaN(d)) signText = "-";
            else if (sign == '+') signText = "+";
            else if (sign == ' ') signText = " ";
        }
        if (grouping is { } g) body = NumberFormat.Group(body, g);
        return Pad(body, signText, fill, align ?? '>', width);
    }

    private static string Pad(string body, string sign, char fill, char align, int width)
    {
        int len = PyStr.Length(body) + sign.Length;
        if (len >= width) return sign + body;
        int total = width - len;
        return align switch
        {
            '<' => sign + body + new string(fill, total),
            '^' => new string(fill, total / 2) + sign + body + new string(fill, total - total / 2),
            '=' => sign + new string(fill, total) + body,
            _ => new string(fill, total) + sign + body,
        };
    }
}
