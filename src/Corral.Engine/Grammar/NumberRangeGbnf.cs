using System.Globalization;
using System.Text;

namespace Corral.Engine.Grammar;

/// <summary>
/// GBNF for JSON numbers within decimal bounds, written as <c>-?I(.F)?</c> (no exponent, at most 16 fraction digits).
/// llama.cpp ignores <c>minimum</c>/<c>maximum</c> on <c>number</c>; Corral enforces them exactly, so a schema such
/// as <c>{"type": "number", "minimum": 0, "maximum": 1}</c> cannot produce 1.5. The integer part uses the same digit
/// expansion as integer ranges; the fraction is compared digit by digit.
/// </summary>
internal static class NumberRangeGbnf
{
    private const int MaxFractionDigits = 16;

    /// <summary>A bound: its value and whether it is excluded.</summary>
    public readonly record struct Bound(decimal Value, bool Exclusive);

    /// <summary>The rule body, or null when no number lies within the bounds.</summary>
    public static string? Build(Bound? min, Bound? max)
    {
        var alternatives = new List<string>();

        // Negative numbers: their magnitude m = −v lies in (max(0, −max), −min].
        if (min is not { } lo || lo.Value < 0)
        {
            Bound magLo = max is { } hiB && hiB.Value < 0 ? new(-hiB.Value, hiB.Exclusive) : new(0, Exclusive: true);
            Bound? magHi = min is { } loB ? new(-loB.Value, loB.Exclusive) : null;
            if (Magnitude(magLo, magHi) is { } negative) alternatives.Add("\"-\" (" + negative + ")");
        }
        // Zero and positive numbers.
        if (max is not { } hi || hi.Value > 0 || (hi.Value == 0 && !hi.Exclusive))
        {
            Bound magLo = min is { } loB && loB.Value >= 0 ? loB : new(0, Exclusive: false);
            if (Magnitude(magLo, max) is { } positive) alternatives.Add(positive);
        }
        return alternatives.Count == 0 ? null : string.Join(" | ", alternatives);
    }

    /// <summary>Unsigned numbers I(.F)? in [lo, hi] (hi null: unbounded), or null if there are none.</summary>
    private static string? Magnitude(Bound lo, Bound? hi)
    {
        if (hi is { } h && (h.Value < lo.Value || (h.Value == lo.Value && (h.Exclusive || lo.Exclusive)))) return null;
        var (loInt, loFrac) = Split(lo.Value);
        var parts = new List<string>();
        string anyFraction = "(\".\" " + GbnfText.Repetition("[0-9]", 1, MaxFractionDigits) + ")?";

        if (hi is not { } top)
        {
            if (loInt < long.MaxValue - 1) parts.Add("(" + GbnfText.IntegerRange(loInt + 1, long.MaxValue) + ") " + anyFraction);
            AddWithFraction(parts, loInt, Fraction(loFrac, lo.Exclusive, null, false));
            return Join(parts);
        }

        var (hiInt, hiFrac) = Split(top.Value);
        if (hiInt > loInt)
        {
            if (hiInt - loInt >= 2) parts.Add("(" + GbnfText.IntegerRange(loInt + 1, hiInt - 1) + ") " + anyFraction);
            AddWithFraction(parts, loInt, Fraction(loFrac, lo.Exclusive, null, false));
            AddWithFraction(parts, hiInt, Fraction(null, false, hiFrac, top.Exclusive));
        }
        else
        {
            AddWithFraction(parts, loInt, Fraction(loFrac, lo.Exclusive, hiFrac, top.Exclusive));
        }
        return Join(parts);

        static string? Join(List<string> parts) => parts.Count == 0 ? null : string.Join(" | ", parts);
    }

    private static void AddWithFraction(List<string> parts, long integer, FractionSet? fraction)
    {
        if (fraction is not { } f) return;
        string digits = "\"" + integer.ToString(CultureInfo.InvariantCulture) + "\"";
        string? rest = f.Render(requireDigit: true);
        if (rest == null) parts.Add(digits); // only "no fraction"
        else parts.Add(digits + " (\".\" " + rest + ")" + (f.EmptyAllowed ? "?" : ""));
    }

    /// <summary>The integer part and the fraction digits (no trailing zeros) of a non-negative decimal.</summary>
    private static (long Integer, string Fraction) Split(decimal value)
    {
        decimal integer = decimal.Floor(value);
        string fraction = (value - integer).ToString(CultureInfo.InvariantCulture);
        fraction = fraction.Contains('.') ? fraction[(fraction.IndexOf('.') + 1)..].TrimEnd('0') : "";
        return ((long)integer, fraction);
    }

    /// <summary>
    /// A set of fraction digit strings of up to <see cref="MaxLength"/> digits: whether the empty string (zero) is in
    /// it, and a rule for the non-empty ones (<see cref="AnyDigits"/>: every non-empty string).
    /// </summary>
    private readonly record struct FractionSet(bool EmptyAllowed, string? NonEmpty, bool AnyDigits, int MaxLength)
    {
        /// <summary>
        /// The strings as one GBNF item: the non-empty ones only, or all of them (null if that is just the empty
        /// string).
        /// </summary>
        public string? Render(bool requireDigit)
        {
            if (AnyDigits) return GbnfText.Repetition("[0-9]", requireDigit || !EmptyAllowed ? 1 : 0, MaxLength);
            if (NonEmpty == null) return null;
            bool single = !NonEmpty.Contains('|') && !NonEmpty.Contains(' ');
            if (requireDigit || !EmptyAllowed) return single ? NonEmpty : "(" + NonEmpty + ")";
            return "(" + NonEmpty + ")?";
        }
    }

    /// <summary>
    /// Digit strings S of up to <see cref="MaxFractionDigits"/> digits with lo ≤ 0.S ≤ hi (null bound: none),
    /// strict where asked; null when there are none.
    /// </summary>
    private static FractionSet? Fraction(string? lo, bool loStrict, string? hi, bool hiStrict) => Fraction(lo, loStrict, hi, hiStrict, MaxFractionDigits);

    private static FractionSet? Fraction(string? lo, bool loStrict, string? hi, bool hiStrict, int length)
    {
        // The empty string stands for zero (all further digits zero).
        bool emptyAllowed = (lo == null || (IsZero(lo) && !loStrict)) && (hi == null || !IsZero(hi) || !hiStrict);
        if (length == 0) return emptyAllowed ? new FractionSet(true, null, false, 0) : null;
        if ((lo == null || (IsZero(lo) && !loStrict)) && hi == null) return new FractionSet(true, null, true, length);
        if (lo == null && hi != null && IsZero(hi) && !hiStrict) return new FractionSet(true, GbnfText.Repetition("[0]", 1, length), false, length);

        // First digits grouped by what may follow them.
        var groups = new List<(string? Follow, List<int> Digits)>();
        for (int d = 0; d <= 9; d++)
        {
            int lo0 = lo == null ? -1 : lo.Length > 0 ? lo[0] - '0' : 0;
            int hi0 = hi == null ? 10 : hi.Length > 0 ? hi[0] - '0' : 0;
            if (d < lo0 || d > hi0) continue;
            string? restLo = lo != null && d == lo0 ? lo[Math.Min(1, lo.Length)..] : null;
            string? restHi = hi != null && d == hi0 ? hi[Math.Min(1, hi.Length)..] : null;
            if (Fraction(restLo, loStrict, restHi, hiStrict, length - 1) is not { } rest) continue;
            string? restText = rest.Render(requireDigit: false);
            int i = groups.FindIndex(g => g.Follow == restText);
            if (i < 0) groups.Add((restText, [d]));
            else groups[i].Digits.Add(d);
        }
        if (groups.Count == 0) return emptyAllowed ? new FractionSet(true, null, false, length) : null;

        var alternatives = groups.Select(g => g.Follow == null ? DigitClass(g.Digits) : DigitClass(g.Digits) + " " + g.Follow);
        return new FractionSet(emptyAllowed, string.Join(" | ", alternatives), false, length);
    }

    private static string DigitClass(List<int> digits)
    {
        // Digits arrive sorted; consecutive runs become ranges.
        var sb = new StringBuilder("[");
        for (int i = 0; i < digits.Count;)
        {
            int j = i;
            while (j + 1 < digits.Count && digits[j + 1] == digits[j] + 1) j++;
            sb.Append((char)('0' + digits[i]));
            if (j > i) sb.Append('-').Append((char)('0' + digits[j]));
            i = j + 1;
        }
        return sb.Append(']').ToString();
    }

    private static bool IsZero(string digits) => digits.All(c => c == '0');
}
