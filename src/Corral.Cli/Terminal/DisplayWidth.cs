using System.Text;

namespace Corral.Cli.Terminal;

/// <summary>Terminal column widths of text: East Asian wide and emoji characters take two columns, combining marks none.</summary>
public static class DisplayWidth
{
    public static int Of(Rune r)
    {
        int c = r.Value;
        if (c == 0) return 0;
        if (c < 32 || (c >= 0x7f && c < 0xa0)) return 0;
        var category = Rune.GetUnicodeCategory(r);
        if (category is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.EnclosingMark
            or System.Globalization.UnicodeCategory.Format) return 0;
        return IsWide(c) ? 2 : 1;
    }

    public static int Of(string s)
    {
        int w = 0;
        foreach (var r in s.EnumerateRunes()) w += Of(r);
        return w;
    }

    private static bool IsWide(int c) =>
        (c >= 0x1100 && c <= 0x115f) || c == 0x2329 || c == 0x232a ||
        (c >= 0x2e80 && c <= 0x303e) || (c >= 0x3041 && c <= 0x33ff) ||
        (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
        (c >= 0xa000 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
        (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
        (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ||
        (c >= 0x1f300 && c <= 0x1f64f) || (c >= 0x1f900 && c <= 0x1f9ff) ||
        (c >= 0x20000 && c <= 0x3fffd);
}
