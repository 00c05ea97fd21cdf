using Corral.Engine.Tokenizers.Unicode;

namespace Corral.Engine.Tokenizers.PreTokenizers;

/// <summary>
/// Digits grouped in threes from the right (spec A7.3 custom:digits-mod3; AFMoE and Tiny-Aya):
/// <c>1234567</c> → <c>1</c>, <c>234</c>, <c>567</c>. As in llama.cpp the first digit piece also carries
/// the non-digit text before it (<c>ab1234</c> → <c>ab1</c>, <c>234</c>); later steps split that again.
/// </summary>
internal sealed class DigitsMod3Splitter : SplitStep
{
    public override void Split(SplitInput input, int start, int end, List<Span32> pieces)
    {
        int emitted = start;
        int pos = start;
        while (pos < end)
        {
            if ((input.Flags[pos] & CodepointFlags.Number) == 0)
            {
                pos++;
                continue;
            }
            int digitsStart = pos;
            while (pos < end && (input.Flags[pos] & CodepointFlags.Number) != 0) pos++;
            int count = pos - digitsStart;
            int cut = digitsStart + count % 3;
            if (cut > digitsStart)
            {
                Emit(pieces, emitted, cut);
                emitted = cut;
            }
            while (cut < pos)
            {
                cut += 3;
                Emit(pieces, emitted, cut);
                emitted = cut;
            }
        }
        Emit(pieces, emitted, end);
    }
}
