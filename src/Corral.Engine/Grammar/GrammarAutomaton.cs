using System.Runtime.CompilerServices;

namespace Corral.Engine.Grammar;

/// <summary>
/// llama.cpp's stack-set semantics (§8.2) turned into a lazily built automaton over code points.
/// <para>
/// A stack (a list of positions inside rule bodies still to match) is interned as a persistent linked list: an id
/// standing for (top position, id of the rest). A state is the sorted set of stack ids, interned too, so equal
/// states are one id and a transition is computed once per (state, character class) and then looked up.
/// </para>
/// <para>
/// The transition of a state depends only on which stack tops match a code point, so the code points split into
/// intervals between the bounds of the tops' character ranges, and every code point of an interval has the same
/// next state. Each state stores its interval bounds and, lazily, the next state of each interval (plus a direct
/// table for ASCII). A state whose transition on some code points leads back to itself (<c>char*</c> inside a
/// string) lets the vocabulary walk accept whole trie subtrees at once.
/// </para>
/// Not thread-safe: <see cref="GrammarMatcher"/> takes <see cref="Gate"/> around every use.
/// </summary>
internal sealed class GrammarAutomaton
{
    public const int DeadState = 0;

    private readonly GrammarElement[] _elements;
    private readonly int[] _ruleStart;

    // Stacks: id 0 is the empty stack.
    private int[] _stackTop = new int[1024];
    private int[] _stackRest = new int[1024];
    private int[] _stackDepth = new int[1024];
    private int[]?[] _expanded = new int[1024][];
    private int _stackCount = 1;
    private readonly Dictionary<long, int> _stackIds = [];

    // States: id 0 is the dead state (no stack survives).
    private StackSet[] _states = new StackSet[256];
    private int _stateCount;
    private readonly Dictionary<int[], int> _stateIds = new(StackIdsComparer.Instance);

    // Allowed-token bitsets by state, for the states visited most recently, within a memory budget
    // (about 100 states for a 150k vocabulary).
    private const int MaskCacheBytes = 2 << 20;
    private readonly int _maxCachedMasks;
    private readonly Dictionary<int, ulong[]> _masks = [];
    private readonly Queue<int> _maskOrder = new();

    private readonly List<int> _scratch = [];
    private readonly HashSet<int> _seen = [];
    private readonly Stack<int> _work = new();

    public GrammarAutomaton(GbnfGrammar grammar, GrammarVocabulary vocabulary)
    {
        // Flatten the rules into one array so a stack position is a single index; resolve <text> terminals.
        _ruleStart = new int[grammar.Rules.Count];
        var flat = new List<GrammarElement>();
        for (int r = 0; r < grammar.Rules.Count; r++)
        {
            _ruleStart[r] = flat.Count;
            foreach (var e in grammar.Rules[r])
            {
                flat.Add(e.Type switch
                {
                    GrammarElementType.TokenText => new(GrammarElementType.Token, (uint)vocabulary.ResolveTokenText(grammar.TokenTexts[(int)e.Value])),
                    GrammarElementType.TokenTextNot => new(GrammarElementType.TokenNot, (uint)vocabulary.ResolveTokenText(grammar.TokenTexts[(int)e.Value])),
                    _ => e,
                });
            }
        }
        for (int i = 0; i < flat.Count; i++)
        {
            if (flat[i].Type == GrammarElementType.RuleRef)
                flat[i] = new(GrammarElementType.RuleRef, (uint)_ruleStart[flat[i].Value]);
        }
        _elements = [.. flat];
        _maxCachedMasks = Math.Clamp(MaskCacheBytes / (((vocabulary.Count + 63) >> 6) * sizeof(ulong)), 16, 4096);

        InternSortedState(Array.Empty<int>()); // the dead state gets id 0
        _scratch.Clear();
        AddAlternatives(_ruleStart[grammar.RootRuleId], rest: 0);
        InitialState = InternState(_scratch);
    }

    /// <summary>The state before any token.</summary>
    public int InitialState { get; }

    /// <summary>Lock to hold while using this automaton.</summary>
    public object Gate => _stateIds;

    /// <summary>Number of interned states (diagnostics).</summary>
    public int StateCount => _stateCount;

    public StackSet State(int id) => _states[id];

    /// <summary>The state after consuming code point <paramref name="cp"/> in state <paramref name="state"/>; <see cref="DeadState"/> if none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Step(int state, uint cp)
    {
        var s = _states[state];
        if (cp < 128)
        {
            int next = s.AsciiNext[cp];
            return next >= 0 ? next : s.AsciiNext[cp] = StepInterval(s, s.IntervalOf(cp));
        }
        return StepInterval(s, s.IntervalOf(cp));
    }

    private int StepInterval(StackSet s, int interval)
    {
        int next = s.Next[interval];
        if (next < 0) next = s.Next[interval] = ComputeStep(s, s.Bounds[interval]);
        return next;
    }

    /// <summary>Fewest positions left on any stack of <paramref name="state"/> (0 when the grammar may end): a distance-to-end hint.</summary>
    public int MinStackDepth(int state)
    {
        int min = int.MaxValue;
        foreach (int stack in _states[state].Stacks) min = Math.Min(min, _stackDepth[stack]);
        return min;
    }

    /// <summary>The cached allowed-token bitset of <paramref name="state"/>, if any. Cached arrays are never modified.</summary>
    public ulong[]? CachedMask(int state) => _masks.GetValueOrDefault(state);

    /// <summary>Stores a copy of <paramref name="mask"/> as the bitset of <paramref name="state"/>, evicting the oldest entry when full.</summary>
    public ulong[] CacheMask(int state, ulong[] mask)
    {
        if (_masks.Count >= _maxCachedMasks) _masks.Remove(_maskOrder.Dequeue());
        ulong[] copy = (ulong[])mask.Clone();
        _masks[state] = copy;
        _maskOrder.Enqueue(state);
        return copy;
    }

    /// <summary>The code points on which <paramref name="state"/> leads back to itself, as a coarse summary.</summary>
    public ref readonly CodePointSummary SelfLoops(int state)
    {
        var s = _states[state];
        if (!s.SelfLoopsKnown)
        {
            var summary = default(CodePointSummary);
            for (uint c = 0; c < 128; c++)
            {
                if (Step(state, c) == state) summary.Add(c);
            }
            bool allNonAscii = true;
            for (int i = s.IntervalOf(128); i < s.Bounds.Length && allNonAscii; i++)
                allNonAscii = StepInterval(s, i) == state;
            summary.NonAscii = allNonAscii;
            s.SelfLoops = summary;
            s.SelfLoopsKnown = true;
        }
        return ref s.SelfLoops;
    }

    /// <summary>Whether some stack of <paramref name="state"/> could match a code point in [<paramref name="low"/>, <paramref name="high"/>] (llama.cpp's partial-sequence test).</summary>
    public bool PartialMatches(int state, uint low, uint high)
    {
        if (low > high) return false;
        foreach (int stack in _states[state].CharTopStacks)
        {
            if (MatchPartial(_stackTop[stack], low, high)) return true;
        }
        return false;
    }

    /// <summary>Whether a token-terminal stack of <paramref name="state"/> matches <paramref name="token"/>.</summary>
    public bool TokenTerminalMatches(int state, int token)
    {
        foreach (int stack in _states[state].TokenTopStacks)
        {
            if (TokenMatches(_elements[_stackTop[stack]], token)) return true;
        }
        return false;
    }

    /// <summary>The token terminals on top of the stacks of <paramref name="state"/>.</summary>
    public IEnumerable<GrammarElement> TokenTerminals(int state)
    {
        foreach (int stack in _states[state].TokenTopStacks) yield return _elements[_stackTop[stack]];
    }

    /// <summary>The state after a token whose piece holds no complete code point: the stacks that wait for a character.</summary>
    public int CharacterStacksOnly(int state)
    {
        var s = _states[state];
        if (s.CharacterStacksOnly < 0) s.CharacterStacksOnly = InternSortedState([.. s.CharTopStacks]);
        return s.CharacterStacksOnly;
    }

    /// <summary>
    /// The state after accepting <paramref name="token"/> whose code points are <paramref name="codePoints"/>:
    /// the union of its character path and of the token terminals it matches (llama.cpp <c>llama_grammar_accept_token</c>).
    /// </summary>
    public int AcceptToken(int state, int token, ReadOnlySpan<uint> codePoints)
    {
        int characters;
        if (codePoints.IsEmpty)
        {
            characters = CharacterStacksOnly(state);
        }
        else
        {
            characters = state;
            for (int i = 0; i < codePoints.Length && characters != DeadState; i++) characters = Step(characters, codePoints[i]);
        }
        var s = _states[state];
        if (codePoints.IsEmpty || s.TokenTopStacks.Length == 0) return characters;

        _scratch.Clear();
        _scratch.AddRange(_states[characters].Stacks);
        foreach (int stack in s.TokenTopStacks)
        {
            int pos = _stackTop[stack];
            if (TokenMatches(_elements[pos], token)) AddExpanded(Advance(pos + 1, _stackRest[stack]));
        }
        return InternState(_scratch);
    }

    // ---- transitions

    private int ComputeStep(StackSet s, uint cp)
    {
        _scratch.Clear();
        foreach (int stack in s.CharTopStacks)
        {
            if (MatchChar(_stackTop[stack], cp, out int after)) AddExpanded(Advance(after, _stackRest[stack]));
        }
        return InternState(_scratch);
    }

    /// <summary>The stack left after its top element was matched and the next position is <paramref name="next"/>.</summary>
    private int Advance(int next, int rest) => _elements[next].IsEndOfSequence ? rest : InternStack(next, rest);

    private void AddExpanded(int stack)
    {
        foreach (int s in Expanded(stack)) _scratch.Add(s);
    }

    private void AddAlternatives(int ruleStart, int rest)
    {
        int a = ruleStart;
        while (true)
        {
            AddExpanded(_elements[a].IsEndOfSequence ? rest : InternStack(a, rest));
            while (!_elements[a].IsEndOfSequence) a++;
            if (_elements[a].Type != GrammarElementType.Alt) break;
            a++;
        }
    }

    /// <summary>
    /// The stacks reached from <paramref name="stack"/> by expanding rule references on top until every top is a
    /// terminal (or the stack is empty): llama.cpp <c>llama_grammar_advance_stack</c>, cached per stack.
    /// </summary>
    private int[] Expanded(int stack)
    {
        if (_expanded[stack] is { } cached) return cached;

        var result = new List<int>();
        _seen.Clear();
        _work.Clear();
        _work.Push(stack);
        while (_work.Count > 0)
        {
            int cur = _work.Pop();
            if (!_seen.Add(cur)) continue;
            if (cur == 0)
            {
                result.Add(0);
                continue;
            }
            int pos = _stackTop[cur];
            var e = _elements[pos];
            if (e.Type != GrammarElementType.RuleRef)
            {
                result.Add(cur);
                continue;
            }
            int rest = Advance(pos + 1, _stackRest[cur]);
            int a = (int)e.Value;
            while (true)
            {
                _work.Push(_elements[a].IsEndOfSequence ? rest : InternStack(a, rest));
                while (!_elements[a].IsEndOfSequence) a++;
                if (_elements[a].Type != GrammarElementType.Alt) break;
                a++;
            }
        }
        int[] expanded = [.. result];
        _expanded[stack] = expanded;
        return expanded;
    }

    private int InternStack(int top, int rest)
    {
        long key = ((long)top << 32) | (uint)rest;
        if (_stackIds.TryGetValue(key, out int id)) return id;
        id = _stackCount++;
        if (id == _stackTop.Length)
        {
            Array.Resize(ref _stackTop, id * 2);
            Array.Resize(ref _stackRest, id * 2);
            Array.Resize(ref _stackDepth, id * 2);
            Array.Resize(ref _expanded, id * 2);
        }
        _stackTop[id] = top;
        _stackRest[id] = rest;
        _stackDepth[id] = _stackDepth[rest] + 1;
        _stackIds.Add(key, id);
        return id;
    }

    private int InternState(List<int> stacks)
    {
        stacks.Sort();
        int n = 0;
        for (int i = 0; i < stacks.Count; i++)
        {
            if (i == 0 || stacks[i] != stacks[i - 1]) stacks[n++] = stacks[i];
        }
        stacks.RemoveRange(n, stacks.Count - n);
        return InternSortedState([.. stacks]);
    }

    private int InternSortedState(int[] sortedStacks)
    {
        if (_stateIds.TryGetValue(sortedStacks, out int id)) return id;
        id = _stateCount++;
        if (id == _states.Length) Array.Resize(ref _states, id * 2);
        _states[id] = CreateState(id, sortedStacks);
        _stateIds.Add(sortedStacks, id);
        return id;
    }

    private StackSet CreateState(int id, int[] stacks)
    {
        var charTops = new List<int>();
        var tokenTops = new List<int>();
        var bounds = new List<uint> { 0 };
        foreach (int stack in stacks)
        {
            if (stack == 0) continue;
            int pos = _stackTop[stack];
            if (_elements[pos].IsTokenElement)
            {
                tokenTops.Add(stack);
                continue;
            }
            charTops.Add(stack);
            do
            {
                var e = _elements[pos];
                if (_elements[pos + 1].Type == GrammarElementType.CharRangeUpper)
                {
                    AddBound(bounds, e.Value, _elements[pos + 1].Value);
                    pos += 2;
                }
                else
                {
                    if (e.Type != GrammarElementType.CharAny) AddBound(bounds, e.Value, e.Value);
                    pos++;
                }
            } while (_elements[pos].Type == GrammarElementType.CharAlt);
        }
        bounds.Sort();
        int n = 0;
        for (int i = 0; i < bounds.Count; i++)
        {
            if (i == 0 || bounds[i] != bounds[i - 1]) bounds[n++] = bounds[i];
        }
        bounds.RemoveRange(n, bounds.Count - n);

        var state = new StackSet(stacks, [.. charTops], [.. tokenTops], [.. bounds]);
        if (id == DeadState || charTops.Count == 0)
        {
            // Nothing matches a character: every transition is dead.
            Array.Fill(state.Next, DeadState);
            Array.Fill(state.AsciiNext, DeadState);
        }
        return state;

        static void AddBound(List<uint> bounds, uint lo, uint hi)
        {
            bounds.Add(lo);
            if (hi != uint.MaxValue) bounds.Add(hi + 1);
        }
    }

    // ---- element matching (llama.cpp llama_grammar_match_char / match_partial_char / match_token)

    private bool MatchChar(int pos, uint cp, out int after)
    {
        bool positive = _elements[pos].Type is GrammarElementType.Char or GrammarElementType.CharAny;
        bool found = false;
        do
        {
            var e = _elements[pos];
            if (_elements[pos + 1].Type == GrammarElementType.CharRangeUpper)
            {
                found |= e.Value <= cp && cp <= _elements[pos + 1].Value;
                pos += 2;
            }
            else
            {
                found |= e.Type == GrammarElementType.CharAny || e.Value == cp;
                pos++;
            }
        } while (_elements[pos].Type == GrammarElementType.CharAlt);
        after = pos;
        return found == positive;
    }

    private bool MatchPartial(int pos, uint low, uint high)
    {
        bool positive = _elements[pos].Type is GrammarElementType.Char or GrammarElementType.CharAny;
        do
        {
            var e = _elements[pos];
            if (_elements[pos + 1].Type == GrammarElementType.CharRangeUpper)
            {
                if (e.Value <= high && low <= _elements[pos + 1].Value) return positive;
                pos += 2;
            }
            else if (e.Type == GrammarElementType.CharAny)
            {
                return true;
            }
            else
            {
                if (low <= e.Value && e.Value <= high) return positive;
                pos++;
            }
        } while (_elements[pos].Type == GrammarElementType.CharAlt);
        return !positive;
    }

    private static bool TokenMatches(GrammarElement e, int token) =>
        e.Type == GrammarElementType.Token ? e.Value == (uint)token : e.Value != (uint)token;

    /// <summary>Interned state data. Transition tables fill in lazily; −1 means not computed yet.</summary>
    internal sealed class StackSet
    {
        public StackSet(int[] stacks, int[] charTopStacks, int[] tokenTopStacks, uint[] bounds)
        {
            Stacks = stacks;
            HasEmptyStack = stacks.Length > 0 && stacks[0] == 0;
            CharTopStacks = charTopStacks;
            TokenTopStacks = tokenTopStacks;
            Bounds = bounds;
            Next = new int[bounds.Length];
            Array.Fill(Next, -1);
            Array.Fill(AsciiNext, -1);
        }

        public readonly int[] Stacks;

        /// <summary>The grammar may end here: end-of-generation tokens are allowed.</summary>
        public readonly bool HasEmptyStack;

        public readonly int[] CharTopStacks;
        public readonly int[] TokenTopStacks;

        /// <summary>Sorted interval starts; <c>Bounds[0] == 0</c>.</summary>
        public readonly uint[] Bounds;

        public readonly int[] Next;
        public readonly int[] AsciiNext = new int[128];
        public CodePointSummary SelfLoops;
        public bool SelfLoopsKnown;
        public int CharacterStacksOnly = -1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int IntervalOf(uint cp)
        {
            int lo = 0, hi = Bounds.Length - 1;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) >> 1;
                if (Bounds[mid] <= cp) lo = mid;
                else hi = mid - 1;
            }
            return lo;
        }
    }

    private sealed class StackIdsComparer : IEqualityComparer<int[]>
    {
        public static readonly StackIdsComparer Instance = new();

        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(int[] ids)
        {
            var hash = new HashCode();
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(ids.AsSpan()));
            return hash.ToHashCode();
        }
    }
}
