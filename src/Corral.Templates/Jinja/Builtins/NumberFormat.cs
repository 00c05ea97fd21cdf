using System.Globalization;
using System.Text;

namespace Corral.Templates.Jinja.Builtins;

/// <summary>Python's number formatting (<c>%</c>-style and <c>format()</c> spec types d, x, o, b, e, f, g, %).</summary>
internal static class NumberFormat
{
    /// <summary>Formats <paramref name="x"/> with a float presentation type, without sign (the caller adds it).</summary>
    public static string FormatFloat(double x, char type, int? precision, bool alternate)
    {
        double a = Math.Abs(x);
        if (double.IsNaN(a)) return char.IsUpper(type) ? "NAN" : "nan";
        if (double.IsInfinity(a)) return char.IsUpper(type) ? "INF" : "inf";
        int p = precision ?? 6;
        switch (type)
        {
            case 'f':
            case 'F':
            {
                string s = a.ToString("F" + p, CultureInfo.InvariantCulture);
                return alternate && p == 0 ? s + "." : s;
            }
            case 'e':
            case 'E':
                return Exponent(a, p, type, alternate);
            case '%':
                return a.ToString("F" + p, CultureInfo.InvariantCulture) + (alternate && p == 0 ? ".%" : "%");
            default: // 'g' / 'G'
                return General(a, p == 0 ? 1 : p, char.IsUpper(type), alternate);
        }
    }

    private static string Exponent(double a, int precision, char type, bool alternate)
    {
        string s = a.ToString((type == 'E' ? "E" : "e") + precision, CultureInfo.InvariantCulture);
        int e = s.IndexOfAny(['e', 'E']);
        string mantissa = s[..e];
        int exp = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (alternate && precision == 0) mantissa += ".";
        return mantissa + s[e] + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
    }

    private static string General(double a, int precision, bool upper, bool alternate)
    {
        if (a == 0)
        {
            return alternate ? "0." + new string('0', precision - 1) : "0";
        }
        // The exponent after rounding to `precision` significant digits decides the notation.
        string rounded = a.ToString("E" + (precision - 1), CultureInfo.InvariantCulture);
        int exp = int.Parse(rounded.AsSpan(rounded.IndexOf('E') + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        string result;
        if (exp >= -4 && exp < precision)
        {
            result = a.ToString("F" + Math.Max(0, precision - 1 - exp), CultureInfo.InvariantCulture);
            if (!alternate && result.Contains('.')) result = result.TrimEnd('0').TrimEnd('.');
        }
        else
        {
            result = Exponent(a, precision - 1, upper ? 'E' : 'e', alternate);
            if (!alternate)
            {
                int e = result.IndexOfAny(['e', 'E']);
                string mantissa = result[..e];
                if (mantissa.Contains('.')) mantissa = mantissa.TrimEnd('0').TrimEnd('.');
                result = mantissa + result[e..];
            }
        }
        return result;
    }

    /// <summary>Formats an integer magnitude in a radix presentation (d, x, X, o, b), without sign.</summary>
    public static string FormatInteger(long value, char type, bool alternate)
    {
        ulong magnitude = value < 0 ? (ulong)(-(value + 1)) + 1 : (ulong)value;
        return type switch
        {
            'x' => (alternate ? "0x" : "") + magnitude.ToString("x", CultureInfo.InvariantCulture),
            'X' => (alternate ? "0X" : "") + magnitude.ToString("X", CultureInfo.InvariantCulture),
            'o' => (alternate ? "0o" : "") + Convert.ToString((long)magnitude, 8),
            'b' => (alternate ? "0b" : "") + Convert.ToString((long)magnitude, 2),
            _ => magnitude.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Inserts a thousands separator into the integer part of <paramref name="digits"/>.</summary>
    public static string Group(string digits, char separator, int every = 3)
    {
        int dot = digits.IndexOfAny(['.', 'e', 'E', '%']);
        string intPart = dot < 0 ? digits : digits[..dot];
        string rest = dot < 0 ? "" : digits[dot..];
        int prefix = intPart.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || intPart.StartsWith("0b", StringComparison.OrdinalIgnoreCase) || intPart.StartsWith("0o", StringComparison.OrdinalIgnoreCase) ? 2 : 0;
        string head = intPart[..prefix], body = intPart[prefix..];
        var sb = new StringBuilder();
        for (int i = 0; i < body.Length; i++)
        {
            if (i > 0 && (body.Length - i) % every == 0) sb.Append(separator);
            sb.Append(body[i]);
        }
        return head + sb + rest;
    }
}
