using System.Text;

namespace Corral.Templates.Jinja.Builtins;

/// <summary>Python's printf-style <c>format % args</c> for strings.</summary>
internal static class PercentFormat
{
    /// <param name="escapeArguments">True for <c>Markup % args</c>: string conversions of the arguments are HTML-escaped.</param>
    public static string Format(string format, JinjaValue args, bool escapeArguments = false)
    {
        List<JinjaValue> positional;
        JinjaDict? mapping = null;
        if (args.IsList && args.AsList.Flavor == ListFlavor.Tuple) positional = args.AsList.ToList();
        else
        {
            positional = [args];
            if (args.IsDict) mapping = args.AsDict;
        }
        int next = 0;
        bool usedMapping = false;
        var sb = new StringBuilder();
        int i = 0;
        while (i < format.Length)
        {
            char c = format[i++];
            if (c != '%') { sb.Append(c); continue; }
            if (i >= format.Length) throw Errors.Value("incomplete format");

            JinjaValue? keyed = null;
            if (format[i] == '(')
            {
                int close = format.IndexOf(')', i);
                if (close < 0) throw Errors.Value("incomplete format key");
                string key = format[(i + 1)..close];
                if (mapping == null) throw Errors.Type("format requires a mapping");
                if (!mapping.TryGetValue(key, out var kv)) throw Errors.Key(key);
                keyed = kv;
                usedMapping = true;
                i = close + 1;
            }
            bool left = false, plus = false, space = false, alternate = false, zero = false;
            for (; i < format.Length; i++)
            {
                switch (format[i])
                {
                    case '-': left = true; continue;
                    case '+': plus = true; continue;
                    case ' ': space = true; continue;
                    case '#': alternate = true; continue;
                    case '0': zero = true; continue;
                }
                break;
            }
            int width = ReadNumber(format, ref i, positional, ref next);
            int? precision = null;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                precision = ReadNumber(format, ref i, positional, ref next);
            }
            while (i < format.Length && format[i] is 'h' or 'l' or 'L') i++;
            if (i >= format.Length) throw Errors.Value("incomplete format");
            char type = format[i++];
            if (type == '%') { sb.Append('%'); continue; }

            JinjaValue value;
            if (keyed is { } k) value = k;
            else
            {
                if (next >= positional.Count) throw Errors.Type("not enough arguments for format string");
                value = positional[next++];
            }
            string body;
            string sign = "";
            switch (type)
            {
                case 's': body = escapeArguments ? Markup.Escape(value) : PyFormat.Str(value); break;
                case 'r' or 'a': body = escapeArguments ? Markup.EscapeText(PyFormat.Repr(value)) : PyFormat.Repr(value); break;
                case 'c':
                    body = value.IsString && PyStr.Length(value.AsString) == 1 ? value.AsString
                        : value.IsIntegral ? char.ConvertFromUtf32((int)value.AsInt)
                        : throw Errors.Type("%c requires int or char");
                    break;
                case 'd' or 'i' or 'u' or 'x' or 'X' or 'o':
                {
                    if (!value.IsNumber)
                        throw Errors.Type($"%{type} format: a {(type is 'd' or 'i' or 'u' ? "real number" : "integer")} is required, not {PyFormat.TypeName(value)}");
                    long n = value.IsIntegral ? value.AsInt : (long)Math.Truncate(value.AsFloat);
                    body = NumberFormat.FormatInteger(n, type is 'i' or 'u' ? 'd' : type, alternate);
                    if (precision is { } p && body.Length < p) body = new string('0', p - body.Length) + body;
                    sign = n < 0 ? "-" : plus ? "+" : space ? " " : "";
                    break;
                }
                case 'e' or 'E' or 'f' or 'F' or 'g' or 'G':
                {
                    if (!value.IsNumber) throw Errors.Type($"must be real number, not {PyFormat.TypeName(value)}");
                    double d = value.AsFloat;
                    body = NumberFormat.FormatFloat(d, type, precision, alternate);
                    sign = double.IsNegative(d) && !double.IsNaN(d) ? "-" : plus ? "+" : space ? " " : "";
                    break;
                }
                default:
                    throw Errors.Value($"unsupported format character '{type}' (0x{(int)type:x}) at index {i - 1}");
            }
            if (type is 's' or 'r' or 'a' && precision is { } prec) body = PyStr.Slice(body, null, prec, null);
            int len = PyStr.Length(body) + sign.Length;
            if (len >= width) sb.Append(sign).Append(body);
            else if (left) sb.Append(sign).Append(body).Append(' ', width - len);
            else if (zero && type is not ('s' or 'r' or 'a' or 'c')) sb.Append(sign).Append('0', width - len).Append(body);
            else sb.Append(' ', width - len).Append(sign).Append(body);
        }
        if (!usedMapping && mapping == null && next < positional.Count)
            throw Errors.Type("not all arguments converted during string formatting");
        return sb.ToString();
    }

    private static int ReadNumber(string format, ref int i, List<JinjaValue> positional, ref int next)
    {
        if (i < format.Length && format[i] == '*')
        {
            i++;
            if (next >= positional.Count || !positional[next].IsIntegral) throw Errors.Type("* wants int");
            return (int)positional[next++].AsInt;
        }
        int n = 0;
        while (i < format.Length && char.IsAsciiDigit(format[i])) n = n * 10 + (format[i++] - '0');
        return n;
    }
}
