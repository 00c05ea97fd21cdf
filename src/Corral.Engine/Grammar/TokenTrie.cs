namespace Corral.Engine.Grammar;

/// <summary>
/// A trie over the code points of token pieces, flattened in pre-order so that every subtree is a contiguous node
/// range and the tokens ending in a subtree are a contiguous range of <see cref="CompleteTokens"/> (pieces that end
/// on a code point boundary) and of <see cref="PartialTokens"/> (pieces that end inside a UTF-8 sequence).
/// A full vocabulary mask walks shared prefixes once and can accept a whole subtree at a time.
/// </summary>
internal sealed class TokenTrie
{
    /// <summary>Code point on the edge into each node (unused for the root, node 0).</summary>
    public readonly uint[] CodePoint;

    /// <summary>One past the last node of each node's subtree; the next sibling starts there.</summary>
    public readonly int[] SubtreeEnd;

    /// <summary>Start of each node's tokens in <see cref="CompleteTokens"/>; one extra entry closes the last node.</summary>
    public readonly int[] CompleteStart;

    /// <summary>Start of each node's tokens in <see cref="PartialTokens"/>; one extra entry closes the last node.</summary>
    public readonly int[] PartialStart;

    /// <summary>Code points that occur strictly below each node.</summary>
    public readonly CodePointSummary[] Below;

    public readonly int[] CompleteTokens;
    public readonly int[] PartialTokens;

    /// <summary>For each entry of <see cref="PartialTokens"/>: the range its open sequence may complete to, or an empty range (low &gt; high) if it never can.</summary>
    public readonly uint[] PartialLow;
    public readonly uint[] PartialHigh;

    public int NodeCount => CodePoint.Length;

    private TokenTrie(uint[] codePoint, int[] subtreeEnd, int[] completeStart, int[] partialStart, CodePointSummary[] below,
        int[] completeTokens, int[] partialTokens, uint[] partialLow, uint[] partialHigh)
    {
        CodePoint = codePoint;
        SubtreeEnd = subtreeEnd;
        CompleteStart = completeStart;
        PartialStart = partialStart;
        Below = below;
        CompleteTokens = completeTokens;
        PartialTokens = partialTokens;
        PartialLow = partialLow;
        PartialHigh = partialHigh;
    }

    /// <summary>
    /// Builds the trie over <paramref name="tokens"/>, whose code points are <c>codePoints[offsets[t]..offsets[t + 1]]</c>
    /// and whose trailing open sequence is <paramref name="endStates"/>[t].
    /// </summary>
    public static TokenTrie Build(IReadOnlyList<int> tokens, uint[] codePoints, int[] offsets, PartialUtf8[] endStates)
    {
        var order = tokens.ToArray();
        Array.Sort(order, (a, b) =>
        {
            int c = Seq(a).SequenceCompareTo(Seq(b));
            return c != 0 ? c : a.CompareTo(b);
        });

        var cp = new List<uint> { 0 };
        var parent = new List<int> { -1 };
        var completeStart = new List<int> { 0 };
        var partialStart = new List<int> { 0 };
        var complete = new List<int>(order.Length);
        var partial = new List<int>();
        var path = new List<int> { 0 }; // path[d] = node at depth d
        ReadOnlySpan<uint> previous = default;

        foreach (int token in order)
        {
            ReadOnlySpan<uint> s = Seq(token);
            int lcp = s.CommonPrefixLength(previous);
            path.RemoveRange(lcp + 1, path.Count - (lcp + 1));
            for (int d = lcp; d < s.Length; d++)
            {
                int node = cp.Count;
                cp.Add(s[d]);
                parent.Add(path[^1]);
                completeStart.Add(complete.Count);
                partialStart.Add(partial.Count);
                path.Add(node);
            }
            if (endStates[token].Remaining == 0) complete.Add(token);
            else partial.Add(token);
            previous = s;
        }

        int n = cp.Count;
        completeStart.Add(complete.Count);
        partialStart.Add(partial.Count);

        // Pre-order numbering: a node's subtree ends where the next node that is not its descendant begins.
        var subtreeEnd = new int[n];
        var below = new CodePointSummary[n];
        for (int i = 0; i < n; i++) subtreeEnd[i] = i + 1;
        for (int i = n - 1; i > 0; i--)
        {
            int p = parent[i];
            subtreeEnd[p] = Math.Max(subtreeEnd[p], subtreeEnd[i]);
            below[p].Add(cp[i]);
            below[p].Add(below[i]);
        }

        var low = new uint[partial.Count];
        var high = new uint[partial.Count];
        for (int i = 0; i < partial.Count; i++)
        {
            if (!endStates[partial[i]].TryGetCodePointRange(out low[i], out high[i]))
            {
                low[i] = 1;
                high[i] = 0;
            }
        }

        return new TokenTrie([.. cp], subtreeEnd, [.. completeStart], [.. partialStart], below, [.. complete], [.. partial], low, high);

        ReadOnlySpan<uint> Seq(int t) => codePoints.AsSpan(offsets[t], offsets[t + 1] - offsets[t]);
    }
}

/// <summary>A coarse set of code points: one bit per ASCII code point and one bit for everything above.</summary>
internal struct CodePointSummary
{
    public ulong Low;     // 0x00–0x3F
    public ulong High;    // 0x40–0x7F
    public bool NonAscii; // ≥ 0x80

    public void Add(uint cp)
    {
        if (cp < 64) Low |= 1UL << (int)cp;
        else if (cp < 128) High |= 1UL << (int)(cp - 64);
        else NonAscii = true;
    }

    public void Add(in CodePointSummary other)
    {
        Low |= other.Low;
        High |= other.High;
        NonAscii |= other.NonAscii;
    }

    public readonly bool IsSubsetOf(in CodePointSummary other) =>
        (Low & ~other.Low) == 0 && (High & ~other.High) == 0 && (!NonAscii || other.NonAscii);
}
