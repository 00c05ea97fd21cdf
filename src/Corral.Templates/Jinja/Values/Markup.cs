using System.Text;

namespace Corral.Templates.Jinja;

/// <summary>markupsafe's <c>Markup</c> rules: operations mixing a Markup string with plain strings escape the plain ones.</summary>
internal static class Markup
{
    /// <summary>markupsafe <c>escape</c>: <c>&amp; &lt; &gt; " '</c> become entities.</summary>
    public static string EscapeText(string s)
    {
        if (s.AsSpan().IndexOfAny("&<>\"'") < 0) return s;
        var sb = new StringBuilder(s.Length + 16);
        foreach (char c in s)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&#34;"); break;
                case '\'': sb.Append("&#39;"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    /// <summary>The text of <paramref name="v"/> as Markup: Markup stays, anything else is converted with <c>str()</c> and escaped.</summary>
    public static string Escape(JinjaValue v) => v.IsMarkup ? v.AsString : EscapeText(PyFormat.Str(v));

    /// <summary>Re-marks string results (and strings inside list/tuple results) of a method called on a Markup string.</summary>
    public static JinjaValue Wrap(JinjaValue result)
    {
        if (result.IsString) return JinjaValue.FromMarkup(result.AsString);
        if (result.IsList && result.AsList.Flavor is ListFlavor.List or ListFlavor.Tuple)
            return JinjaValue.FromList(new JinjaList(result.AsList.Select(x => x.IsString ? JinjaValue.FromMarkup(x.AsString) : x), result.AsList.Flavor));
        return result;
    }

    /// <summary>Keeps the Markup mark when a string filter got Markup input (Jinja2's <c>soft_str</c> preserves it).</summary>
    public static JinjaValue Like(JinjaValue input, string result) =>
        input.IsMarkup ? JinjaValue.FromMarkup(result) : JinjaValue.FromString(result);
}
