using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Corral.Engine.Sampling;

/// <summary>
/// llama.cpp's default sampler chain (engine.md §7.1), which Ollama uses through llama-server:
/// penalties → top-k → typical → top-p → min-p → temperature → distribution draw. Temperature is applied
/// last, so the filters see the untempered distribution; temperature ≤ 0 is greedy argmax with ties to
/// the lower id. The vocabulary-sized buffers come from a <see cref="SamplerWorkspace"/> (a server slot keeps one for
/// all its requests); sampling a token allocates nothing.
/// </summary>
public sealed class Sampler
{
    private readonly SamplingOptions _o;
    private readonly int _vocab;
    private readonly Mt19937 _rng;
    private readonly int[] _ids;
    private readonly float[] _logits;
    private readonly float[] _work;
    private readonly int[] _history;
    private int _historyCount, _historyHead;
    private readonly int[] _counts;
    private readonly int[]? _suppress;

    public ITokenConstraint? Constraint { get; set; }

    public long Seed { get; }

    public Sampler(int vocabSize, SamplingOptions options, IReadOnlyCollection<int>? suppressTokens = null)
        : this(new SamplerWorkspace(vocabSize), options, suppressTokens)
    {
    }

    /// <summary>A sampler working in <paramref name="workspace"/>'s arrays, which no other live sampler may use.</summary>
    public Sampler(SamplerWorkspace workspace, SamplingOptions options, IReadOnlyCollection<int>? suppressTokens = null)
    {
        int vocabSize = workspace.VocabSize;
        _o = options;
        _vocab = vocabSize;
        Seed = options.Seed < 0 ? Random.Shared.NextInt64(0, uint.MaxValue) : options.Seed;
        _rng = new Mt19937(unchecked((uint)Seed));
        _ids = workspace.Ids;
        _logits = workspace.Logits;
        _work = workspace.Work;
        _history = new int[Math.Max(0, options.RepeatLastN)];
        _counts = workspace.Counts;
        Array.Clear(_counts);
        Array.Clear(_work); // the penalties mark seen tokens in it and expect zeros
        _suppress = suppressTokens is { Count: > 0 } ? suppressTokens.Where(t => (uint)t < (uint)vocabSize).ToArray() : null;
    }

    private bool PenaltiesActive =>
        _o.RepeatLastN != 0 && (_o.RepeatPenalty != 1f || _o.FrequencyPenalty != 0f || _o.PresencePenalty != 0f);

    /// <summary>Adds a token to the repetition window (prompt tokens too, as llama-server does) and advances the constraint for generated ones.</summary>
    public void Accept(int token, bool advanceConstraint)
    {
        if (_history.Length > 0)
        {
            if (_historyCount == _history.Length)
            {
                int old = _history[_historyHead];
                _counts[old]--;
                _history[_historyHead] = token;
                _historyHead = (_historyHead + 1) % _history.Length;
            }
            else
            {
                _history[(_historyHead + _historyCount) % _history.Length] = token;
                _historyCount++;
            }
            if ((uint)token < (uint)_vocab) _counts[token]++;
        }
        if (advanceConstraint) Constraint?.Accept(token);
    }

    /// <summary>Picks the next token from <paramref name="logits"/> (not modified).</summary>
    public int Sample(ReadOnlySpan<float> logits)
    {
        int token = RunChain(logits, applyMask: false);
        if (Constraint != null && !Constraint.IsAllowed(token))
            token = RunChain(logits, applyMask: true);
        return token;
    }

    private int RunChain(ReadOnlySpan<float> input, bool applyMask)
    {
        var l = _logits.AsSpan(0, _vocab);
        input[.._vocab].CopyTo(l);
        if (_suppress != null) foreach (var t in _suppress) l[t] = float.NegativeInfinity;
        if (applyMask) Constraint!.ApplyMask(l);
        if (PenaltiesActive) ApplyPenalties(l);

        if (_o.Temperature <= 0) return ArgMax(l);

        // Candidates: all ids in id order, then filtered in place.
        int n = _vocab;
        for (int i = 0; i < n; i++) _ids[i] = i;
        bool sorted = false;
        if (_o.TopK > 0 && _o.TopK < n)
        {
            n = TopK(l, _o.TopK);
            sorted = true;
        }
        if (_o.TypicalP < 1f)
        {
            if (!sorted) { SortDescending(l, n); sorted = true; }
            n = Typical(l, n, _o.TypicalP);
        }
        if (_o.TopP < 1f)
        {
            if (!sorted) { SortDescending(l, n); sorted = true; }
            n = TopP(l, n, _o.TopP);
        }
        if (_o.MinP > 0f) n = MinP(l, n, _o.MinP, sorted);

        float invT = 1f / _o.Temperature;
        return Draw(l, n, invT);
    }

    private void ApplyPenalties(Span<float> l)
    {
        for (int k = 0; k < _historyCount; k++)
        {
            int tok = _history[(_historyHead + k) % _history.Length];
            int c = _counts[tok];
            if (c <= 0 || _work[tok] == 1f) continue;
            _work[tok] = 1f; // mark: penalise each distinct token once
            float x = l[tok];
            x = x <= 0 ? x * _o.RepeatPenalty : x / _o.RepeatPenalty;
            x -= c * _o.FrequencyPenalty + _o.PresencePenalty;
            l[tok] = x;
        }
        for (int k = 0; k < _historyCount; k++) _work[_history[(_historyHead + k) % _history.Length]] = 0f;
    }

    /// <summary>
    /// The first index of the largest logit, NaNs never winning (but a NaN at 0 is kept, as nothing compares greater):
    /// <see cref="ArgMaxScalar"/>'s answer, eight lanes at a time. Greedy decoding of a 150k vocabulary ran it per token per
    /// sequence on the batch's loop thread, about 0.15 ms each with the scalar loop.
    /// </summary>
    internal static int ArgMax(ReadOnlySpan<float> l)
    {
        if (!Vector256.IsHardwareAccelerated || l.Length < 2 * Vector256<float>.Count || float.IsNaN(l[0])) return ArgMaxScalar(l);
        // Per lane: the largest value seen and its first index (strictly greater replaces, so ties keep the earlier one).
        var bestValues = Vector256.Create(float.NegativeInfinity);
        var bestIndices = Vector256<int>.Zero;
        var indices = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var step = Vector256.Create(Vector256<float>.Count);
        ref float start = ref MemoryMarshal.GetReference(l);
        int i = 0;
        for (; i + Vector256<float>.Count <= l.Length; i += Vector256<float>.Count)
        {
            var values = Vector256.LoadUnsafe(ref start, (nuint)i);
            var greater = Vector256.GreaterThan(values, bestValues);
            bestValues = Vector256.ConditionalSelect(greater, values, bestValues);
            bestIndices = Vector256.ConditionalSelect(greater.AsInt32(), indices, bestIndices);
            indices += step;
        }
        // Lanes hold disjoint index sets: the greatest value wins, a tie goes to the lower index.
        float best = float.NegativeInfinity;
        int at = 0;
        for (int lane = 0; lane < Vector256<float>.Count; lane++)
        {
            float v = bestValues.GetElement(lane);
            int index = bestIndices.GetElement(lane);
            if (v > best || (v == best && index < at)) { best = v; at = index; }
        }
        for (; i < l.Length; i++) if (l[i] > best) { best = l[i]; at = i; }
        // Every value −∞ (or NaN): nothing is greater than element 0.
        return best == float.NegativeInfinity ? 0 : at;
    }

    internal static int ArgMaxScalar(ReadOnlySpan<float> l)
    {
        int best = 0;
        for (int i = 1; i < l.Length; i++) if (l[i] > l[best]) best = i;
        return best;
    }

    /// <summary>Keeps the k largest (ties to the lower id) in _ids[0..k), sorted descending.</summary>
    private int TopK(ReadOnlySpan<float> l, int k)
    {
        // Min-heap of the best k seen so far; root = worst kept.
        var heap = _ids.AsSpan(0, k);
        for (int i = 0; i < k; i++) heap[i] = i;
        for (int i = k / 2 - 1; i >= 0; i--) SiftDown(heap, l, i);
        for (int i = k; i < l.Length; i++)
        {
            if (Better(l, i, heap[0]))
            {
                heap[0] = i;
                SiftDown(heap, l, 0);
            }
        }
        SortDescending(l, k);
        return k;
    }

    private static bool Better(ReadOnlySpan<float> l, int a, int b) => l[a] > l[b] || (l[a] == l[b] && a < b);

    private static void SiftDown(Span<int> heap, ReadOnlySpan<float> l, int i)
    {
        int n = heap.Length;
        while (true)
        {
            int left = 2 * i + 1, right = left + 1, worst = i;
            if (left < n && Better(l, heap[worst], heap[left])) worst = left;
            if (right < n && Better(l, heap[worst], heap[right])) worst = right;
            if (worst == i) return;
            (heap[i], heap[worst]) = (heap[worst], heap[i]);
            i = worst;
        }
    }

    private void SortDescending(ReadOnlySpan<float> l, int n)
    {
        var keys = _work.AsSpan(0, n);
        var ids = _ids.AsSpan(0, n);
        for (int i = 0; i < n; i++) keys[i] = -l[ids[i]];
        keys.Sort(ids);
        // Stable order for exact ties: lower id first.
        int start = 0;
        for (int i = 1; i <= n; i++)
        {
            if (i == n || keys[i] != keys[start])
            {
                if (i - start > 1) ids[start..i].Sort();
                start = i;
            }
        }
        keys.Clear();
    }

    /// <summary>Softmax over the first n candidates into _work (float exp, float sum), as llama.cpp's filters compute it.</summary>
    private float SoftmaxInto(ReadOnlySpan<float> l, int n, float max)
    {
        float sum = 0;
        for (int i = 0; i < n; i++)
        {
            float p = MathF.Exp(l[_ids[i]] - max);
            _work[i] = p;
            sum += p;
        }
        return sum;
    }

    private int TopP(ReadOnlySpan<float> l, int n, float p)
    {
        float sum = SoftmaxInto(l, n, l[_ids[0]]);
        float cum = 0;
        int keep = n;
        for (int i = 0; i < n; i++)
        {
            cum += _work[i] / sum;
            if (cum >= p) { keep = i + 1; break; }
        }
        _work.AsSpan(0, n).Clear();
        return Math.Max(1, keep);
    }

    private int Typical(ReadOnlySpan<float> l, int n, float p)
    {
        float sum = SoftmaxInto(l, n, l[_ids[0]]);
        float entropy = 0;
        for (int i = 0; i < n; i++)
        {
            float pi = _work[i] / sum;
            if (pi > 0) entropy += -pi * MathF.Log(pi);
        }
        // Order by |−log p − H| ascending, keep the shortest prefix reaching p.
        var shifted = new (float Score, int Id, float Prob)[n];
        for (int i = 0; i < n; i++)
        {
            float pi = _work[i] / sum;
            shifted[i] = (MathF.Abs(-MathF.Log(pi) - entropy), _ids[i], pi);
        }
        Array.Sort(shifted, (a, b) => a.Score.CompareTo(b.Score));
        float cum = 0;
        int keep = n;
        for (int i = 0; i < n; i++)
        {
            cum += shifted[i].Prob;
            if (cum > p && i + 1 >= 1) { keep = i + 1; break; }
        }
        for (int i = 0; i < keep; i++) _ids[i] = shifted[i].Id;
        _work.AsSpan(0, n).Clear();
        return keep;
    }

    private int MinP(ReadOnlySpan<float> l, int n, float p, bool sorted)
    {
        float max = float.NegativeInfinity;
        for (int i = 0; i < n; i++) max = MathF.Max(max, l[_ids[i]]);
        float threshold = max + MathF.Log(p);
        int kept = 0;
        for (int i = 0; i < n; i++)
            if (l[_ids[i]] >= threshold) _ids[kept++] = _ids[i];
        return Math.Max(1, kept);
    }

    private int Draw(ReadOnlySpan<float> l, int n, float invT)
    {
        float max = float.NegativeInfinity;
        for (int i = 0; i < n; i++) max = MathF.Max(max, l[_ids[i]] * invT);
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float pi = MathF.Exp(l[_ids[i]] * invT - max);
            _work[i] = pi;
            sum += pi;
        }
        double target = sum * _rng.NextDouble();
        double cum = 0;
        int chosen = _ids[n - 1];
        for (int i = 0; i < n; i++)
        {
            cum += _work[i];
            if (cum >= target) { chosen = _ids[i]; break; }
        }
        _work.AsSpan(0, n).Clear();
        return chosen;
    }
}

/// <summary>
/// The vocabulary-sized arrays a <see cref="Sampler"/> works in: 2.4 MB for a 152k vocabulary. A server slot keeps one
/// for all its requests; a new set per request went to the large-object heap, which is collected rarely, so resident
/// memory grew by that much per request until it was.
/// </summary>
public sealed class SamplerWorkspace(int vocabSize)
{
    internal readonly int[] Ids = new int[vocabSize];
    internal readonly float[] Logits = new float[vocabSize];
    internal readonly float[] Work = new float[vocabSize];
    internal readonly int[] Counts = new int[vocabSize];

    public int VocabSize => Ids.Length;
}
