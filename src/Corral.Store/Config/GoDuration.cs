using System.Globalization;
using System.Text;

namespace Corral.Config;

/// <summary>A string that Go's <c>time.ParseDuration</c> rejects; the message is Go's (<c>time: missing unit in duration "300"</c>).</summary>
public sealed class GoDurationFormatException(string message) : FormatException(message);

/// <summary>
/// A Go <c>time.Duration</c>: signed 64-bit nanoseconds. Parses Go duration syntax (<c>5m</c>, <c>1h30m</c>, <c>-1.5s</c>,
/// <c>300ms</c>, <c>0</c>) and prints Go's <c>Duration.String()</c> (<c>5m0s</c>, <c>1.5s</c>, <c>312.5ms</c>). Keep-alive
/// "forever" is <see cref="Infinite"/> (max int64 nanoseconds, about 292 years).
/// </summary>
public readonly record struct GoDuration(long Nanoseconds) : IComparable<GoDuration>
{
    public const long Nanosecond = 1;
    public const long Microsecond = 1000 * Nanosecond;
    public const long Millisecond = 1000 * Microsecond;
    public const long Second = 1000 * Millisecond;
    public const long Minute = 60 * Second;
    public const long Hour = 60 * Minute;

    public static readonly GoDuration Zero = new(0);

    /// <summary>The largest duration; what Ollama stores for "keep loaded forever".</summary>
    public static readonly GoDuration Infinite = new(long.MaxValue);

    public bool IsInfinite => Nanoseconds == long.MaxValue;

    public static GoDuration FromSeconds(double seconds) => new(SaturatingNanoseconds(seconds * Second));

    public static GoDuration FromMinutes(long minutes) => new(checked(minutes * Minute));

    public static GoDuration FromTimeSpan(TimeSpan span) =>
        span == TimeSpan.MaxValue ? Infinite : new(checked(span.Ticks * 100));

    /// <summary>As a <see cref="TimeSpan"/> (100 ns resolution; sub-tick remainders are truncated).</summary>
    public TimeSpan ToTimeSpan() => TimeSpan.FromTicks(Nanoseconds / 100);

    public double TotalSeconds => Nanoseconds / (double)Second;

    public int CompareTo(GoDuration other) => Nanoseconds.CompareTo(other.Nanoseconds);

    public static bool operator <(GoDuration a, GoDuration b) => a.Nanoseconds < b.Nanoseconds;
    public static bool operator >(GoDuration a, GoDuration b) => a.Nanoseconds > b.Nanoseconds;
    public static bool operator <=(GoDuration a, GoDuration b) => a.Nanoseconds <= b.Nanoseconds;
    public static bool operator >=(GoDuration a, GoDuration b) => a.Nanoseconds >= b.Nanoseconds;

    public static bool TryParse(string? s, out GoDuration duration)
    {
        var error = TryParseCore(s ?? "", out duration);
        return error is null;
    }

    /// <summary>Parses Go duration syntax <c>[-+]?([0-9]*(\.[0-9]*)?[a-zµμ]+)+</c> or the bare <c>0</c>.
    /// Units: <c>ns</c>, <c>us</c>, <c>µs</c>, <c>μs</c>, <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>.</summary>
    public static GoDuration Parse(string s)
    {
        var error = TryParseCore(s ?? "", out var d);
        return error is null ? d : throw new GoDurationFormatException(error);
    }

    private static string? TryParseCore(string orig, out GoDuration result)
    {
        result = Zero;
        string s = orig;
        ulong d = 0;
        bool neg = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            neg = s[0] == '-';
            s = s[1..];
        }
        if (s == "0") return null;
        if (s.Length == 0) return "time: invalid duration " + Quote(orig);

        const ulong limit = 1UL << 63;
        int i = 0;
        while (i < s.Length)
        {
            ulong v = 0, f = 0;
            double scale = 1;
            char c = s[i];
            if (!(c == '.' || c is >= '0' and <= '9')) return "time: invalid duration " + Quote(orig);

            int start = i;
            for (; i < s.Length && s[i] is >= '0' and <= '9'; i++)
            {
                if (v > limit / 10) return "time: invalid duration " + Quote(orig);
                v = v * 10 + (ulong)(s[i] - '0');
                if (v > limit) return "time: invalid duration " + Quote(orig);
            }
            bool pre = i != start;

            bool post = false;
            if (i < s.Length && s[i] == '.')
            {
                i++;
                int fracStart = i;
                bool overflow = false;
                for (; i < s.Length && s[i] is >= '0' and <= '9'; i++)
                {
                    if (overflow) continue;
                    if (f > (limit - 1) / 10)
                    {
                        overflow = true;
                        continue;
                    }
                    ulong y = f * 10 + (ulong)(s[i] - '0');
                    if (y > limit)
                    {
                        overflow = true;
                        continue;
                    }
                    f = y;
                    scale *= 10;
                }
                post = i != fracStart;
            }
            if (!pre && !post) return "time: invalid duration " + Quote(orig);

            int unitStart = i;
            for (; i < s.Length; i++)
            {
                char u = s[i];
                if (u == '.' || u is >= '0' and <= '9') break;
            }
            if (i == unitStart) return "time: missing unit in duration " + Quote(orig);
            string unitText = s[unitStart..i];
            ulong unit = unitText switch
            {
                "ns" => Nanosecond,
                "us" or "\u00b5s" or "\u03bcs" => Microsecond,
                "ms" => Millisecond,
                "s" => Second,
                "m" => Minute,
                "h" => Hour,
                _ => 0,
            };
            if (unit == 0) return "time: unknown unit " + Quote(unitText) + " in duration " + Quote(orig);
            if (v > limit / unit) return "time: invalid duration " + Quote(orig);
            v *= unit;
            if (f > 0)
            {
                // float64 keeps nanosecond accuracy for fractions of the largest unit (hours).
                v += (ulong)(f * (unit / scale));
                if (v > limit) return "time: invalid duration " + Quote(orig);
            }
            d += v;
            if (d > limit) return "time: invalid duration " + Quote(orig);
        }
        if (neg)
        {
            result = new GoDuration(d == limit ? long.MinValue : -(long)d);
            return null;
        }
        if (d > limit - 1) return "time: invalid duration " + Quote(orig);
        result = new GoDuration((long)d);
        return null;
    }

    /// <summary>Go's <c>Duration.String()</c>: <c>0s</c>, <c>1.5µs</c>, <c>312.5ms</c>, <c>5m0s</c>, <c>2h0m0s</c>, <c>-1s</c>.</summary>
    public override string ToString()
    {
        ulong u = (ulong)Nanoseconds;
        bool neg = Nanoseconds < 0;
        if (neg) u = (ulong)(-(Nanoseconds + 1)) + 1; // |long.MinValue| without overflow

        var sb = new StringBuilder();
        if (u < Second)
        {
            int prec;
            string unit;
            if (u == 0) return "0s";
            if (u < Microsecond) { prec = 0; unit = "ns"; }
            else if (u < Millisecond) { prec = 3; unit = "\u00b5s"; }
            else { prec = 6; unit = "ms"; }
            (string frac, u) = Fraction(u, prec);
            sb.Append(u.ToString(CultureInfo.InvariantCulture)).Append(frac).Append(unit);
        }
        else
        {
            (string frac, u) = Fraction(u, 9);
            string seconds = (u % 60).ToString(CultureInfo.InvariantCulture) + frac + "s";
            u /= 60;
            if (u > 0)
            {
                string minutes = (u % 60).ToString(CultureInfo.InvariantCulture) + "m";
                u /= 60;
                if (u > 0) sb.Append(u.ToString(CultureInfo.InvariantCulture)).Append('h');
                sb.Append(minutes);
            }
            sb.Append(seconds);
        }
        if (neg) sb.Insert(0, '-');
        return sb.ToString();
    }

    // The fraction v / 10^prec as ".ddd" without trailing zeros (empty when zero), and the integer part.
    private static (string Fraction, ulong Integer) Fraction(ulong v, int prec)
    {
        var digits = new char[prec];
        bool print = false;
        int w = prec;
        for (int i = 0; i < prec; i++)
        {
            ulong digit = v % 10;
            print = print || digit != 0;
            if (print) digits[--w] = (char)('0' + digit);
            v /= 10;
        }
        return (print ? "." + new string(digits, w, prec - w) : "", v);
    }

    private static long SaturatingNanoseconds(double ns)
    {
        if (double.IsNaN(ns)) return 0;
        if (ns >= long.MaxValue) return long.MaxValue;
        if (ns <= long.MinValue) return long.MinValue;
        return (long)ns;
    }

    // Go's time-package quoting: non-ASCII and control bytes become \xNN of their UTF-8 encoding.
    internal static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in Corral.Store.GoFormat.EnumerateRunes(s))
        {
            if (rune.Value >= 0x80 || rune.Value < ' ')
            {
                int n = rune.EncodeToUtf8(utf8);
                for (int j = 0; j < n; j++) sb.Append("\\x").Append(utf8[j].ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                if (rune.Value is '"' or '\\') sb.Append('\\');
                sb.Append((char)rune.Value);
            }
        }
        sb.Append('"');
        return sb.ToString();
    }
}
