using System.Buffers;

namespace Corral.Engine.Tokenizers;

/// <summary>A piece of the input: raw text (<see cref="Token"/> = -1) or one special token.</summary>
internal readonly record struct TextFragment(int Start, int Length, int Token)
{
    public bool IsText => Token < 0;

    public static TextFragment Text(int start, int length) => new(start, length, -1);

    public static TextFragment Special(int token) => new(0, 0, token);
}

/// <summary>
/// Cuts special-token texts out of the input before the model's tokenizer sees it (spec A3.1): for each
/// special token, longest first, every raw fragment is split at each leftmost exact match.
/// CONTROL/UNKNOWN tokens are only matched when special parsing is on; USER_DEFINED ones always are.
/// </summary>
internal sealed class SpecialTokenSplitter
{
    private readonly byte[][] _texts;
    private readonly int[] _ids;
    private readonly TokenAttributes[] _attributes;
    private readonly ByteTrie _trie;                    // special texts → index in cache order
    private readonly SearchValues<byte> _firstBytesAll;
    private readonly SearchValues<byte> _firstBytesAlwaysSplit; // USER_DEFINED-only tokens (split without parse_special)
    private readonly bool _anyAlwaysSplit;

    [ThreadStatic] private static List<TextFragment>? t_spare;
    [ThreadStatic] private static List<int>? t_present;

    public SpecialTokenSplitter(Vocabulary vocabulary)
    {
        var ids = vocabulary.SpecialTokens;
        _texts = new byte[ids.Count][];
        _ids = new int[ids.Count];
        _attributes = new TokenAttributes[ids.Count];
        var trie = new ByteTrie.Builder();
        var all = new HashSet<byte>();
        var alwaysSplit = new HashSet<byte>();
        for (int i = 0; i < ids.Count; i++)
        {
            _ids[i] = ids[i];
            _texts[i] = vocabulary.GetTextUtf8(ids[i]).ToArray();
            _attributes[i] = vocabulary.GetAttributes(ids[i]);
            trie.Add(_texts[i], i);
            all.Add(_texts[i][0]);
            if (!NeedsParseSpecial(_attributes[i])) alwaysSplit.Add(_texts[i][0]);
        }
        _trie = trie.Build();
        _firstBytesAll = SearchValues.Create([.. all]);
        _firstBytesAlwaysSplit = SearchValues.Create([.. alwaysSplit]);
        _anyAlwaysSplit = alwaysSplit.Count > 0;
    }

    private static bool NeedsParseSpecial(TokenAttributes attributes) => (attributes & (TokenAttributes.Control | TokenAttributes.Unknown)) != 0;

    /// <summary>Fills <paramref name="fragments"/> with the partition of <paramref name="text"/>.</summary>
    public void Split(ReadOnlySpan<byte> text, bool parseSpecial, List<TextFragment> fragments)
    {
        fragments.Clear();
        if (text.IsEmpty) return;
        fragments.Add(TextFragment.Text(0, text.Length));
        if (!parseSpecial && !_anyAlwaysSplit) return;

        // One vectorized pass finds which special texts occur at all; usually none do.
        var present = t_present ??= new List<int>();
        FindPresent(text, parseSpecial, present);
        if (present.Count == 0) return;

        var spare = t_spare ??= new List<TextFragment>();
        foreach (int s in present)
        {
            var attributes = _attributes[s];
            var token = _texts[s];
            spare.Clear();
            foreach (var fragment in fragments)
            {
                if (fragment.IsText) SplitFragment(text, fragment.Start, fragment.Length, token, _ids[s], attributes, spare);
                else spare.Add(fragment);
            }
            fragments.Clear();
            fragments.AddRange(spare);
        }
        spare.Clear();
        present.Clear();
    }

    /// <summary>Indices (cache order, ascending) of the special tokens that occur in <paramref name="text"/> and may be split in this mode.</summary>
    private void FindPresent(ReadOnlySpan<byte> text, bool parseSpecial, List<int> present)
    {
        present.Clear();
        var firstBytes = parseSpecial ? _firstBytesAll : _firstBytesAlwaysSplit;
        int offset = 0;
        while (true)
        {
            int hit = text[offset..].IndexOfAny(firstBytes);
            if (hit < 0) break;
            int start = offset + hit;
            int node = ByteTrie.Root;
            for (int i = start; i < text.Length && (node = _trie.Next(node, text[i])) >= 0; i++)
            {
                int s = _trie.Value(node);
                if (s >= 0 && (parseSpecial || !NeedsParseSpecial(_attributes[s])) && !present.Contains(s)) present.Add(s);
            }
            offset = start + 1;
        }
        present.Sort();
    }

    private static void SplitFragment(ReadOnlySpan<byte> text, int start, int length, byte[] token, int id, TokenAttributes attributes, List<TextFragment> output)
    {
        while (true)
        {
            int match = text.Slice(start, length).IndexOf(token);
            if (match < 0)
            {
                output.Add(TextFragment.Text(start, length));
                return;
            }

            int leftLength = match;
            if ((attributes & TokenAttributes.LStrip) != 0)
                while (leftLength > 0 && IsCSpace(text[start + leftLength - 1])) leftLength--;
            if (leftLength > 0) output.Add(TextFragment.Text(start, leftLength));

            output.Add(TextFragment.Special(id));

            int rightStart = start + match + token.Length;
            int rightLength = start + length - rightStart;
            if ((attributes & TokenAttributes.RStrip) != 0)
            {
                while (rightLength > 0 && IsCSpace(text[rightStart]))
                {
                    rightStart++;
                    rightLength--;
                }
            }
            if (rightLength <= 0) return;
            start = rightStart;
            length = rightLength;
        }
    }

    /// <summary>C <c>isspace</c> in the "C" locale.</summary>
    private static bool IsCSpace(byte b) => b == ' ' || (uint)(b - '\t') <= '\r' - '\t';
}
