using System.Globalization;

namespace Corral.Store;

/// <summary>The CLI's human-readable sizes, times and parameter counts (runtime.md §7.3).</summary>
public static class HumanFormat
{
    /// <summary>Decimal units: <c>999 B</c>, <c>1 KB</c>, <c>4.7 GB</c>, <c>274 MB</c>; values ≥ 10 are truncated to an integer.</summary>
    public static string Bytes(long b)
    {
        double value;
        string unit;
        if (b >= 1_000_000_000_000) { value = b / 1e12; unit = "TB"; }
        else if (b >= 1_000_000_000) { value = b / 1e9; unit = "GB"; }
        else if (b >= 1_000_000) { value = b / 1e6; unit = "MB"; }
        else if (b >= 1_000) { value = b / 1e3; unit = "KB"; }
        else return b.ToString(CultureInfo.InvariantCulture) + " B";

        if (value >= 10) return ((long)value).ToString(CultureInfo.InvariantCulture) + " " + unit;
        if (value != Math.Truncate(value)) return GoFormat.FormatFixed(value, 1) + " " + unit;
        return ((long)value).ToString(CultureInfo.InvariantCulture) + " " + unit;
    }

    /// <summary>Binary units with one decimal: <c>1.5 GiB</c>, <c>512.0 MiB</c>, <c>1023 B</c>.</summary>
    public static string BytesBinary(ulong b)
    {
        if (b >= 1UL << 30) return GoFormat.FormatFixed(b / (double)(1UL << 30), 1) + " GiB";
        if (b >= 1UL << 20) return GoFormat.FormatFixed(b / (double)(1UL << 20), 1) + " MiB";
        if (b >= 1UL << 10) return GoFormat.FormatFixed(b / (double)(1UL << 10), 1) + " KiB";
        return b.ToString(CultureInfo.InvariantCulture) + " B";
    }

    /// <summary>Parameter counts: <c>8B</c>/<c>8.0B</c>/<c>3.2B</c> (one decimal unless whole), <c>494.03M</c>/<c>137M</c>, <c>12K</c>, <c>999</c>.</summary>
    public static string Number(ulong n)
    {
        if (n >= 1_000_000_000)
        {
            double v = n / 1e9;
            return v == Math.Floor(v) ? GoFormat.FormatFixed(v, 0) + "B" : GoFormat.FormatFixed(v, 1) + "B";
        }
        if (n >= 1_000_000)
        {
            double v = n / 1e6;
            return v == Math.Floor(v) ? GoFormat.FormatFixed(v, 0) + "M" : GoFormat.FormatFixed(v, 2) + "M";
        }
        if (n >= 1_000) return GoFormat.FormatFixed(n / 1e3, 0) + "K";
        return n.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// <c>2 days ago</c>, <c>4 minutes from now</c>; <c>Forever</c> more than 20 years ahead; <paramref name="zeroValue"/> for
    /// the zero time (<see cref="DateTimeOffset.MinValue"/> or <c>default</c>), e.g. <c>Never</c>.
    /// </summary>
    public static string Time(DateTimeOffset t, string zeroValue, DateTimeOffset? now = null)
    {
        if (t == default || t == DateTimeOffset.MinValue) return zeroValue;
        var delta = (now ?? DateTimeOffset.Now) - t;
        if ((long)delta.TotalHours / 24 / 365 < -20) return "Forever";
        if (delta < TimeSpan.Zero) return Duration(-delta) + " from now";
        return Duration(delta) + " ago";
    }

    /// <summary>Lower-cased <see cref="Time"/> (the REPL's form).</summary>
    public static string TimeLower(DateTimeOffset t, string zeroValue, DateTimeOffset? now = null) =>
        Time(t, zeroValue, now).ToLowerInvariant();

    /// <summary>The approximate duration text: <c>Less than a second</c>, <c>1 second</c>, <c>About a minute</c>, <c>3 hours</c>, <c>2 weeks</c>…</summary>
    public static string Duration(TimeSpan d)
    {
        long seconds = (long)d.TotalSeconds;
        if (seconds < 1) return "Less than a second";
        if (seconds == 1) return "1 second";
        if (seconds < 60) return $"{seconds} seconds";

        long minutes = (long)d.TotalMinutes;
        if (minutes == 1) return "About a minute";
        if (minutes < 60) return $"{minutes} minutes";

        long hours = (long)Math.Round(d.TotalHours, MidpointRounding.AwayFromZero);
        if (hours == 1) return "About an hour";
        if (hours < 48) return $"{hours} hours";
        if (hours < 24 * 7 * 2) return $"{hours / 24} days";
        if (hours < 24 * 30 * 2) return $"{hours / 24 / 7} weeks";
        if (hours < 24 * 365 * 2) return $"{hours / 24 / 30} months";
        return $"{(long)d.TotalHours / 24 / 365} years";
    }
}
