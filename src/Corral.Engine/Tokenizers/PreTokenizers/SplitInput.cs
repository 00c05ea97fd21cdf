using Corral.Engine.Tokenizers.Unicode;

namespace Corral.Engine.Tokenizers.PreTokenizers;

/// <summary>
/// The code points of one raw fragment with their flags, and the two derived views llama.cpp's regex
/// paths run on (spec A7.2): the "collapsed" text (one char per code point) and the code points with
/// non-ASCII whitespace replaced by U+000B. Reused per thread; views are built on first use.
/// </summary>
internal sealed class SplitInput
{
    public int[] Codepoints = new int[256];
    public CodepointFlags[] Flags = new CodepointFlags[256];
    public int Count;

    private char[] _collapsed = new char[256];
    private bool _collapsedReady;
    private int[] _whitespaceFolded = new int[256];
    private bool _whitespaceFoldedReady;

    /// <summary>Decodes <paramref name="utf8"/> (llama.cpp's lenient rules) and looks up every flag.</summary>
    public void Load(ReadOnlySpan<byte> utf8)
    {
        if (Codepoints.Length < utf8.Length)
        {
            int size = Math.Max(utf8.Length, Codepoints.Length * 2);
            Codepoints = new int[size];
            Flags = new CodepointFlags[size];
        }
        Count = Utf8Text.DecodeLenient(utf8, Codepoints);
        for (int i = 0; i < Count; i++) Flags[i] = UnicodeTables.GetFlags(Codepoints[i]);
        _collapsedReady = false;
        _whitespaceFoldedReady = false;
    }

    /// <summary>Loads code points directly (used by tests and by callers that already decoded).</summary>
    public void Load(ReadOnlySpan<int> codepoints)
    {
        if (Codepoints.Length < codepoints.Length)
        {
            Codepoints = new int[codepoints.Length];
            Flags = new CodepointFlags[codepoints.Length];
        }
        codepoints.CopyTo(Codepoints);
        Count = codepoints.Length;
        for (int i = 0; i < Count; i++) Flags[i] = UnicodeTables.GetFlags(Codepoints[i]);
        _collapsedReady = false;
        _whitespaceFoldedReady = false;
    }

    /// <summary>Flags at <paramref name="pos"/> when inside [<paramref name="start"/>, <paramref name="end"/>), else none.</summary>
    public CodepointFlags FlagsAt(int pos, int start, int end) => pos >= start && pos < end ? Flags[pos] : CodepointFlags.None;

    /// <summary>
    /// One char per code point: ASCII as is; other whitespace → U+000B; else by category NUMBER → U+00D1,
    /// LETTER → U+00D2, PUNCTUATION → U+00D3, ACCENT_MARK → U+00D4, SYMBOL → U+00D5, anything else → U+00D0.
    /// </summary>
    public ReadOnlySpan<char> Collapsed
    {
        get
        {
            if (!_collapsedReady)
            {
                if (_collapsed.Length < Count) _collapsed = new char[Math.Max(Count, _collapsed.Length * 2)];
                for (int i = 0; i < Count; i++) _collapsed[i] = Collapse(Codepoints[i], Flags[i]);
                _collapsedReady = true;
            }
            return _collapsed.AsSpan(0, Count);
        }
    }

    /// <summary>Code points with every non-ASCII whitespace replaced by U+000B (what std::wregex sees).</summary>
    public ReadOnlySpan<int> WhitespaceFolded
    {
        get
        {
            if (!_whitespaceFoldedReady)
            {
                if (_whitespaceFolded.Length < Count) _whitespaceFolded = new int[Math.Max(Count, _whitespaceFolded.Length * 2)];
                for (int i = 0; i < Count; i++)
                {
                    int c = Codepoints[i];
                    _whitespaceFolded[i] = c > 0x7F && (Flags[i] & CodepointFlags.Whitespace) != 0 ? 0x0B : c;
                }
                _whitespaceFoldedReady = true;
            }
            return _whitespaceFolded.AsSpan(0, Count);
        }
    }

    internal static char Collapse(int cpt, CodepointFlags flags)
    {
        if (cpt < 0x80) return (char)cpt;
        if ((flags & CodepointFlags.Whitespace) != 0) return '\u000B';
        return (flags & CodepointFlags.CategoryMask) switch
        {
            CodepointFlags.Number => '\u00D1',
            CodepointFlags.Letter => '\u00D2',
            CodepointFlags.Punctuation => '\u00D3',
            CodepointFlags.AccentMark => '\u00D4',
            CodepointFlags.Symbol => '\u00D5',
            _ => '\u00D0',
        };
    }
}

/// <summary>A run of code points [Start, Start + Length) of the fragment.</summary>
internal readonly record struct Span32(int Start, int Length)
{
    public int End => Start + Length;
}

/// <summary>
/// One entry of a pre-tokenizer's regex list. Splits a chunk into pieces (every match and every gap
/// between matches, spec A7.1); it never sees outside the chunk.
/// </summary>
internal abstract class SplitStep
{
    /// <summary>Appends the pieces of chunk [<paramref name="start"/>, <paramref name="end"/>) in order. Empty pieces may be omitted.</summary>
    public abstract void Split(SplitInput input, int start, int end, List<Span32> pieces);

    /// <summary>Adds [from, to) when non-empty.</summary>
    protected static void Emit(List<Span32> pieces, int from, int to)
    {
        if (to > from) pieces.Add(new Span32(from, to - from));
    }
}

/// <summary>
/// Runs a match-based step: the step finds the leftmost match at or after a position; gaps between
/// matches become pieces too ("isolated" splitting).
/// </summary>
internal abstract class MatchStep : SplitStep
{
    /// <summary>The leftmost match starting at or after <paramref name="from"/> inside [.., end): its start and length, or start -1.</summary>
    protected abstract (int Start, int Length) NextMatch(SplitInput input, int from, int chunkStart, int end);

    public override void Split(SplitInput input, int start, int end, List<Span32> pieces)
    {
        int pos = start;
        int emitted = start;
        while (pos <= end)
        {
            var (matchStart, length) = NextMatch(input, pos, start, end);
            if (matchStart < 0) break;
            Emit(pieces, emitted, matchStart);
            Emit(pieces, matchStart, matchStart + length);
            emitted = matchStart + length;
            // after an empty match the search resumes one code point later (std::regex_iterator)
            pos = length > 0 ? emitted : matchStart + 1;
        }
        Emit(pieces, emitted, end);
    }
}
