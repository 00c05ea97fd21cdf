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
        fixed (ushort* kp = k, vp = v)
        {
            if (f32Path) Attention.HeadF32(q, kp, vp, D, D, 0, 1, scale, softcap, output, new float[D]);
            else Attention.HeadF16Accumulate(q, kp, vp, D, D, 0, 1, scale, softcap, output, new float[D], new float[D]);
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
