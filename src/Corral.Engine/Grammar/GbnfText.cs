using System.Globalization;
using System.Text;

namespace Corral.Engine.Grammar;

/// <summary>Pieces of GBNF text written the way llama.cpp's JSON-schema converter writes them.</summary>
internal static class GbnfText
{
    /// <summary>Sentinel for "no upper bound" in <see cref="Repetition"/>.</summary>
    public const int Unbounded = int.MaxValue;

    /// <summary>A GBNF string literal: <c>"</c>…<c>"</c> with <c>\r \n " \</c> escaped (<c>format_literal</c>).</summary>
    public static string Literal(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append('"');
        foreach (char c in text)
        {
            switch (c)
            {
                case '\r': sb.Append(@"\r"); break;
                case '\n': sb.Append(@"\n"); break;
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append(@"\\"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>
    /// <paramref name="item"/> repeated <paramref name="min"/> to <paramref name="max"/> times, items separated by
    /// <paramref name="separator"/> when given (<c>build_repetition</c>).
    /// </summary>
    public static string Repetition(string item, int min, int max, string separator = "")
    {
        bool hasMax = max != Unbounded;
        if (max == 0) return "";
        if (min == 0 && max == 1) return item + "?";
        if (separator.Length == 0)
        {
            if (min == 1 && !hasMax) return item + "+";
            if (min == 0 && !hasMax) return item + "*";
            return item + "{" + min.ToString(CultureInfo.InvariantCulture) + "," + (hasMax ? max.ToString(CultureInfo.InvariantCulture) : "") + "}";
        }
        string result = item + " " + Repetition("(" + separator + " " + item + ")", min == 0 ? 0 : min - 1, hasMax ? max - 1 : max);
        return min == 0 ? "(" + result + ")?" : result;
    }

    /// <summary>
    /// GBNF for the decimal integers in [<paramref name="min"/>, <paramref name="max"/>], where
    /// <see cref="long.MinValue"/>/<see cref="long.MaxValue"/> mean unbounded: llama.cpp's digit-range expansion
    /// (<c>build_min_max_int</c>), which never allows leading zeros.
    /// </summary>
    public static string IntegerRange(long min, long max)
    {
        var sb = new StringBuilder();
        IntegerRange(min, max, sb, 16, topLevel: true);
        return sb.ToString();
    }

    private static void IntegerRange(long min, long max, StringBuilder o, int decimalsLeft, bool topLevel)
    {
        bool hasMin = min != long.MinValue;
        bool hasMax = max != long.MaxValue;

        if (hasMin && hasMax)
        {
            if (min < 0 && max < 0)
            {
                o.Append("\"-\" (");
                IntegerRange(-max, -min, o, decimalsLeft, topLevel: true);
                o.Append(')');
                return;
            }
            if (min < 0)
            {
                o.Append("\"-\" (");
                IntegerRange(0, -min, o, decimalsLeft, topLevel: true);
                o.Append(") | ");
                min = 0;
            }
            string minS = Digits(min), maxS = Digits(max);
            for (int digits = minS.Length; digits < maxS.Length; digits++)
            {
                UniformRange(o, minS, new string('9', digits));
                minS = "1" + new string('0', digits);
                o.Append(" | ");
            }
            UniformRange(o, minS, maxS);
            return;
        }

        int lessDecimals = Math.Max(decimalsLeft - 1, 1);
        if (hasMin)
        {
            if (min < 0)
            {
                o.Append("\"-\" (");
                IntegerRange(long.MinValue, -min, o, decimalsLeft, topLevel: false);
                o.Append(") | [0] | [1-9] ");
                MoreDigits(o, 0, decimalsLeft - 1);
            }
            else if (min == 0)
            {
                if (topLevel)
                {
                    o.Append("[0] | [1-9] ");
                    MoreDigits(o, 0, lessDecimals);
                }
                else
                {
                    MoreDigits(o, 1, decimalsLeft);
                }
            }
            else if (min <= 9)
            {
                char c = (char)('0' + min);
                char rangeStart = topLevel ? '1' : '0';
                if (c > rangeStart)
                {
                    DigitRange(o, rangeStart, (char)(c - 1));
                    o.Append(' ');
                    MoreDigits(o, 1, lessDecimals);
                    o.Append(" | ");
                }
                DigitRange(o, c, '9');
                o.Append(' ');
                MoreDigits(o, 0, lessDecimals);
            }
            else
            {
                string minS = Digits(min);
                int len = minS.Length;
                char c = minS[0];
                if (c > '1')
                {
                    DigitRange(o, topLevel ? '1' : '0', (char)(c - 1));
                    o.Append(' ');
                    MoreDigits(o, len, lessDecimals);
                    o.Append(" | ");
                }
                DigitRange(o, c, c);
                o.Append(" (");
                IntegerRange(long.Parse(minS.AsSpan(1), CultureInfo.InvariantCulture), long.MaxValue, o, lessDecimals, topLevel: false);
                o.Append(')');
                if (c < '9')
                {
                    o.Append(" | ");
                    DigitRange(o, (char)(c + 1), '9');
                    o.Append(' ');
                    MoreDigits(o, len - 1, lessDecimals);
                }
            }
            return;
        }

        if (hasMax)
        {
            if (max >= 0)
            {
                if (topLevel)
                {
                    o.Append("\"-\" [1-9] ");
                    MoreDigits(o, 0, lessDecimals);
                    o.Append(" | ");
                }
                IntegerRange(0, max, o, decimalsLeft, topLevel: true);
            }
            else
            {
                o.Append("\"-\" (");
                IntegerRange(-max, long.MaxValue, o, decimalsLeft, topLevel: false);
                o.Append(')');
            }
            return;
        }
        throw new InvalidOperationException("an integer range needs a minimum or a maximum");
    }

    private static void DigitRange(StringBuilder o, char from, char to)
    {
        o.Append('[').Append(from);
        if (from != to) o.Append('-').Append(to);
        o.Append(']');
    }

    private static void MoreDigits(StringBuilder o, int minDigits, int maxDigits)
    {
        o.Append("[0-9]");
        if (minDigits == maxDigits && minDigits == 1) return;
        o.Append('{').Append(minDigits.ToString(CultureInfo.InvariantCulture));
        if (maxDigits != minDigits)
        {
            o.Append(',');
            if (maxDigits != int.MaxValue) o.Append(maxDigits.ToString(CultureInfo.InvariantCulture));
        }
        o.Append('}');
    }

    /// <summary>All numbers with as many digits as <paramref name="from"/> and <paramref name="to"/> (equal lengths) between them.</summary>
    private static void UniformRange(StringBuilder o, string from, string to)
    {
        int i = 0;
        while (i < from.Length && i < to.Length && from[i] == to[i]) i++;
        if (i > 0) o.Append('"').Append(from, 0, i).Append('"');
        if (i >= from.Length || i >= to.Length) return;
        if (i > 0) o.Append(' ');

        int subLen = from.Length - i - 1;
        if (subLen == 0)
        {
            o.Append('[').Append(from[i]).Append('-').Append(to[i]).Append(']');
            return;
        }
        string fromSub = from[(i + 1)..], toSub = to[(i + 1)..];
        string zeros = new('0', subLen), nines = new('9', subLen);
        bool toReached = false;
        o.Append('(');
        if (fromSub == zeros)
        {
            DigitRange(o, from[i], (char)(to[i] - 1));
            o.Append(' ');
            MoreDigits(o, subLen, subLen);
        }
        else
        {
            o.Append('[').Append(from[i]).Append("] (");
            UniformRange(o, fromSub, nines);
            o.Append(')');
            if (from[i] < to[i] - 1)
            {
                o.Append(" | ");
                if (toSub == nines)
                {
                    DigitRange(o, (char)(from[i] + 1), to[i]);
                    toReached = true;
                }
                else
                {
                    DigitRange(o, (char)(from[i] + 1), (char)(to[i] - 1));
                }
                o.Append(' ');
                MoreDigits(o, subLen, subLen);
            }
        }
        if (!toReached)
        {
            o.Append(" | ");
            DigitRange(o, to[i], to[i]);
            o.Append(' ');
            UniformRange(o, zeros, toSub);
        }
        o.Append(')');
    }

    private static string Digits(long value) => value.ToString(CultureInfo.InvariantCulture);
}
