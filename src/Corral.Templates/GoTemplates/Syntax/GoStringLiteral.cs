using System.Globalization;
using System.Text;

namespace Corral.Templates.GoTemplates.Syntax;

/// <summary>Go's <c>strconv.Unquote</c> and <c>ParseInt(s, 0, 64)</c> for template literals.</summary>
internal static class GoStringLiteral
{
    public static string Unquote(string literal, out bool ok)
    {
        ok = false;
        if (literal.Length < 2) return "";
        char quote = literal[0];
        if (literal[^1] != quote) return "";
        string body = literal[1..^1];
        if (quote == '`')
        {
            if (body.Contains('`')) return "";
            ok = true;
            return body.Replace("\r", "");
        }
        if (quote is not ('"' or '\'')) return "";
        var sb = new StringBuilder(body.Length);
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            if (c == quote || c == '\n') return "";
            if (c != '\\') { sb.Append(c); continue; }
            if (++i >= body.Length) return "";
            char e = body[i];
            switch (e)
            {
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case '\\': sb.Append('\\'); break;
                case '\'' when quote == '\'': sb.Append('\''); break;
                case '"' when quote == '"': sb.Append('"'); break;
                case 'x' or 'u' or 'U':
                {
                    int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + n >= body.Length) return "";
                    string hex = body.Substring(i + 1, n);
                    if (!int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int v)) return "";
                    if (e == 'x') sb.Append((char)v);
                    else
                    {
                        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return "";
                        sb.Append(char.ConvertFromUtf32(v));
                    }
                    i += n;
                    break;
                }
                case >= '0' and <= '7':
                {
                    if (i + 2 >= body.Length) return "";
                    string oct = body.Substring(i, 3);
                    if (oct.Any(ch => ch is < '0' or > '7')) return "";
                    int v = Convert.ToInt32(oct, 8);
                    if (v > 255) return "";
                    sb.Append((char)v);
                    i += 2;
                    break;
                }
                default:
                    return "";
            }
        }
        ok = true;
        return sb.ToString();
    }

    /// <summary><c>strconv.ParseInt(s, 0, 64)</c>: optional sign, 0x/0o/0b prefixes, leading 0 = octal, underscores after a prefix.</summary>
    public static bool TryParseInt(string s, out long value)
    {
        value = 0;
        bool negative = false;
        string t = s;
        if (t.Length > 0 && t[0] is '+' or '-') { negative = t[0] == '-'; t = t[1..]; }
        if (!TryParseMagnitude(t, out ulong magnitude)) return false;
        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1) return false;
            value = (long)(0 - magnitude);
            return true;
        }
        if (magnitude > long.MaxValue) return false;
        value = (long)magnitude;
        return true;
    }

    public static bool TryParseUint(string s, out ulong value)
    {
        value = 0;
        if (s.Length > 0 && s[0] is '+' or '-') return false;
        return TryParseMagnitude(s, out value);
    }

    private static bool TryParseMagnitude(string t, out ulong value)
    {
        value = 0;
        int radix = 10;
        bool prefixed = false;
        if (t.Length > 1 && t[0] == '0')
        {
            switch (char.ToLowerInvariant(t[1]))
            {
                case 'x': radix = 16; t = t[2..]; prefixed = true; break;
                case 'o': radix = 8; t = t[2..]; prefixed = true; break;
                case 'b': radix = 2; t = t[2..]; prefixed = true; break;
                default: radix = 8; t = t[1..]; prefixed = true; break;
            }
        }
        // Base-0 parsing accepts '_' between digits (and right after a base prefix).
        if (t.Length == 0 || t.EndsWith('_') || t.Contains("__") || (t.StartsWith('_') && !prefixed)) return false;
        ulong result = 0;
        foreach (char c in t)
        {
            if (c == '_') continue;
            int d = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
            if (d >= radix) return false;
            try { result = checked(result * (ulong)radix + (ulong)d); }
            catch (OverflowException) { return false; }
        }
        value = result;
        return true;
    }
}
