using System.Text;

namespace Corral.Engine.Tokenizers.PreTokenizers;

/// <summary>A set of code points given as a regex bracket body such as <c>A-Za-zµÀ-Ö</c> (no escapes).</summary>
internal sealed class CodepointSet
{
    private readonly int[] _firsts;
    private readonly int[] _lasts;
    private readonly bool _negated;

    private CodepointSet(List<(int First, int Last)> ranges, bool negated)
    {
        ranges.Sort();
        _firsts = ranges.Select(r => r.First).ToArray();
        _lasts = ranges.Select(r => r.Last).ToArray();
        _negated = negated;
    }

    /// <summary>Parses literal code points and <c>a-b</c> ranges; <paramref name="extra"/> adds single code points.</summary>
    public static CodepointSet Parse(string body, bool negated = false, params int[] extra)
    {
        var cpts = new List<int>();
        foreach (var rune in body.EnumerateRunes()) cpts.Add(rune.Value);
        var ranges = new List<(int, int)>();
        for (int i = 0; i < cpts.Count; i++)
        {
            if (i + 2 < cpts.Count && cpts[i + 1] == '-')
            {
                ranges.Add((cpts[i], cpts[i + 2]));
                i += 2;
            }
            else ranges.Add((cpts[i], cpts[i]));
        }
        foreach (int c in extra) ranges.Add((c, c));
        return new CodepointSet(ranges, negated);
    }

    public bool Contains(int cpt)
    {
        int lo = 0, hi = _firsts.Length - 1;
        bool found = false;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (cpt < _firsts[mid]) hi = mid - 1;
            else if (cpt > _lasts[mid]) lo = mid + 1;
            else
            {
                found = true;
                break;
            }
        }
        if (!found)
        {
            // ranges may overlap; fall back to a scan of the candidates left of the insertion point
            for (int i = Math.Min(lo, _firsts.Length) - 1; i >= 0; i--)
                if (cpt >= _firsts[i] && cpt <= _lasts[i]) { found = true; break; }
        }
        return found != _negated;
    }

    /// <summary>std::regex <c>\s</c> over code points whose non-ASCII whitespace was folded to U+000B.</summary>
    public static bool IsRegexSpace(int cpt) => cpt == ' ' || (uint)(cpt - '\t') <= '\r' - '\t';
}
