using Corral.Engine.Tokenizers.Unicode;

namespace Corral.Engine.Tokenizers.PreTokenizers;

/// <summary>
/// Kimi-K2's whole pattern set (spec A7.3 custom:kimi-k2): Han runs, non-Han letter words with an
/// optional leading character and contraction, numbers in threes, punctuation runs, whitespace rules.
/// </summary>
internal sealed class KimiK2Splitter : SplitStep
{
    private const CodepointFlags WordLike = CodepointFlags.Whitespace | CodepointFlags.Letter | CodepointFlags.Number;

    public override void Split(SplitInput input, int start, int end, List<Span32> pieces)
    {
        var cpts = input.Codepoints;
        bool IsNonHanLetter(int p) => p >= start && p < end && (input.Flags[p] & CodepointFlags.Letter) != 0 && !UnicodeTables.IsHan(cpts[p]);

        int pos = start;
        while (pos < end)
        {
            int from = pos;
            int cpt = cpts[pos];
            var flags = input.Flags[pos];

            if (UnicodeTables.IsHan(cpt))
            {
                while (pos < end && UnicodeTables.IsHan(cpts[pos])) pos++;
                Emit(pieces, from, pos);
                continue;
            }

            bool canLead = !(cpt == '\r' || cpt == '\n' || (flags & (CodepointFlags.Letter | CodepointFlags.Number)) != 0);
            if (IsNonHanLetter(pos) || (canLead && IsNonHanLetter(pos + 1)))
            {
                if (canLead) pos++;
                while (IsNonHanLetter(pos)) pos++;
                if (pos < end && cpts[pos] == '\'' && pos + 1 < end)
                {
                    int next = UnicodeTables.ToLower(cpts[pos + 1]);
                    if (next is 's' or 't' or 'm' or 'd') pos += 2;
                    else if (pos + 2 < end)
                    {
                        int next2 = UnicodeTables.ToLower(cpts[pos + 2]);
                        if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l')) pos += 3;
                    }
                }
                Emit(pieces, from, pos);
                continue;
            }

            if ((flags & CodepointFlags.Number) != 0)
            {
                while (pos < end && (input.Flags[pos] & CodepointFlags.Number) != 0)
                {
                    int groupStart = pos;
                    while (pos < end && pos - groupStart < 3 && (input.Flags[pos] & CodepointFlags.Number) != 0) pos++;
                    Emit(pieces, groupStart, pos);
                }
                continue;
            }

            var lead = cpt == ' ' ? input.FlagsAt(pos + 1, start, end) : flags;
            if ((lead & WordLike) == 0 && lead != CodepointFlags.None)
            {
                pos += cpt == ' ' ? 1 : 0;
                while (pos < end && (input.Flags[pos] & WordLike) == 0) pos++;
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
                pos = afterLastNewline;
                Emit(pieces, from, pos);
                continue;
            }
            if (spaces > 1 && pos + spaces < end)
            {
                pos += spaces - 1;
                Emit(pieces, from, pos);
                continue;
            }
            pos += spaces > 0 ? spaces : 1;
            Emit(pieces, from, pos);
        }
    }
}
