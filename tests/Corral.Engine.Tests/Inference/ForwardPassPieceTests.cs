using System.Runtime.InteropServices;
using Corral.Engine.Inference;
using Corral.Engine.Models;
using Corral.Engine.Threading;

namespace Corral.Engine.Tests.Inference;

/// <summary>
/// A batch longer than the forward pass's piece runs through the layers piece by piece. Every token must still get the
/// bits it gets when the same tokens arrive in shorter batches (each long enough for the prompt attention flavour), with
/// another sequence's decode tokens in front so that the pieces cut the prompt at odd places.
/// </summary>
public class ForwardPassPieceTests
{
    [Theory]
    [InlineData("stories260K-F32")]
    [InlineData("llama-tiny-Q4_K_M")]
    [InlineData("qwen2-tiny-Q8_0")]
    public void ALongBatchGivesEveryTokenTheBitsOfShorterBatches(string golden)
    {
        using var model = Model.Load(GoldenModels.Path(golden), new ModelLoadOptions { ContextLength = 512 });
        int vocab = model.VocabSize;
        const int promptLength = 300, decodeSlots = 3;
        var prompt = Enumerable.Range(0, promptLength).Select(i => (int)((i * 7919L + 13) % Math.Min(vocab, 500))).ToArray();

        float[] Run(int chunk)
        {
            using var pool = new WorkerPool(2);
            using var cache = new KvCache(model.Hyperparameters, 512, decodeSlots + 1);
            var fp = new ForwardPass(model, cache, pool, 512);
            var scratch = new float[vocab];
            // Each decode slot holds a one-token history, then the prompt goes to the last slot with a decode token of each
            // of the others in front of its first chunk: every row wants logits, so every row is compared.
            for (int s = 0; s < decodeSlots; s++) fp.Evaluate([new BatchEntry(5 + s, 0, s, true)], scratch);
            var logits = new List<float>();
            for (int start = 0; start < promptLength; start += chunk)
            {
                var batch = new List<BatchEntry>();
                if (start == 0)
                    for (int s = 0; s < decodeSlots; s++) batch.Add(new BatchEntry(9 + s, 1, s, true));
                for (int i = start; i < Math.Min(promptLength, start + chunk); i++) batch.Add(new BatchEntry(prompt[i], i, decodeSlots, true));
                var output = new float[batch.Count * vocab];
                fp.Evaluate(batch.ToArray(), output);
                logits.AddRange(output);
            }
            return logits.ToArray();
        }

        var whole = Run(promptLength);   // 303 rows: three pieces inside the forward pass
        var shorter = Run(100);          // 103 + 100 + 100 rows
        Assert.Equal(whole.Length, shorter.Length);
        var a = MemoryMarshal.Cast<float, int>(whole);
        var b = MemoryMarshal.Cast<float, int>(shorter);
        for (int i = 0; i < a.Length; i++)
            Assert.True(a[i] == b[i], $"{golden}: row {i / vocab} logit {i % vocab} differs ({whole[i]:R} vs {shorter[i]:R})");
    }
}
