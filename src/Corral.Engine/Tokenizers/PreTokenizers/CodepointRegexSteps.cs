namespace Corral.Engine.Tokenizers.PreTokenizers;

// Hand-written equivalents of the few regexes llama.cpp runs with std::wregex on code points (spec A7.2
// path 3). They see the code points with non-ASCII whitespace folded to U+000B, where `\s` is ASCII
// whitespace and `\d` is [0-9], exactly like ECMAScript std::wregex.

/// <summary><c>P?C+</c> with an optional one-code-point prefix class P (e.g. <c>\s?[…]+</c>, <c> ?[^…]+</c>), or a single <c>[…]</c> when <c>single</c>.</summary>
internal sealed class ClassRunStep(CodepointSet set, Func<int, bool>? optionalPrefix = null, bool single = false) : MatchStep
{
    protected override (int Start, int Length) NextMatch(SplitInput input, int from, int chunkStart, int end)
    {
        var cpts = input.WhitespaceFolded;
        for (int p = from; p < end; p++)
        {
            int runStart;
            if (optionalPrefix != null && optionalPrefix(cpts[p]) && p + 1 < end && set.Contains(cpts[p + 1])) runStart = p + 1;
            else if (set.Contains(cpts[p])) runStart = p;
            else continue;
            int q = runStart + 1;
            if (!single) while (q < end && set.Contains(cpts[q])) q++;
            return (p, q - p);
        }
        return (-1, 0);
    }
}

/// <summary><c>[A]+|[B]+|…</c>: the first alternative whose class holds the code point, run within that class.</summary>
internal sealed class AlternativeClassRunsStep(params CodepointSet[] sets) : MatchStep
{
    protected override (int Start, int Length) NextMatch(SplitInput input, int from, int chunkStart, int end)
    {
        var cpts = input.WhitespaceFolded;
        for (int p = from; p < end; p++)
        {
            foreach (var set in sets)
            {
                if (!set.Contains(cpts[p])) continue;
                int q = p + 1;
                while (q < end && set.Contains(cpts[q])) q++;
                return (p, q - p);
            }
        }
        return (-1, 0);
    }
}

/// <summary><c>\s+$</c>: the whitespace run that reaches the end of the chunk.</summary>
internal sealed class TrailingWhitespaceStep : MatchStep
{
    protected override (int Start, int Length) NextMatch(SplitInput input, int from, int chunkStart, int end)
    {
        var cpts = input.WhitespaceFolded;
        int p = end;
        while (p > from && CodepointSet.IsRegexSpace(cpts[p - 1])) p--;
        return p < end ? (p, end - p) : (-1, 0);
    }
}

/// <summary><c>[0-9][0-9][0-9]</c>.</summary>
internal sealed class ThreeDigitsStep : MatchStep
{
    protected override (int Start, int Length) NextMatch(SplitInput input, int from, int chunkStart, int end)
    {
        var cpts = input.WhitespaceFolded;
        for (int p = from; p + 3 <= end; p++)
            if (IsDigit(cpts[p]) && IsDigit(cpts[p + 1]) && IsDigit(cpts[p + 2])) return (p, 3);
        return (-1, 0);
    }

    internal static bool IsDigit(int c) => (uint)(c - '0') <= 9;
}

/// <summary><c>(?=(\d{3})+(?!\d))</c>: empty matches before each group of three ASCII digits counted from the right.</summary>
internal sealed class DigitTriplesFromRightStep : MatchStep
{
    protected override (int Start, int Length) NextMatch(SplitInput input, int from, int chunkStart, int end)
    {
        var cpts = input.WhitespaceFolded;
        for (int p = from; p < end; p++)
        {
            if (!ThreeDigitsStep.IsDigit(cpts[p])) continue;
            int q = p;
            while (q < end && ThreeDigitsStep.IsDigit(cpts[q])) q++;
            int run = q - p;
            if (run >= 3) return (p + run % 3, 0);
            p = q - 1; // one or two digits: no group of three starts in this run
        }
        return (-1, 0);
    }
}

/// <summary><c>\S+</c>.</summary>
internal sealed class NonWhitespaceRunStep : MatchStep
{
    protected override (int Start, int Length) NextMatch(SplitInput input, int from, int chunkStart, int end)
    {
        var cpts = input.WhitespaceFolded;
        int p = from;
        while (p < end && CodepointSet.IsRegexSpace(cpts[p])) p++;
        if (p >= end) return (-1, 0);
        int q = p;
        while (q < end && !CodepointSet.IsRegexSpace(cpts[q])) q++;
        return (p, q - p);
    }
}

/// <summary>Chameleon's <c>&lt;sentinel:[0-9]+&gt;</c>.</summary>
internal sealed class SentinelStep : MatchStep
{
    private static readonly int[] s_prefix = "<sentinel:".Select(c => (int)c).ToArray();

    protected override (int Start, int Length) NextMatch(SplitInput input, int from, int chunkStart, int end)
    {
        var cpts = input.WhitespaceFolded;
        for (int p = from; p + s_prefix.Length + 2 <= end; p++)
        {
            if (!cpts.Slice(p, s_prefix.Length).SequenceEqual(s_prefix)) continue;
            int q = p + s_prefix.Length;
            int digits = q;
            while (q < end && ThreeDigitsStep.IsDigit(cpts[q])) q++;
            if (q > digits && q < end && cpts[q] == '>') return (p, q + 1 - p);
        }
        return (-1, 0);
    }
}

/// <summary>Chameleon's <c>(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z</c>.</summary>
internal sealed class ImageTokenStep : MatchStep
{
    private static readonly int[] s_prefix = "IMGIMG".Select(c => (int)c).ToArray();

    protected override (int Start, int Length) NextMatch(SplitInput input, int from, int chunkStart, int end)
    {
        var cpts = input.WhitespaceFolded;
        for (int p = from; p + s_prefix.Length + 2 <= end; p++)
        {
            if (!cpts.Slice(p, s_prefix.Length).SequenceEqual(s_prefix)) continue;
            int q = p + s_prefix.Length;
            int letters = 0;
            while (q + letters < end && cpts[q + letters] is >= 'A' and <= 'I') letters++;
            // {1,4} then Z: with more than four letters the next code point is a letter, never Z
            if (letters is >= 1 and <= 4 && q + letters < end && cpts[q + letters] == 'Z') return (p, s_prefix.Length + letters + 1);
        }
        return (-1, 0);
    }
}

/// <summary>Chameleon's <c>([\t\n]|    |  )</c>.</summary>
internal sealed class TabNewlineOrSpacesStep : MatchStep
{
    protected override (int Start, int Length) NextMatch(SplitInput input, int from, int chunkStart, int end)
    {
        var cpts = input.WhitespaceFolded;
        for (int p = from; p < end; p++)
        {
            if (cpts[p] is '\t' or '\n') return (p, 1);
            if (cpts[p] != ' ') continue;
            if (p + 4 <= end && cpts[p + 1] == ' ' && cpts[p + 2] == ' ' && cpts[p + 3] == ' ') return (p, 4);
            if (p + 2 <= end && cpts[p + 1] == ' ') return (p, 2);
        }
        return (-1, 0);
    }
}
