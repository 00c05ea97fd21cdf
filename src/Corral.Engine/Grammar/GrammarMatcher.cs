using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Corral.Engine.Grammar;

/// <summary>
/// Grammar state of one sequence, with llama.cpp's semantics (engine spec §7.1, §8.2).
/// <para>Sampler protocol (rejection first, as <c>common_sampler_sample</c>):</para>
/// <list type="number">
/// <item>sample a token from the unconstrained chain;</item>
/// <item>if <see cref="IsAllowed"/> says yes, keep it; otherwise rebuild the full logits, call
/// <see cref="ApplyMask"/> (rejected tokens become −∞), run the whole chain again and sample again;</item>
/// <item>call <see cref="Accept"/> with the chosen token (end-of-generation tokens included).</item>
/// </list>
/// Matchers made by <see cref="Clone"/> share the grammar's lazily built automaton (a lock serialises them), so
/// clone a warmed matcher rather than building a new one for every sequence of the same grammar.
/// </summary>
public sealed class GrammarMatcher : Sampling.ITokenConstraint
{
    private readonly GrammarAutomaton _automaton;
    private readonly GrammarVocabulary _vocabulary;
    private int _state;
    private PartialUtf8 _partial;

    // Per-matcher scratch, reused across tokens and allocated on first use so that clones are cheap.
    private ulong[]? _scratchMask;
    private uint[] _codePoints = [];
    private int[] _walkNodes = [];
    private int[] _walkStates = [];

    /// <summary>Binds <paramref name="grammar"/> to <paramref name="vocabulary"/>; throws <see cref="GrammarException"/> if a token terminal is not in it.</summary>
    public GrammarMatcher(GbnfGrammar grammar, GrammarVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(vocabulary);
        _vocabulary = vocabulary;
        _automaton = new GrammarAutomaton(grammar, vocabulary);
        _state = _automaton.InitialState;
    }

    private GrammarMatcher(GrammarMatcher other)
    {
        _automaton = other._automaton;
        _vocabulary = other._vocabulary;
        _state = other._state;
        _partial = other._partial;
    }

    /// <summary>The vocabulary this matcher constrains.</summary>
    public GrammarVocabulary Vocabulary => _vocabulary;

    /// <summary>
    /// The grammar may end here: end-of-generation tokens are allowed. Unlike llama.cpp, not while the last token
    /// left a UTF-8 sequence open, so a finished output is always valid UTF-8.
    /// </summary>
    public bool CanEnd => _automaton.State(_state).HasEmptyStack && _partial.Remaining == 0;

    /// <summary>An independent copy of the current state (for another sequence), sharing the automaton.</summary>
    public GrammarMatcher Clone() => new(this);

    /// <summary>Back to the state before any token.</summary>
    public void Reset()
    {
        _state = _automaton.InitialState;
        _partial = PartialUtf8.None;
    }

    /// <summary>Whether the grammar allows <paramref name="token"/> next: the fast check of the sampled token.</summary>
    public bool IsAllowed(int token)
    {
        var kind = KindOf(token);
        if (kind == GrammarVocabulary.TokenKind.EndOfGeneration) return CanEnd;
        if (kind == GrammarVocabulary.TokenKind.Never) return false;
        lock (_automaton.Gate)
        {
            if (!TryDecode(token, kind, out var codePoints, out var end)) return false;
            return Allows(_state, token, codePoints, end);
        }
    }

    /// <summary>
    /// Advances the state by <paramref name="token"/>. Throws <see cref="GrammarException"/> (leaving the state
    /// unchanged) if the grammar does not allow it. An end-of-generation token where the grammar may end changes nothing.
    /// </summary>
    public void Accept(int token)
    {
        var kind = KindOf(token);
        if (kind == GrammarVocabulary.TokenKind.EndOfGeneration)
        {
            if (!CanEnd) throw Rejected(token, "the grammar cannot end here");
            return;
        }
        lock (_automaton.Gate)
        {
            if (kind == GrammarVocabulary.TokenKind.Never || !TryDecode(token, kind, out var codePoints, out var end) || !Allows(_state, token, codePoints, end))
                throw Rejected(token, "the grammar does not allow it here");
            _state = _automaton.AcceptToken(_state, token, codePoints);
            _partial = end;
        }
    }

    /// <summary>
    /// Sets the logit of every token the grammar rejects to −∞ (logits past the vocabulary too).
    /// <paramref name="logits"/> is indexed by token id and must cover the vocabulary.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ApplyMask(Span<float> logits)
    {
        int count = _vocabulary.Count;
        if (logits.Length < count) throw new ArgumentException($"logits hold {logits.Length} values but the vocabulary has {count} tokens", nameof(logits));
        ReadOnlySpan<ulong> allowed = AllowedTokens();

        for (int w = 0; w < allowed.Length; w++)
        {
            ulong word = allowed[w];
            if (word == ulong.MaxValue) continue;
            int baseId = w << 6;
            if (word == 0)
            {
                logits.Slice(baseId, Math.Min(64, count - baseId)).Fill(float.NegativeInfinity);
                continue;
            }
            ulong rejected = ~word;
            while (rejected != 0)
            {
                int id = baseId + BitOperations.TrailingZeroCount(rejected);
                if (id >= count) break;
                logits[id] = float.NegativeInfinity;
                rejected &= rejected - 1;
            }
        }
        if (logits.Length > count) logits[count..].Fill(float.NegativeInfinity);
    }

    /// <summary>
    /// Writes the set of allowed tokens as a bitset (bit <c>t % 64</c> of word <c>t / 64</c>).
    /// <paramref name="allowed"/> must hold at least <c>(Vocabulary.Count + 63) / 64</c> words.
    /// </summary>
    public void FillAllowedTokens(Span<ulong> allowed)
    {
        int words = (_vocabulary.Count + 63) >> 6;
        if (allowed.Length < words) throw new ArgumentException($"the bitset needs {words} words", nameof(allowed));
        AllowedTokens().CopyTo(allowed);
    }

    /// <summary>
    /// The allowed-token bitset of the current state. The set depends only on the automaton state when no UTF-8
    /// sequence is open, so it is cached per state (a string's content keeps one state for many tokens).
    /// </summary>
    private ReadOnlySpan<ulong> AllowedTokens()
    {
        lock (_automaton.Gate)
        {
            if (_partial.Remaining == 0 && _automaton.CachedMask(_state) is { } cached) return cached;
            var allowed = _scratchMask ??= new ulong[(_vocabulary.Count + 63) >> 6];
            ComputeAllowedTokens(allowed);
            return _partial.Remaining == 0 ? _automaton.CacheMask(_state, allowed) : allowed;
        }
    }

    /// <summary>The allowed-token bitset of the current state, computed without the per-state cache (benchmarks).</summary>
    internal void ComputeAllowedTokensUncached(ulong[] allowed)
    {
        lock (_automaton.Gate) ComputeAllowedTokens(allowed);
    }

    private void ComputeAllowedTokens(ulong[] allowed)
    {
        Array.Clear(allowed);
        var state = _automaton.State(_state);
        if (CanEnd) Or(allowed, _vocabulary.EndOfGenerationBits);
        if (_partial.Remaining > 0)
        {
            AllowContinuations(allowed);
            return;
        }
        if (state.TokenTopStacks.Length > 0) AllowTokenTerminals(allowed);
        if (state.CharTopStacks.Length > 0) WalkTrie(allowed);
    }

    /// <summary>
    /// A short printable-ASCII text after which the grammar may end, found best-first (fewest stack entries left,
    /// then fewest characters), or null if a UTF-8 sequence is open or none is found within
    /// <paramref name="maxStates"/> states. For tests and diagnostics: it shows how a generation can still finish.
    /// </summary>
    internal string? CompletionText(int maxStates = 20_000)
    {
        lock (_automaton.Gate)
        {
            if (_partial.Remaining != 0) return null;
            var previous = new Dictionary<int, (int State, char Char, int Distance)> { [_state] = (-1, '\0', 0) };
            var queue = new PriorityQueue<int, (int Depth, int Distance)>();
            queue.Enqueue(_state, (_automaton.MinStackDepth(_state), 0));
            while (queue.Count > 0 && previous.Count < maxStates)
            {
                int state = queue.Dequeue();
                if (_automaton.State(state).HasEmptyStack)
                {
                    var text = new StringBuilder();
                    for (int s = state; previous[s].State >= 0; s = previous[s].State) text.Insert(0, previous[s].Char);
                    return text.ToString();
                }
                int distance = previous[state].Distance + 1;
                for (char c = ' '; c <= '~'; c++)
                {
                    int next = _automaton.Step(state, c);
                    if (next != GrammarAutomaton.DeadState && previous.TryAdd(next, (state, c, distance)))
                        queue.Enqueue(next, (_automaton.MinStackDepth(next), distance));
                }
            }
            return null;
        }
    }

    // ---- single-token check

    private GrammarVocabulary.TokenKind KindOf(int token)
    {
        if ((uint)token >= (uint)_vocabulary.Count) throw new ArgumentOutOfRangeException(nameof(token), $"token {token} is outside the vocabulary of {_vocabulary.Count} tokens");
        return _vocabulary.Kinds[token];
    }

    /// <summary>The code points of <paramref name="token"/> after the current open UTF-8 sequence, if it decodes.</summary>
    private bool TryDecode(int token, GrammarVocabulary.TokenKind kind, out ReadOnlySpan<uint> codePoints, out PartialUtf8 end)
    {
        if (_partial.Remaining == 0)
        {
            codePoints = _vocabulary.CodePointsOf(token);
            end = _vocabulary.EndStates[token];
            return kind == GrammarVocabulary.TokenKind.Text;
        }
        var piece = _vocabulary.Piece(token);
        if (_codePoints.Length < piece.Length + 1) _codePoints = new uint[Math.Max(64, piece.Length * 2)];
        int n = PartialUtf8Decoder.Decode(piece, _partial, _codePoints, out end);
        codePoints = _codePoints.AsSpan(0, n);
        return end.Remaining >= 0 && (n > 0 || end.Remaining > 0);
    }

    private bool Allows(int state, int token, ReadOnlySpan<uint> codePoints, PartialUtf8 end)
    {
        // A token terminal matches a whole token that holds at least one code point (llama.cpp rejects the others).
        if (!codePoints.IsEmpty && _automaton.TokenTerminalMatches(state, token)) return true;

        int s = state;
        for (int i = 0; i < codePoints.Length; i++)
        {
            s = _automaton.Step(s, codePoints[i]);
            if (s == GrammarAutomaton.DeadState) return false;
        }
        if (end.Remaining == 0) return !codePoints.IsEmpty;
        return end.TryGetCodePointRange(out uint low, out uint high) && _automaton.PartialMatches(s, low, high);
    }

    // ---- full mask

    private void AllowTokenTerminals(Span<ulong> allowed)
    {
        int negatedCount = 0;
        uint negated = 0;
        foreach (var e in _automaton.TokenTerminals(_state))
        {
            if (e.Type == GrammarElementType.TokenNot)
            {
                if (negatedCount == 0 || e.Value != negated) negatedCount++;
                negated = e.Value;
            }
        }
        if (negatedCount > 0)
        {
            // !<[x]> allows every token holding a code point except x; two different negations allow them all.
            Or(allowed, _vocabulary.HasCodePointBits);
            if (negatedCount == 1 && negated < (uint)_vocabulary.Count) allowed[(int)(negated >> 6)] &= ~(1UL << (int)negated);
        }
        foreach (var e in _automaton.TokenTerminals(_state))
        {
            if (e.Type == GrammarElementType.Token && e.Value < (uint)_vocabulary.Count && IsSet(_vocabulary.HasCodePointBits, (int)e.Value))
                Set(allowed, (int)e.Value);
        }
    }

    /// <summary>After a token that ended inside a UTF-8 sequence only tokens starting with a continuation byte can follow; check each.</summary>
    private void AllowContinuations(Span<ulong> allowed)
    {
        foreach (int token in _vocabulary.ContinuationFirstTokens)
        {
            if (TryDecode(token, GrammarVocabulary.TokenKind.InvalidAtBoundary, out var codePoints, out var end) && Allows(_state, token, codePoints, end))
                Set(allowed, token);
        }
    }

    /// <summary>
    /// Depth-first walk of the token trie, carrying the automaton state of each prefix. A dead state prunes the
    /// subtree; a child on which the state loops back to itself, with every code point below it also looping back,
    /// is accepted whole without walking it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WalkTrie(Span<ulong> allowed)
    {
        var trie = _vocabulary.Trie;
        uint[] codePoint = trie.CodePoint;
        int[] subtreeEnd = trie.SubtreeEnd;
        int[] completeStart = trie.CompleteStart;
        int[] completeTokens = trie.CompleteTokens;
        var below = trie.Below;

        if (_walkNodes.Length == 0)
        {
            _walkNodes = new int[256];
            _walkStates = new int[256];
        }
        _walkNodes[0] = 0;
        _walkStates[0] = _state;
        int top = 1;
        while (top > 0)
        {
            top--;
            int node = _walkNodes[top];
            int state = _walkStates[top];

            for (int i = completeStart[node], end = completeStart[node + 1]; i < end; i++) Set(allowed, completeTokens[i]);
            AllowPartials(allowed, trie, trie.PartialStart[node], trie.PartialStart[node + 1], state);

            int last = subtreeEnd[node];
            for (int child = node + 1; child < last; child = subtreeEnd[child])
            {
                int next = _automaton.Step(state, codePoint[child]);
                if (next == GrammarAutomaton.DeadState) continue;
                if (next == state && below[child].IsSubsetOf(_automaton.SelfLoops(state)))
                {
                    int childEnd = subtreeEnd[child];
                    for (int i = completeStart[child], end = completeStart[childEnd]; i < end; i++) Set(allowed, completeTokens[i]);
                    AllowPartials(allowed, trie, trie.PartialStart[child], trie.PartialStart[childEnd], state);
                    continue;
                }
                if (top == _walkNodes.Length)
                {
                    Array.Resize(ref _walkNodes, top * 2);
                    Array.Resize(ref _walkStates, top * 2);
                }
                _walkNodes[top] = child;
                _walkStates[top] = next;
                top++;
            }
        }
    }

    private void AllowPartials(Span<ulong> allowed, TokenTrie trie, int from, int to, int state)
    {
        for (int i = from; i < to; i++)
        {
            if (_automaton.PartialMatches(state, trie.PartialLow[i], trie.PartialHigh[i])) Set(allowed, trie.PartialTokens[i]);
        }
    }

    // ---- helpers

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Set(Span<ulong> bits, int id) => bits[id >> 6] |= 1UL << id;

    private static bool IsSet(ReadOnlySpan<ulong> bits, int id) => (bits[id >> 6] & (1UL << id)) != 0;

    private static void Or(Span<ulong> target, ReadOnlySpan<ulong> source)
    {
        for (int i = 0; i < target.Length; i++) target[i] |= source[i];
    }

    private GrammarException Rejected(int token, string why)
    {
        string piece = Encoding.UTF8.GetString(_vocabulary.Piece(token));
        return new GrammarException($"token {token} ({Quote(piece)}) was accepted but {why}");
    }

    private static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (char c in s)
        {
            if (c is '"' or '\\') sb.Append('\\').Append(c);
            else if (char.IsControl(c)) sb.Append($"\\u{(int)c:X4}");
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}
