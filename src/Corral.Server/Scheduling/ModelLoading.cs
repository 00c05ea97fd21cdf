using Microsoft.Extensions.Logging;
using System.Collections.Concurrent;
using Corral.Engine.Inference;
using Corral.Engine.Models;
using Corral.Engine.Tokenizers;
using Corral.Engine.Threading;
using Corral.Store;
using Corral.Server.Http;

namespace Corral.Server.Scheduling;

/// <summary>Turns a stored model plus load options into a <see cref="ModelLoadSpec"/> the scheduler can load.</summary>
public static class ModelLoading
{
    /// <summary>Default per-sequence context when neither request, Modelfile nor OLLAMA_CONTEXT_LENGTH set one (CPU tier).</summary>
    public const int DefaultContextLength = 4096;

    /// <summary>Scratch beyond weights and KV cache (activations, logits), for admission.</summary>
    private const long ScratchBytes = 64L * 1024 * 1024;

    /// <summary>Hyperparameters per blob path (blobs never change), so a request does not re-read the GGUF header.</summary>
    private static readonly ConcurrentDictionary<string, ModelHyperparameters?> s_hyperparameters = new(StringComparer.Ordinal);

    /// <summary>
    /// The load spec for a request (runtime.md §8.3–8.6): <c>num_ctx</c> from the request or Modelfile, else
    /// <c>OLLAMA_CONTEXT_LENGTH</c>, else 4096, clamped to [4, trained context]; <c>OLLAMA_NUM_PARALLEL</c> slots
    /// (1 for embedding models); <c>num_batch</c> when given, else 512 (min(2048, ctx) for embedding models).
    /// </summary>
    public static ModelLoadSpec Spec(CorralServer server, StoredModel model, int? numCtx, int? numBatch, int? numThread)
    {
        var path = model.ModelPath ?? throw ApiException.BadRequest($"model '{model.ShortName}' has no weights layer");
        if (!File.Exists(path)) throw ApiException.NotFound($"model \"{model.ShortName}\" not found, try pulling it first");
        var hp = Hyperparameters(path);
        int trained = hp?.ContextLength is > 0 and var t ? t : int.MaxValue;
        int requested = numCtx is > 0 ? numCtx.Value : server.Config.ContextLength > 0 ? server.Config.ContextLength : DefaultContextLength;
        int ctx = Math.Max(4, Math.Min(requested, trained));
        bool embeddingModel = hp?.PoolingType > 0;
        int parallel = embeddingModel ? 1 : Math.Max(1, server.Config.NumParallel);
        var options = new LoadOptions
        {
            ContextLength = ctx,
            BatchSize = numBatch is > 0 ? numBatch.Value : embeddingModel ? Math.Min(2048, ctx) : 512,
            Threads = numThread is > 0 ? numThread.Value : WorkerPool.DefaultThreadCount(),
            Parallel = parallel,
            KvCacheType = KvCache.ParseType(server.Config.KvCacheType),
            LockMemory = server.Config.LockMemory,
        };
        long fileSize = new FileInfo(path).Length;
        long kv = hp != null
            ? KvCache.EstimateBytes(hp, ctx, parallel, KvCache.EffectiveType(hp, options.KvCacheType))
            : 0;
        return new ModelLoadSpec
        {
            Key = path,
            Name = model.ShortName,
            Options = options,
            EstimatedBytes = fileSize + kv + ScratchBytes,
            Load = o => Load(model, path, o, server.LoggerFactory.CreateLogger("Corral.Scheduler")),
        };
    }

    /// <summary>The model's hyperparameters, or null when the header cannot be read (the load itself then reports why).</summary>
    private static ModelHyperparameters? Hyperparameters(string path)
    {
        if (s_hyperparameters.TryGetValue(path, out var cached)) return cached;
        try
        {
            using var file = Engine.Gguf.GgufFile.Open(path);
            var hp = ModelHyperparameters.Read(file);
            s_hyperparameters[path] = hp;
            return hp;
        }
        catch (Exception e) when (e is ModelLoadException or Engine.Gguf.GgufFormatException or IOException)
        {
            return null;
        }
    }

    public static LoadedModel Load(StoredModel stored, string path, LoadOptions o, ILogger? log = null)
    {
        Model? model = null;
        Task? warmup = null;
        try
        {
            model = Model.Load(path, new ModelLoadOptions { ContextLength = o.ContextLength, LockMemory = o.LockMemory, DeferInterleaving = true });
            if (model.MemoryLockError is { } lockError)
                log?.LogWarning("CORRAL_MLOCK: could not lock {Model} in memory ({Reason}); running unlocked", stored.ShortName, lockError);
            // The kernels compile on the other core while the tokenizer is built.
            var kvCacheType = KvCache.EffectiveType(model.Hyperparameters, o.KvCacheType);
            warmup = KernelWarmup.Start(model, kvCacheType);
            var tokenizer = Tokenizer.FromGguf(model.File);
            var vocab = tokenizer.Vocabulary;
            var runner = new InferenceRunner(model, new RunnerOptions
            {
                ContextLength = o.ContextLength,
                Slots = o.Parallel,
                BatchSize = o.BatchSize,
                Threads = o.Threads,
                KvCacheType = kvCacheType,
                IsEndOfGeneration = vocab.IsEog,
                SuppressTokens = vocab.SuppressTokens.ToArray(),
            });
            warmup.Wait();
            return new LoadedModel
            {
                Key = path,
                Name = stored.ShortName,
                Digest = stored.Digest,
                Model = model,
                Tokenizer = tokenizer,
                Runner = runner,
                Options = o,
                Details = stored.Details,
            };
        }
        catch (Exception e) when (e is ModelLoadException or Engine.Gguf.GgufFormatException or TokenizerException)
        {
            warmup?.Wait(); // it reads the weights: the mapping must outlive it
            model?.Dispose();
            throw ApiException.Internal($"{e.Message}: this model may be incompatible with your version of Corral. If you previously pulled this model, try updating it by running `corral pull {stored.ShortName}`");
        }
        catch
        {
            warmup?.Wait();
            model?.Dispose();
            throw;
        }
    }
}
