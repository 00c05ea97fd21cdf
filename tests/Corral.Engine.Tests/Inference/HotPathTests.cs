using Corral.Engine.Inference;
using Corral.Engine.Models;
using Corral.Engine.Threading;
using Corral.Testing;

namespace Corral.Engine.Tests.Inference;

/// <summary>Properties of the forward pass that are not numbers: no allocation per token, optional memory locking.</summary>
public class HotPathTests
{
    /// <summary>
    /// Counted on the calling thread (other test threads allocate meanwhile); with one thread it does all the work, with two
    /// it still runs its share of every kernel.
    /// </summary>
    [Theory]
    [InlineData("llama-tiny-Q4_K_M", 1, true)]
    [InlineData("llama-tiny-Q8_0", 1, true)]
    [InlineData("llama-tiny-Q8_0", 2, true)]
    [InlineData("llama-tiny-Q8_0", 2, false)] // the file rows, before the interleaved copies exist
    public void DecodeStepsAllocateNothing(string golden, int threads, bool interleaved)
    {
        using var model = Model.Load(GoldenModels.Path(golden), new ModelLoadOptions { ContextLength = 128, DeferInterleaving = !interleaved });
        // A steady state: products switch to the interleaved copies when they are published, which compiles their kernels.
        if (interleaved) model.WaitForInterleavedWeights();
        using var pool = new WorkerPool(threads);
        using var cache = new KvCache(model.Hyperparameters, 128, 2);
        var fp = new ForwardPass(model, cache, pool, 16);
        var logits = new float[2 * model.VocabSize];
        var prompt = Enumerable.Range(0, 12).Select(i => new BatchEntry(1 + i, i, 0, i == 11)).ToArray();
        var step = new BatchEntry[2];
        fp.Evaluate(prompt, logits);
        for (int warm = 0; warm < 3; warm++)
        {
            step[0] = new BatchEntry(5, 12 + warm, 0, true);
            step[1] = new BatchEntry(7, warm, 1, true);
            fp.Evaluate(step, logits);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 3; i < 20; i++)
        {
            step[0] = new BatchEntry(5, 12 + i, 0, true);
            step[1] = new BatchEntry(7, i, 1, true);
            fp.Evaluate(step, logits);
            fp.Evaluate(step.AsSpan(0, 1), logits);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes allocated over 34 decode steps");
    }

    [Fact]
    public void LockingMemoryEitherLocksOrSaysWhy()
    {
        using var model = Model.Load(RepoPaths.SharedFile("models", "stories260K.gguf"), new ModelLoadOptions { ContextLength = 64, LockMemory = true });
        Assert.True(model.MemoryLocked || !string.IsNullOrEmpty(model.MemoryLockError));
        if (!model.MemoryLocked) Assert.Contains("mlock", model.MemoryLockError);
    }
}
