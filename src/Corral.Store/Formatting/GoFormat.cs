using System.Globalization;
using System.Numerics;
using System.Text;

namespace Corral.Store;

/// <summary>
/// Go's textual formats that leak into Ollama's wire and file formats: <c>strconv.Quote</c> (the <c>%q</c>/<c>%#v</c>
/// of strings), shortest float formatting for <c>%v</c> and <c>encoding/json</c>, and exactly rounded <c>%.Nf</c>.
/// Shortest digits come from .NET's round-trip formatting, which yields the same digit string as Go's algorithm.
/// </summary>
public static class GoFormat
{
    /// <summary><c>strconv.Quote</c>: double-quoted with Go escapes; printable Unicode is kept as is.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        foreach (var rune in EnumerateRunes(s))
        {
            int r = rune.Value;
            switch (r)
            {
                case '"': sb.Append("\\\""); continue;
                case '\\': sb.Append("\\\\"); continue;
            }
            if (IsPrint(rune))
            {
                sb.Append(rune.ToString());
                continue;
            }
            switch (r)
            {
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (r < ' ' || r == 0x7f) sb.Append("\\x").Append(r.ToString("x2", CultureInfo.InvariantCulture));
                    else if (r < 0x10000) sb.Append("\\u").Append(r.ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append("\\U").Append(r.ToString("x8", CultureInfo.InvariantCulture));
                    break;
            }
        }
        sb.Append('"');
        return sb.ToString();
    }

    /// <summary>Go's <c>strconv.IsPrint</c>: letters, marks, numbers, punctuation, symbols and the ASCII space.</summary>
    public static bool IsPrint(Rune r)
    {
        if (r.Value == ' ') return true;
        switch (Rune.GetUnicodeCategory(r))
        {
            case UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter:
            case UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark:
            case UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber:
            case UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
                or UnicodeCategory.OtherPunctuation:
            case UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol:
                return true;
            default:
                return false;
        }
    }

    /// <summary>Runes of a UTF-16 string; lone surrogates become U+FFFD (as invalid UTF-8 does in Go).</summary>
    public static IEnumerable<Rune> EnumerateRunes(string s)
    {
        for (int i = 0; i < s.Length;)
        {
            if (Rune.DecodeFromUtf16(s.AsSpan(i), out var rune, out int used) != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                used = Math.Max(used, 1);
            }
            yield return rune;
            i += used;
        }
    }

    /// <summary><c>%v</c> (and <c>%#v</c>) of a float64: shortest digits, in <c>e</c> form when the decimal exponent is
    /// below -4 or at least 6 (<c>1e+06</c>, <c>123456</c>, <c>0.0001</c>, <c>1e-05</c>, <c>0.7</c>).</summary>
    public static string FormatFloatV(double v) => FormatShortest(v, 'g', float32: false);

    /// <summary><c>strconv.FormatFloat(v, fmt, -1, 64|32)</c> for <paramref name="fmt"/> in <c>e</c>, <c>f</c>, <c>g</c>.</summary>
    public static string FormatShortest(double v, char fmt, bool float32 = false)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsPositiveInfinity(v)) return "+Inf";
        if (double.IsNegativeInfinity(v)) return "-Inf";
        bool neg = double.IsNegative(v);
        var (digits, dp) = ShortestDigits(Math.Abs(v), float32);
        var sb = new StringBuilder();
        if (neg) sb.Append('-');
        switch (fmt)
        {
            case 'e':
                AppendE(sb, digits, dp);
                break;
            case 'f':
                AppendF(sb, digits, dp, Math.Max(digits.Length - dp, 0));
                break;
            case 'g':
                int exp = dp - 1;
                if (exp < -4 || exp >= 6) AppendE(sb, digits, dp);
                else AppendF(sb, digits, dp, Math.Max(digits.Length - dp, 0));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fmt), fmt, "expected 'e', 'f' or 'g'");
        }
        return sb.ToString();
    }

    /// <summary>How Go's <c>encoding/json</c> writes a float64 (or float32): plain decimal, or <c>e</c> form below 1e-6
    /// and from 1e21 on, with the exponent's leading zero removed (<c>1e-7</c>, <c>1e+21</c>).</summary>
    public static string FormatJsonFloat(double v, bool float32 = false)
    {
        if (!double.IsFinite(v)) throw new ArgumentOutOfRangeException(nameof(v), v, "JSON cannot represent a non-finite number");
        double abs = Math.Abs(v);
        char fmt = 'f';
        if (abs != 0)
        {
            bool useE = float32
                ? (float)abs < 1e-6f || (float)abs >= 1e21f
                : abs < 1e-6 || abs >= 1e21;
            if (useE) fmt = 'e';
        }
        string s = FormatShortest(v, fmt, float32);
        if (fmt == 'e')
        {
            int n = s.Length;
            if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0')
                s = string.Concat(s.AsSpan(0, n - 2), s.AsSpan(n - 1));
        }
        return s;
    }

    /// <summary><c>%.Nf</c>: the exact binary value rounded to <paramref name="decimals"/> places, ties to even (as Go does).</summary>
    public static string FormatFixed(double v, int decimals)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(decimals);
        if (double.IsNaN(v)) return "NaN";
        if (double.IsInfinity(v)) return v > 0 ? "+Inf" : "-Inf";
        bool neg = double.IsNegative(v);
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(v));
        int rawExp = (int)((bits >> 52) & 0x7FF);
        long frac = bits & ((1L << 52) - 1);
        BigInteger mantissa = rawExp == 0 ? frac : frac | (1L << 52);
        int exp2 = (rawExp == 0 ? 1 : rawExp) - 1075;

        BigInteger scaled = mantissa * BigInteger.Pow(10, decimals);
        BigInteger q;
        if (exp2 >= 0)
        {
            q = scaled << exp2;
        }
        else
        {
            BigInteger den = BigInteger.One << -exp2;
            q = BigInteger.DivRem(scaled, den, out var rem);
            int cmp = (rem * 2).CompareTo(den);
            if (cmp > 0 || (cmp == 0 && !q.IsEven)) q += 1;
        }
        string digits = q.ToString(CultureInfo.InvariantCulture).PadLeft(decimals + 1, '0');
        var sb = new StringBuilder();
        if (neg) sb.Append('-');
        sb.Append(digits, 0, digits.Length - decimals);
        if (decimals > 0) sb.Append('.').Append(digits, digits.Length - decimals, decimals);
        return sb.ToString();
    }

    // Decimal digits d (no leading/trailing zeros) and decimal-point position dp so that v = 0.d × 10^dp.
    private static (string Digits, int DecimalPoint) ShortestDigits(double abs, bool float32)
    {
        if (abs == 0) return ("0", 1);
        string r = float32
            ? ((float)abs).ToString("R", CultureInfo.InvariantCulture)
            : abs.ToString("R", CultureInfo.InvariantCulture);
        int exp10 = 0;
        int e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp10 = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        int dot = r.IndexOf('.');
        string intPart = dot >= 0 ? r[..dot] : r;
        string fracPart = dot >= 0 ? r[(dot + 1)..] : "";
        string all = intPart + fracPart;
        int dp = intPart.Length + exp10;
        int lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0') lead++;
        all = all[lead..];
        dp -= lead;
        all = all.TrimEnd('0');
        if (all.Length == 0) return ("0", 1);
        return (all, dp);
    }

    private static void AppendE(StringBuilder sb, string digits, int dp)
    {
        sb.Append(digits[0]);
        if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
        int exp = digits == "0" ? 0 : dp - 1;
        sb.Append('e').Append(exp < 0 ? '-' : '+');
        exp = Math.Abs(exp);
        if (exp < 10) sb.Append('0');
        sb.Append(exp.ToString(CultureInfo.InvariantCulture));
    }

    private static void AppendF(StringBuilder sb, string digits, int dp, int prec)
    {
        if (dp > 0)
        {
            int m = Math.Min(digits.Length, dp);
            sb.Append(digits, 0, m);
            for (; m < dp; m++) sb.Append('0');
        }
        else
        {
            sb.Append('0');
        }
        if (prec > 0)
        {
            sb.Append('.');
            for (int i = 1; i <= prec; i++)
            {
                int j = dp + i - 1;
                sb.Append(j >= 0 && j < digits.Length ? digits[j] : '0');
            }
        }
    }
}
