using Corral.Engine.Tokenizers.Unicode;

namespace Corral.Engine.Tokenizers.PreTokenizers;

/// <summary>
/// GPT-2's pattern <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)</c> as a
/// hand-written scanner over code point flags (spec A7.3 custom:gpt2). Contractions are case-sensitive.
/// </summary>
internal sealed class Gpt2Splitter : SplitStep
{
    private const CodepointFlags WordLike = CodepointFlags.Whitespace | CodepointFlags.Letter | CodepointFlags.Number;

    public override void Split(SplitInput input, int start, int end, List<Span32> pieces)
    {
        var cpts = input.Codepoints;
        int pos = start;
        while (pos < end)
        {
            int from = pos;
            int cpt = cpts[pos];
            var flags = input.Flags[pos];

            if (cpt == '\'' && pos + 1 < end)
            {
                int next = cpts[pos + 1];
                if (next is 's' or 't' or 'm' or 'd')
                {
                    pos += 2;
                    Emit(pieces, from, pos);
                    continue;
                }
                if (pos + 2 < end)
                {
                    int next2 = cpts[pos + 2];
                    if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l'))
                    {
                        pos += 3;
                        Emit(pieces, from, pos);
                        continue;
                    }
                }
            }

            // " ?X+": the class is decided by the code point after an optional leading space
            var lead = cpt == ' ' ? input.FlagsAt(pos + 1, start, end) : flags;
            if ((lead & CodepointFlags.Letter) != 0)
            {
                pos += cpt == ' ' ? 1 : 0;
                while (pos < end && (input.Flags[pos] & CodepointFlags.Letter) != 0) pos++;
                Emit(pieces, from, pos);
                continue;
            }
            if ((lead & CodepointFlags.Number) != 0)
            {
                pos += cpt == ' ' ? 1 : 0;
                while (pos < end && (input.Flags[pos] & CodepointFlags.Number) != 0) pos++;
                Emit(pieces, from, pos);
                continue;
            }
            if ((lead & WordLike) == 0 && lead != CodepointFlags.None)
            {
                pos += cpt == ' ' ? 1 : 0;
                while (pos < end && (input.Flags[pos] & WordLike) == 0) pos++;
                Emit(pieces, from, pos);
                continue;
            }

            int spaces = 0;
            while (pos + spaces < end && (input.Flags[pos + spaces] & CodepointFlags.Whitespace) != 0) spaces++;
            if (spaces > 1 && pos + spaces < end)
            {
                // \s+(?!\S): leave the last whitespace to prefix the next word
                pos += spaces - 1;
                Emit(pieces, from, pos);
                continue;
            }
            pos += spaces > 0 ? spaces : 1;
            Emit(pieces, from, pos);
        }
    }
}
