using System.Globalization;

namespace Corral.Config;

/// <summary>Go's <c>strconv</c> integer and bool parsing rules, which differ from .NET's lenient ones.</summary>
public static class GoInt
{
    /// <summary><c>strconv.ParseInt(s, 10, 64)</c>: optional sign, ASCII digits only, within int64.</summary>
    public static bool TryParseInt64(string? s, out long value)
    {
        value = 0;
        if (string.IsNullOrEmpty(s)) return false;
        int i = 0;
        bool neg = false;
        if (s[0] is '+' or '-')
        {
            neg = s[0] == '-';
            i = 1;
            if (s.Length == 1) return false;
        }
        ulong acc = 0;
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (c is < '0' or > '9') return false;
            if (acc > (ulong.MaxValue - 9) / 10) return false;
            acc = acc * 10 + (ulong)(c - '0');
            if (acc > (neg ? 1UL << 63 : long.MaxValue)) return false;
        }
        value = neg ? (acc == 1UL << 63 ? long.MinValue : -(long)acc) : (long)acc;
        return true;
    }

    /// <summary><c>strconv.ParseUint(s, 10, 64)</c>: ASCII digits only (no sign), within uint64.</summary>
    public static bool TryParseUInt64(string? s, out ulong value)
    {
        value = 0;
        if (string.IsNullOrEmpty(s)) return false;
        foreach (char c in s)
        {
            if (c is < '0' or > '9') return false;
            if (value > (ulong.MaxValue - (ulong)(c - '0')) / 10) return false;
            value = value * 10 + (ulong)(c - '0');
        }
        return true;
    }

    /// <summary><c>strconv.ParseBool</c>: <c>1 t T TRUE true True</c> and <c>0 f F FALSE false False</c>; nothing else.</summary>
    public static bool TryParseBool(string? s, out bool value)
    {
        switch (s)
        {
            case "1" or "t" or "T" or "TRUE" or "true" or "True":
                value = true;
                return true;
            case "0" or "f" or "F" or "FALSE" or "false" or "False":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary><c>strconv.ParseFloat(s, bitSize)</c> for decimal input (Go also accepts hex floats and underscores after a base prefix; Modelfiles never use them).</summary>
    public static bool TryParseFloat(string? s, int bitSize, out double value)
    {
        value = 0;
        if (string.IsNullOrEmpty(s)) return false;
        string t = s;
        // Go accepts inf/infinity/nan in any case, with optional sign.
        string lower = t.ToLowerInvariant();
        string unsigned = lower.TrimStart('+', '-');
        if (lower.Length - unsigned.Length <= 1 && unsigned is "inf" or "infinity" or "nan")
        {
            value = unsigned == "nan" ? double.NaN : lower.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        foreach (char c in t)
            if (!(c is >= '0' and <= '9' or '.' or 'e' or 'E' or '+' or '-')) return false;
        const NumberStyles style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
        if (bitSize == 32)
        {
            // Parse straight to float32 (correctly rounded once); Go reports out-of-range values as errors.
            if (!float.TryParse(t, style, CultureInfo.InvariantCulture, out float f) || float.IsInfinity(f)) return false;
            value = f;
        }
        else if (!double.TryParse(t, style, CultureInfo.InvariantCulture, out value) || double.IsInfinity(value))
        {
            return false;
        }
        return true;
    }
}
