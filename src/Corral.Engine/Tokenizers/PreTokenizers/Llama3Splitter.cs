using Corral.Engine.Tokenizers.Unicode;

namespace Corral.Engine.Tokenizers.PreTokenizers;

/// <summary>
/// The Llama-3 family pattern <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>
/// as a hand-written scanner (spec A7.3 custom:llama3). The Qwen2 variant takes one digit per piece;
/// the Qwen3.5 variant also treats accent marks as letters.
/// </summary>
internal sealed class Llama3Splitter(Llama3Splitter.Variant variant) : SplitStep
{
    public enum Variant
    {
        /// <summary><c>\p{N}{1,3}</c>.</summary>
        Llama3,

        /// <summary><c>\p{N}</c>.</summary>
        Qwen2,

        /// <summary><c>\p{N}</c> and <c>[\p{L}\p{M}]+</c> words.</summary>
        Qwen35,
    }

    private readonly int _maxDigits = variant == Variant.Llama3 ? 3 : 1;
    private readonly CodepointFlags _wordFlags = variant == Variant.Qwen35 ? CodepointFlags.Letter | CodepointFlags.AccentMark : CodepointFlags.Letter;

    public override void Split(SplitInput input, int start, int end, List<Span32> pieces)
    {
        var cpts = input.Codepoints;
        var word = _wordFlags;
        var notPunctuation = CodepointFlags.Whitespace | CodepointFlags.Number | word;
        int pos = start;
        while (pos < end)
        {
            int from = pos;
            int cpt = cpts[pos];
            var flags = input.Flags[pos];

            // contractions, compared after lowercasing
            if (cpt == '\'' && pos + 1 < end)
            {
                int next = UnicodeTables.ToLower(cpts[pos + 1]);
                if (next is 's' or 't' or 'm' or 'd')
                {
                    pos += 2;
                    Emit(pieces, from, pos);
                    continue;
                }
                if (pos + 2 < end)
                {
                    int next2 = UnicodeTables.ToLower(cpts[pos + 2]);
                    if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l'))
                    {
                        pos += 3;
                        Emit(pieces, from, pos);
                        continue;
                    }
                }
            }

            // [^\r\n\p{L}\p{N}]?\p{L}+
            if (!(cpt == '\r' || cpt == '\n' || (flags & CodepointFlags.Number) != 0)
                && ((flags & word) != 0 || (input.FlagsAt(pos + 1, start, end) & word) != 0))
            {
                pos++;
                while (pos < end && (input.Flags[pos] & word) != 0) pos++;
                Emit(pieces, from, pos);
                continue;
            }

            // \p{N}{1,3}: groups counted from the left
            if ((flags & CodepointFlags.Number) != 0)
            {
                while (pos < end && (input.Flags[pos] & CodepointFlags.Number) != 0)
                {
                    int groupStart = pos;
                    while (pos < end && pos - groupStart < _maxDigits && (input.Flags[pos] & CodepointFlags.Number) != 0) pos++;
                    Emit(pieces, groupStart, pos);
                }
                continue;
            }

            //  ?[^\s\p{L}\p{N}]+[\r\n]*  (llama.cpp tests the current code point's flags for "exists" here)
            var lead = cpt == ' ' ? input.FlagsAt(pos + 1, start, end) : flags;
            if ((lead & notPunctuation) == 0 && flags != CodepointFlags.None)
            {
                pos += cpt == ' ' ? 1 : 0;
                while (pos < end && (input.Flags[pos] & notPunctuation) == 0) pos++;
                while (pos < end && cpts[pos] is '\r' or '\n') pos++;
                Emit(pieces, from, pos);
                continue;
            }

            int spaces = 0;
            int afterLastNewline = -1;
            while (pos + spaces < end && (input.Flags[pos + spaces] & CodepointFlags.Whitespace) != 0)
            {
                if (cpts[pos + spaces] is '\r' or '\n') afterLastNewline = pos + spaces + 1;
                spaces++;
            }
            if (afterLastNewline > 0)
            {
                // \s*[\r\n]+
                pos = afterLastNewline;
                Emit(pieces, from, pos);
                continue;
            }
            if (spaces > 1 && pos + spaces < end)
            {
                // \s+(?!\S)
                pos += spaces - 1;
                Emit(pieces, from, pos);
                continue;
            }
            pos += spaces > 0 ? spaces : 1;
            Emit(pieces, from, pos);
        }
    }
}
