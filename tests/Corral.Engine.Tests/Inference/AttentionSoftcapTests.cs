using Corral.Engine.Kernels;
using Corral.Engine.Quants;

namespace Corral.Engine.Tests.Inference;

/// <summary>
/// Gemma-2's attention soft-cap <c>s = c·tanh(s·(1/c))</c> in both flash-attention flavours. The synthetic
/// gemma2 golden cannot show it (its scores are far below the cap), so it is checked here on scores that
/// the cap visibly bends.
/// </summary>
public unsafe class AttentionSoftcapTests
{
    private const int D = 8;

    /// <summary>Two cells: key 0 scores <c>8·scale</c> (value 0), key 1 scores 0 (value 1); the output is key 1's softmax weight.</summary>
    private static float Run(bool f32Path, float scale, float softcap)
    {
        var q = Enumerable.Repeat(1f, D).ToArray();
        var k = new ushort[2 * D];
        var v = new ushort[2 * D];
        for (int i = 0; i < D; i++)
        {
            k[i] = Fp16.FromSingle(1f);
            k[D + i] = Fp16.FromSingle(0f);
            v[i] = Fp16.FromSingle(0f);
            v[D + i] = Fp16.FromSingle(1f);
        }
        var output = new float[D];
        var shape = new AttentionShape(D, D, 1, scale, softcap);
        var scratch = new float[Attention.ScratchFloats(shape, 1)];
        fixed (ushort* kp = k, vp = v)
        fixed (float* qp = q, op = output, sp = scratch)
        {
            var keys = new KvRows(Corral.Engine.Tensors.GgmlType.F16, (byte*)kp, 2 * D, 2 * D);
            var values = new KvRows(Corral.Engine.Tensors.GgmlType.F16, (byte*)vp, 2 * D, 2 * D);
            int first = 0, last = 1;
            if (f32Path) Attention.PromptBlock(shape, keys, values, 0, 1, qp, D, op, D, &first, &last, sp);
            else Attention.DecodeGroup(shape, keys, values, 0, qp, op, 0, 1, sp);
        }
        Assert.All(output, o => Assert.Equal(output[0], o));
        return output[0];
    }

    private static float WeightOfSecondCell(float score0) => 1f / (1f + MathF.Exp(score0));

    [Theory]
    [InlineData(false, 1f)]
    [InlineData(false, 0.5f)]
    [InlineData(true, 1f)]
    [InlineData(true, 0.5f)]
    public void SoftcapBendsLargeScores(bool f32Path, float scale)
    {
        const float cap = 5f;
        float capped = cap * MathF.Tanh(8f * scale * (1f / cap));
        Assert.Equal(WeightOfSecondCell(capped), Run(f32Path, scale, cap), 2e-4f);
        Assert.Equal(WeightOfSecondCell(8f * scale), Run(f32Path, scale, 0f), 2e-4f);
    }
}
