using Corral.Engine.Models;
using Corral.Engine.Tensors;
using Corral.Engine.Threading;

namespace Corral.Engine.Inference;

/// <summary>
/// Compiles the model's hot paths before its first request. The kernels are marked for full optimisation, which the
/// runtime never precompiles (ReadyToRun), so without this the first prompt pays for their JIT compilation. A two-token
/// and a one-token forward pass on a throwaway cache exercise the tiled and matrix–vector products of every weight type,
/// the activation quantizers, norms, RoPE and decode attention. Run it on another core while the tokenizer is built.
/// </summary>
public static class KernelWarmup
{
    /// <summary>Starts the warm-up on a pool thread; wait for the task before the first request (it never faults).</summary>
    public static Task Start(Model model, GgmlType kvCacheType = GgmlType.F16) => Task.Run(() => Run(model, kvCacheType));

    /// <summary>The warm-up itself. Errors are swallowed: a model that cannot run reports that on its first real request.</summary>
    public static void Run(Model model, GgmlType kvCacheType = GgmlType.F16)
    {
        try
        {
            using var pool = new WorkerPool(1);
            using var cache = new KvCache(model.Hyperparameters, 4, 1, KvCache.EffectiveType(model.Hyperparameters, kvCacheType));
            var forward = new ForwardPass(model, cache, pool, 2);
            var logits = new float[2L * model.VocabSize];
            int token = Math.Min(1, model.VocabSize - 1);
            forward.Evaluate([new BatchEntry(token, 0, 0, false), new BatchEntry(token, 1, 0, true)], logits);
            forward.Evaluate([new BatchEntry(token, 2, 0, true)], logits);
        }
        catch (Exception)
        {
            // Best effort only: a model that cannot run reports why on its first real request, with that request's context.
        }
    }
}
