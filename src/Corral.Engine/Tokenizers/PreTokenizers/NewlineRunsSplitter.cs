namespace Corral.Engine.Tokenizers.PreTokenizers;

/// <summary><c>[^\n]+|[\n]+</c>: alternating maximal runs of non-newlines and newlines (spec A7.3).</summary>
internal sealed class NewlineRunsSplitter : SplitStep
{
    public override void Split(SplitInput input, int start, int end, List<Span32> pieces)
    {
        var cpts = input.Codepoints;
        int pos = start;
        while (pos < end)
        {
            int from = pos;
            bool newline = cpts[pos] == '\n';
            while (pos < end && (cpts[pos] == '\n') == newline) pos++;
            Emit(pieces, from, pos);
        }
    }
}
