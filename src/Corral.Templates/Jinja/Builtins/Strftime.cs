using System.Globalization;
using System.Text;

namespace Corral.Templates.Jinja.Builtins;

/// <summary>C <c>strftime</c> in the C locale, as Python's <c>datetime.strftime</c> does on glibc (including <c>%-d</c>-style unpadded fields).</summary>
internal static class Strftime
{
    private static readonly string[] Days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    private static readonly string[] Months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    public static string Format(DateTime t, string format)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%' || i + 1 >= format.Length) { sb.Append(c); continue; }
            char d = format[++i];
            bool unpadded = false;
            if (d is '-' && i + 1 < format.Length)
            {
                unpadded = true;
                d = format[++i];
            }
            sb.Append(Directive(t, d, unpadded) ?? "%" + (unpadded ? "-" : "") + d);
        }
        return sb.ToString();
    }

    private static string? Directive(DateTime t, char d, bool unpadded)
    {
        string Num(int value, int width) => unpadded ? value.ToString(CultureInfo.InvariantCulture) : value.ToString(new string('0', width), CultureInfo.InvariantCulture);
        int hour12 = t.Hour % 12 == 0 ? 12 : t.Hour % 12;
        return d switch
        {
            'a' => Days[(int)t.DayOfWeek][..3],
            'A' => Days[(int)t.DayOfWeek],
            'b' or 'h' => Months[t.Month - 1][..3],
            'B' => Months[t.Month - 1],
            'C' => Num(t.Year / 100, 2),
            'c' => $"{Days[(int)t.DayOfWeek][..3]} {Months[t.Month - 1][..3]} {t.Day,2} {t:HH:mm:ss} {t.Year}",
            'd' => Num(t.Day, 2),
            'D' => t.ToString("MM/dd/yy", CultureInfo.InvariantCulture),
            'e' => unpadded ? t.Day.ToString(CultureInfo.InvariantCulture) : t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2),
            'F' => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            'f' => (t.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", CultureInfo.InvariantCulture),
            'G' => ISOWeek.GetYear(t).ToString(CultureInfo.InvariantCulture),
            'g' => Num(ISOWeek.GetYear(t) % 100, 2),
            'H' => Num(t.Hour, 2),
            'I' => Num(hour12, 2),
            'j' => Num(t.DayOfYear, 3),
            'k' => t.Hour.ToString(CultureInfo.InvariantCulture).PadLeft(2),
            'l' => hour12.ToString(CultureInfo.InvariantCulture).PadLeft(2),
            'm' => Num(t.Month, 2),
            'M' => Num(t.Minute, 2),
            'n' => "\n",
            'p' => t.Hour < 12 ? "AM" : "PM",
            'r' => $"{hour12:00}:{t:mm:ss} {(t.Hour < 12 ? "AM" : "PM")}",
            'R' => t.ToString("HH:mm", CultureInfo.InvariantCulture),
            'S' => Num(t.Second, 2),
            's' => new DateTimeOffset(t).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            't' => "\t",
            'T' or 'X' => t.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
            'u' => (t.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)t.DayOfWeek).ToString(CultureInfo.InvariantCulture),
            'U' => Num((t.DayOfYear + 6 - (int)t.DayOfWeek) / 7, 2),
            'V' => Num(ISOWeek.GetWeekOfYear(t), 2),
            'w' => ((int)t.DayOfWeek).ToString(CultureInfo.InvariantCulture),
            'W' => Num((t.DayOfYear + 6 - ((int)t.DayOfWeek + 6) % 7) / 7, 2),
            'x' => t.ToString("MM/dd/yy", CultureInfo.InvariantCulture),
            'y' => Num(t.Year % 100, 2),
            'Y' => t.Year.ToString(CultureInfo.InvariantCulture),
            'z' => t.Kind == DateTimeKind.Utc ? "+0000" : t.Kind == DateTimeKind.Local ? TimeZoneInfo.Local.GetUtcOffset(t).ToString("hhmm", CultureInfo.InvariantCulture).Insert(0, TimeZoneInfo.Local.GetUtcOffset(t) < TimeSpan.Zero ? "-" : "+") : "",
            'Z' => t.Kind == DateTimeKind.Utc ? "UTC" : t.Kind == DateTimeKind.Local ? (TimeZoneInfo.Local.IsDaylightSavingTime(t) ? TimeZoneInfo.Local.DaylightName : TimeZoneInfo.Local.StandardName) : "",
            '%' => "%",
            _ => null,
        };
    }
}
