using Corral.Engine.Inference;
using Corral.Engine.Models;
using Corral.Engine.Tokenizers;

namespace Corral.Server.Scheduling;

/// <summary>Load-time options; a request whose options differ from a loaded runner's forces a reload (runtime.md §8.4).</summary>
public sealed record LoadOptions
{
    /// <summary>Per-sequence context after clamping to the model's trained context.</summary>
    public int ContextLength { get; init; } = 4096;
    public int BatchSize { get; init; } = 512;
    public int Threads { get; init; }
    /// <summary>Sequence slots decoded together (OLLAMA_NUM_PARALLEL; 1 for embedding models).</summary>
    public int Parallel { get; init; } = 1;

    /// <summary>KV cache cell type (OLLAMA_KV_CACHE_TYPE).</summary>
    public Engine.Tensors.GgmlType KvCacheType { get; init; } = Engine.Tensors.GgmlType.F16;

    /// <summary>Lock the mapped weights in RAM (CORRAL_MLOCK).</summary>
    public bool LockMemory { get; init; }
}

/// <summary>A model resident in memory: weights (mapped), tokenizer and its runner with KV slots.</summary>
public sealed class LoadedModel : IDisposable
{
    public required string Key { get; init; }
    /// <summary>Display-shortest model name for /api/ps.</summary>
    public required string Name { get; init; }
    public required string Digest { get; init; }
    public required Model Model { get; init; }
    public required Tokenizer Tokenizer { get; init; }
    public required InferenceRunner Runner { get; init; }
    public required LoadOptions Options { get; init; }
    public required Store.ModelDetails Details { get; init; }

    private Engine.Grammar.GrammarVocabulary? _grammarVocabulary;

    /// <summary>
    /// Token pieces for grammar-constrained sampling, built on first use (≈0.1 s for a 150k vocabulary) and shared
    /// by every request; concurrent first uses build it once. Control tokens get empty pieces so constrained output
    /// never contains them.
    /// </summary>
    public Engine.Grammar.GrammarVocabulary GrammarVocabulary => LazyInitializer.EnsureInitialized(ref _grammarVocabulary, ref _grammarLock, BuildGrammarVocabulary);

    private object? _grammarLock;

    private Engine.Grammar.GrammarVocabulary BuildGrammarVocabulary()
    {
        var pieces = new byte[Tokenizer.Vocabulary.Count][];
        for (int i = 0; i < pieces.Length; i++) pieces[i] = Tokenizer.TokenToPiece(i, special: false).ToArray();
        return new Engine.Grammar.GrammarVocabulary(pieces, Tokenizer.Vocabulary.EogTokens, s => Tokenizer.Encode(s, addSpecial: false, parseSpecial: true));
    }

    /// <summary>Bytes attributed to the model: mapped weights plus KV cache.</summary>
    public long Size => Model.File.Length + Runner.KvCacheBytes;

    // Scheduler state, guarded by the scheduler's lock.
    internal int RefCount;
    internal TimeSpan KeepAlive;
    internal DateTimeOffset ExpiresAt;
    internal Timer? ExpiryTimer;
    internal bool Unloading;

    /// <summary>When the model unloads if no request comes; while busy, the previous idle expiry (as upstream reports it).</summary>
    public DateTimeOffset Expires => ExpiresAt;

    /// <summary>Requests holding the model right now.</summary>
    public int ActiveRequests => Volatile.Read(ref RefCount);

    public void Dispose()
    {
        ExpiryTimer?.Dispose();
        Runner.Dispose();
        Model.Dispose();
    }
}
