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

    public static ModelLoadSpec Spec(CorralServer server, StoredModel model, int? numCtx, int? numBatch, int? numThread)
    {
        var path = model.ModelPath ?? throw ApiException.BadRequest($"model '{model.ShortName}' has no weights layer");
        if (!File.Exists(path)) throw ApiException.NotFound($"model \"{model.ShortName}\" not found, try pulling it first");
        var summary = server.Store.HeaderSummary(model.Manifest.Layers.First(l => l.MediaType == Store.MediaTypes.Model).Digest);
        int trained = summary?.ContextLength is > 0 and var t ? (int)Math.Min(t, int.MaxValue) : int.MaxValue;
        int requested = numCtx is > 0 ? numCtx.Value : server.Config.ContextLength > 0 ? server.Config.ContextLength : DefaultContextLength;
        int ctx = Math.Max(4, Math.Min(requested, trained));
        int parallel = Math.Max(1, server.Config.NumParallel);
        var options = new LoadOptions
        {
            ContextLength = ctx,
            BatchSize = numBatch is > 0 ? numBatch.Value : 512,
            Threads = numThread is > 0 ? numThread.Value : WorkerPool.DefaultThreadCount(),
            Parallel = parallel,
            KvCacheType = KvCache.ParseType(server.Config.KvCacheType),
        };
        long fileSize = new FileInfo(path).Length;
        long kv = EstimateKv(path, ctx, parallel, options.KvCacheType);
        return new ModelLoadSpec
        {
            Key = path,
            Name = model.ShortName,
            Options = options,
            EstimatedBytes = fileSize + kv + 64L * 1024 * 1024,
            Load = o => Load(model, path, o),
        };
    }

    private static long EstimateKv(string path, int ctx, int parallel, Engine.Tensors.GgmlType kvType)
    {
        try
        {
            using var file = Engine.Gguf.GgufFile.Open(path);
            var hp = ModelHyperparameters.Read(file);
            return KvCache.EstimateBytes(hp, ctx, parallel, KvCache.IsSupported(hp, kvType) ? kvType : Engine.Tensors.GgmlType.F16);
        }
        catch (Exception e) when (e is ModelLoadException or Engine.Gguf.GgufFormatException)
        {
            return 0; // the load itself reports the problem
        }
    }

    public static LoadedModel Load(StoredModel stored, string path, LoadOptions o)
    {
        Model? model = null;
        try
        {
            model = Model.Load(path, new ModelLoadOptions { ContextLength = o.ContextLength });
            var tokenizer = Tokenizer.FromGguf(model.File);
            var vocab = tokenizer.Vocabulary;
            var runner = new InferenceRunner(model, new RunnerOptions
            {
                ContextLength = o.ContextLength,
                Slots = o.Parallel,
                BatchSize = o.BatchSize,
                Threads = o.Threads,
                KvCacheType = KvCache.IsSupported(model.Hyperparameters, o.KvCacheType) ? o.KvCacheType : Engine.Tensors.GgmlType.F16,
                IsEndOfGeneration = vocab.IsEog,
                SuppressTokens = vocab.SuppressTokens.ToArray(),
            });
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
            model?.Dispose();
            throw ApiException.Internal($"{e.Message}: this model may be incompatible with your version of Corral. If you previously pulled this model, try updating it by running `corral pull {stored.ShortName}`");
        }
        catch
        {
            model?.Dispose();
            throw;
        }
    }
}
