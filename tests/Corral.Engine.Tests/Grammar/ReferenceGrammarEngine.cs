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
    private (uint Value, int Remaining) _partial;

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

    public bool CanEnd => _stacks.Any(s => s.Length == 0);

    public bool IsAllowed(int token)
    {
        if (_vocab.Eog.Contains(token)) return CanEnd;
        byte[] piece = _vocab.Pieces[token];
        int nul = Array.IndexOf(piece, (byte)0);
        if (nul >= 0) piece = piece[..nul];
        if (piece.Length == 0) return false;
        var (cps, end) = Decode(piece, _partial);
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
        var (cps, end) = Decode(piece, _partial);
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
        _partial = end;
    }

    private bool StackAllows(int[] stack, int token, List<uint> cps, (uint Value, int Remaining) end)
    {
        if (end.Remaining < 0) return false;
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
        if (end.Remaining == 0) return cps.Count > 0;
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

    private bool MatchPartial(int pos, (uint Value, int Remaining) partial)
    {
        if (partial.Remaining < 0 || (partial.Remaining == 1 && partial.Value < 2)) return false;
        uint low = partial.Value << (partial.Remaining * 6);
        uint high = low | ((1u << (partial.Remaining * 6)) - 1);
        if (low == 0) low = partial.Remaining == 2 ? 1u << 11 : partial.Remaining == 3 ? 1u << 16 : low;
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

    // llama.cpp decode_utf8, written independently of the production decoder.
    private static (List<uint>, (uint, int)) Decode(byte[] src, (uint Value, int Remaining) start)
    {
        int[] lookup = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 3, 4];
        var cps = new List<uint>();
        int pos = 0;
        uint value = start.Value;
        int remain = start.Remaining;
        while (pos < src.Length && remain > 0)
        {
            if ((src[pos] >> 6) != 2) return ([], (0, -1));
            value = (value << 6) + (uint)(src[pos] & 0x3F);
            pos++;
            remain--;
        }
        if (start.Remaining > 0 && remain == 0) cps.Add(value);
        while (pos < src.Length)
        {
            remain = lookup[src[pos] >> 4] - 1;
            if (remain < 0) return ([], (0, -1));
            value = src[pos] & ((1u << (7 - remain)) - 1);
            pos++;
            while (pos < src.Length && remain > 0)
            {
                value = (value << 6) + (uint)(src[pos] & 0x3F);
                pos++;
                remain--;
            }
            if (remain == 0) cps.Add(value);
        }
        int zero = cps.IndexOf(0);
        if (zero >= 0) return (cps[..zero], (0, 0));
        return (cps, (value, remain));
    }

    private sealed record GrammarVocabularyView(byte[][] Pieces, HashSet<int> Eog);
}

internal static class GrammarElementTestExtensions
{
    public static bool IsEnd(this GrammarElement e) => e.Type is GrammarElementType.End or GrammarElementType.Alt;
}
