using Corral.Engine.Grammar;

namespace Corral.Engine.Tests.Grammar;

/// <summary>
/// A deliberately naive, independent model of llama.cpp's grammar engine (llama-grammar.cpp): explicit stacks of
/// positions, advanced code point by code point, every token checked on its own. No caching, no trie. Used to
/// check <see cref="GrammarMatcher"/>'s fast paths on real vocabularies.
/// </summary>
internal sealed class ReferenceGrammarEngine
{
    private readonly List<GrammarElement> _el = [];
    private readonly int[] _ruleStart;
    private readonly GrammarVocabularyView _vocab;
    private List<int[]> _stacks = [];
    private byte[] _open = []; // bytes of a UTF-8 sequence the last token left open

    public ReferenceGrammarEngine(GbnfGrammar grammar, byte[][] pieces, HashSet<int> eog)
    {
        _vocab = new GrammarVocabularyView(pieces, eog);
        _ruleStart = new int[grammar.Rules.Count];
        for (int r = 0; r < grammar.Rules.Count; r++)
        {
            _ruleStart[r] = _el.Count;
            _el.AddRange(grammar.Rules[r]);
        }
        int a = _ruleStart[grammar.RootRuleId];
        while (true)
        {
            Advance(_el[a].IsEnd() ? [] : [a], _stacks);
            while (!_el[a].IsEnd()) a++;
            if (_el[a].Type != GrammarElementType.Alt) break;
            a++;
        }
    }

    // Corral's one deliberate difference from llama.cpp: no end while a UTF-8 sequence is open.
    public bool CanEnd => _stacks.Any(s => s.Length == 0) && _open.Length == 0;

    public bool IsAllowed(int token)
    {
        if (_vocab.Eog.Contains(token)) return CanEnd;
        byte[] piece = _vocab.Pieces[token];
        int nul = Array.IndexOf(piece, (byte)0);
        if (nul >= 0) piece = piece[..nul];
        if (piece.Length == 0) return false;
        var (cps, end) = Decode(piece, _open);
        foreach (var stack in _stacks)
        {
            if (StackAllows(stack, token, cps, end)) return true;
        }
        return false;
    }

    public void Accept(int token)
    {
        if (!IsAllowed(token)) throw new InvalidOperationException("reference: token not allowed");
        if (_vocab.Eog.Contains(token)) return;
        byte[] piece = _vocab.Pieces[token];
        int nul = Array.IndexOf(piece, (byte)0);
        if (nul >= 0) piece = piece[..nul];
        var (cps, end) = Decode(piece, _open);
        var result = new List<int[]>();
        foreach (var stack in _stacks)
        {
            if (stack.Length == 0) continue;
            var top = _el[stack[^1]];
            if (top.Type is GrammarElementType.Token or GrammarElementType.TokenNot)
            {
                if (cps.Count > 0 && TokenMatch(top, token))
                {
                    var rest = stack[..^1].ToList();
                    if (!_el[stack[^1] + 1].IsEnd()) rest.Add(stack[^1] + 1);
                    Advance([.. rest], result);
                }
                continue;
            }
            var current = new List<int[]> { stack };
            foreach (uint cp in cps)
            {
                var next = new List<int[]>();
                foreach (var s in current) AcceptChar(s, cp, next);
                current = next;
                if (current.Count == 0) break;
            }
            foreach (var s in current)
            {
                if (!result.Any(r => r.AsSpan().SequenceEqual(s))) result.Add(s);
            }
        }
        _stacks = result;
        _open = end!;
    }

    private bool StackAllows(int[] stack, int token, List<uint> cps, byte[]? end)
    {
        if (end == null) return false;
        if (stack.Length == 0) return cps.Count == 0 && false; // an empty stack accepts no code point
        var top = _el[stack[^1]];
        if (top.Type is GrammarElementType.Token or GrammarElementType.TokenNot) return cps.Count > 0 && TokenMatch(top, token);
        var current = new List<int[]> { stack };
        foreach (uint cp in cps)
        {
            var next = new List<int[]>();
            foreach (var s in current) AcceptChar(s, cp, next);
            current = next;
            if (current.Count == 0) return false;
        }
        if (end.Length == 0) return cps.Count > 0;
        return current.Any(s => s.Length > 0 && _el[s[^1]].Type is not (GrammarElementType.Token or GrammarElementType.TokenNot) && MatchPartial(s[^1], end));
    }

    private void AcceptChar(int[] stack, uint cp, List<int[]> output)
    {
        if (stack.Length == 0) return;
        int pos = stack[^1];
        if (_el[pos].Type is GrammarElementType.Token or GrammarElementType.TokenNot) return;
        bool positive = _el[pos].Type is GrammarElementType.Char or GrammarElementType.CharAny;
        bool found = false;
        do
        {
            if (_el[pos + 1].Type == GrammarElementType.CharRangeUpper)
            {
                found |= _el[pos].Value <= cp && cp <= _el[pos + 1].Value;
                pos += 2;
            }
            else
            {
                found |= _el[pos].Type == GrammarElementType.CharAny || _el[pos].Value == cp;
                pos++;
            }
        } while (_el[pos].Type == GrammarElementType.CharAlt);
        if (found != positive) return;
        var rest = stack[..^1].ToList();
        if (!_el[pos].IsEnd()) rest.Add(pos);
        Advance([.. rest], output);
    }

    private bool MatchPartial(int pos, byte[] open)
    {
        // The code points the open sequence can complete to: fill the missing bytes with 80 and BF.
        int length = open[0] >= 0xF0 ? 4 : open[0] >= 0xE0 ? 3 : 2;
        uint low = Math.Max(Bits(open, length, 0x80), length == 2 ? 0x80u : length == 3 ? 0x800u : 0x10000u);
        uint high = Math.Min(Bits(open, length, 0xBF), 0x10FFFFu);
        if (low > high) return false;
        bool positive = _el[pos].Type is GrammarElementType.Char or GrammarElementType.CharAny;
        do
        {
            if (_el[pos + 1].Type == GrammarElementType.CharRangeUpper)
            {
                if (_el[pos].Value <= high && low <= _el[pos + 1].Value) return positive;
                pos += 2;
            }
            else if (_el[pos].Type == GrammarElementType.CharAny)
            {
                return true;
            }
            else
            {
                if (low <= _el[pos].Value && _el[pos].Value <= high) return positive;
                pos++;
            }
        } while (_el[pos].Type == GrammarElementType.CharAlt);
        return !positive;
    }

    private void Advance(int[] stack, List<int[]> output)
    {
        var todo = new Stack<int[]>();
        todo.Push(stack);
        var seen = new HashSet<string>();
        while (todo.Count > 0)
        {
            var cur = todo.Pop();
            if (!seen.Add(string.Join(',', cur))) continue;
            if (cur.Length == 0 || _el[cur[^1]].Type != GrammarElementType.RuleRef)
            {
                if (!output.Any(o => o.AsSpan().SequenceEqual(cur))) output.Add(cur);
                continue;
            }
            int pos = cur[^1];
            int sub = _ruleStart[_el[pos].Value];
            while (true)
            {
                var next = cur[..^1].ToList();
                if (!_el[pos + 1].IsEnd()) next.Add(pos + 1);
                if (!_el[sub].IsEnd()) next.Add(sub);
                todo.Push([.. next]);
                while (!_el[sub].IsEnd()) sub++;
                if (_el[sub].Type != GrammarElementType.Alt) break;
                sub++;
            }
        }
    }

    private static bool TokenMatch(GrammarElement e, int token) =>
        e.Type == GrammarElementType.Token ? e.Value == (uint)token : e.Value != (uint)token;

    // llama.cpp decode_utf8 plus Corral's strictness (invalid UTF-8 rejects the token), written independently of the
    // production decoder: it keeps the open sequence's raw bytes and lets .NET's Rune decoder judge them.
    // Returns the complete code points and the bytes left open (null when the bytes are not valid UTF-8).
    private static (List<uint>, byte[]?) Decode(byte[] src, byte[] open)
    {
        var span = open.Concat(src).ToArray().AsSpan();
        var cps = new List<uint>();
        while (!span.IsEmpty)
        {
            var status = System.Text.Rune.DecodeFromUtf8(span, out var rune, out int used);
            if (status == System.Buffers.OperationStatus.NeedMoreData) return (cps, span.ToArray());
            if (status != System.Buffers.OperationStatus.Done) return ([], null);
            cps.Add((uint)rune.Value);
            span = span[used..];
        }
        return (cps, []);
    }

    private static uint Bits(byte[] open, int length, byte fill)
    {
        uint value = open[0] & (length == 4 ? 0x07u : length == 3 ? 0x0Fu : 0x1Fu);
        for (int i = 1; i < length; i++) value = (value << 6) | (uint)((i < open.Length ? open[i] : fill) & 0x3F);
        return value;
    }

    private sealed record GrammarVocabularyView(byte[][] Pieces, HashSet<int> Eog);
}

internal static class GrammarElementTestExtensions
{
    public static bool IsEnd(this GrammarElement e) => e.Type is GrammarElementType.End or GrammarElementType.Alt;
}
