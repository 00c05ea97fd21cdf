using System.Runtime.Intrinsics;
using Corral.Engine.Kernels;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Engine.Tests.Inference;

/// <summary>
/// The attention kernels against a plain softmax computed in double, the f16 rounding helper against the exact
/// conversion, and the block invariance the batch-invariance guarantee rests on.
/// </summary>
public unsafe class AttentionKernelTests
{
    private const int Dk = 64, Dv = 64, KvHeads = 2, Group = 3, Cells = 150;

    [Fact]
    public void RoundToHalfMatchesTheExactConversion()
    {
        var rng = new Random(3);
        var values = new List<float> { 0f, -0f, 6.1e-5f, 6.0e-5f, 5.96e-8f, 2.98e-8f, 1e-9f, 65504f, 65519f, 65520f, 70000f, -65520f,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1f, -1f, 0.1f, 2047.5f, 2048.5f };
        for (int i = 0; i < 100_000; i++)
        {
            values.Add(BitConverter.Int32BitsToSingle(rng.Next()) * (rng.Next(2) == 0 ? 1 : -1));
            values.Add((float)((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-30, 18))));
        }
        while (values.Count % 8 != 0) values.Add(1f);
        for (int i = 0; i < values.Count; i += 8)
        {
            var v = Vector256.Create(values.GetRange(i, 8).ToArray());
            var r = Attention.RoundToHalf(v);
            for (int j = 0; j < 8; j++)
            {
                float expected = Fp16.ToSingle(Fp16.FromSingle(values[i + j]));
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(r[j]) || (float.IsNaN(expected) && float.IsNaN(r[j])),
                    $"{values[i + j]:R}: {r[j]:R}, expected {expected:R}");
                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(Attention.RoundToHalf(values[i + j])));
            }
        }
    }

    private sealed class Fixture : IDisposable
    {
        public readonly GgmlType Type;
        public readonly byte[] K, V;
        public readonly float[] KFloat, VFloat, Q;
        public readonly long RowBytesK, RowBytesV, HeadBytesK, HeadBytesV;

        public Fixture(GgmlType type, int seed)
        {
            Type = type;
            var rng = new Random(seed);
            RowBytesK = GgmlTypeInfo.RowSize(type, KvHeads * Dk);
            RowBytesV = GgmlTypeInfo.RowSize(type, KvHeads * Dv);
            HeadBytesK = GgmlTypeInfo.RowSize(type, Dk);
            HeadBytesV = GgmlTypeInfo.RowSize(type, Dv);
            K = new byte[Cells * RowBytesK];
            V = new byte[Cells * RowBytesV];
            KFloat = new float[Cells * KvHeads * Dk];
            VFloat = new float[Cells * KvHeads * Dv];
            for (int i = 0; i < KFloat.Length; i++) KFloat[i] = (float)(rng.NextDouble() * 2 - 1);
            for (int i = 0; i < VFloat.Length; i++) VFloat[i] = (float)(rng.NextDouble() * 2 - 1);
            Encode(KFloat, K, KvHeads * Dk);
            Encode(VFloat, V, KvHeads * Dv);
            Q = new float[8 * KvHeads * Group * Dk];
            for (int i = 0; i < Q.Length; i++) Q[i] = (float)(rng.NextDouble() * 2 - 1);
        }

        private void Encode(float[] x, byte[] dst, int width)
        {
            long rowBytes = GgmlTypeInfo.RowSize(Type, width);
            for (int c = 0; c < Cells; c++)
            {
                var src = x.AsSpan(c * width, width);
                var row = dst.AsSpan((int)(c * rowBytes), (int)rowBytes);
                if (Type == GgmlType.F16)
                    for (int i = 0; i < width; i++) BitConverter.TryWriteBytes(row[(2 * i)..], Fp16.FromSingle(src[i]));
                else
                    Corral.Engine.Quantization.WeightQuantizer.Get(Type)(src, row);
                // Keep the decoded values, which both kernel and reference then see.
                Dequantize.Row(Type, row, src);
            }
        }

        public void Dispose() { }
    }

    /// <summary>Softmax(q·k·scale) · v over cells [first, last], all in double.</summary>
    private static double[] Reference(Fixture f, float[] q, int qOffset, int kvHead, int first, int last, float scale)
    {
        var scores = new double[last + 1];
        double max = double.NegativeInfinity;
        for (int j = first; j <= last; j++)
        {
            double s = 0;
            for (int i = 0; i < Dk; i++) s += (double)q[qOffset + i] * f.KFloat[(j * KvHeads + kvHead) * Dk + i];
            scores[j] = s * scale;
            max = Math.Max(max, scores[j]);
        }
        double sum = 0;
        var o = new double[Dv];
        for (int j = first; j <= last; j++)
        {
            double p = Math.Exp(scores[j] - max);
            sum += p;
            for (int i = 0; i < Dv; i++) o[i] += p * f.VFloat[(j * KvHeads + kvHead) * Dv + i];
        }
        for (int i = 0; i < Dv; i++) o[i] /= sum;
        return o;
    }

    [Theory]
    [InlineData(GgmlType.F16, false, 0.02)]
    [InlineData(GgmlType.F16, true, 1e-4)]
    [InlineData(GgmlType.Q8_0, false, 0.03)]
    [InlineData(GgmlType.Q8_0, true, 1e-4)]
    [InlineData(GgmlType.Q4_0, false, 0.03)]
    public void KernelsAgreeWithAPlainSoftmax(GgmlType type, bool promptPath, double tolerance)
    {
        using var f = new Fixture(type, 11);
        var shape = new AttentionShape(Dk, Dv, Group, 1f / MathF.Sqrt(Dk), 0f);
        var scratch = new float[Attention.ScratchFloats(shape, 8)];
        var output = new float[Group * Dv];
        fixed (byte* k = f.K, v = f.V)
        fixed (float* q = f.Q, o = output, sp = scratch)
        {
            var keys = new KvRows(type, k, f.RowBytesK, f.HeadBytesK);
            var values = new KvRows(type, v, f.RowBytesV, f.HeadBytesV);
            foreach (var (first, last) in new[] { (0, 0), (0, 17), (0, Cells - 1), (70, 140) })
            {
                for (int kvHead = 0; kvHead < KvHeads; kvHead++)
                {
                    float* qh = q + kvHead * Group * Dk;
                    if (promptPath) Attention.PromptBlock(shape, keys, values, kvHead, 1, qh, 0, o, 0, &first, &last, sp);
                    else Attention.DecodeGroup(shape, keys, values, kvHead, qh, o, first, last, sp);
                    for (int g = 0; g < Group; g++)
                    {
                        var expected = Reference(f, f.Q, (kvHead * Group + g) * Dk, kvHead, first, last, shape.Scale);
                        for (int i = 0; i < Dv; i++)
                            Assert.True(Math.Abs(expected[i] - output[g * Dv + i]) <= tolerance * (1 + Math.Abs(expected[i])),
                                $"{type} cells {first}..{last} head {kvHead}/{g} [{i}]: {output[g * Dv + i]} vs {expected[i]}");
                    }
                }
            }
        }
    }

    /// <summary>A token's prompt-path result is the same bits whether it is computed alone or inside a block of tokens.</summary>
    [Fact]
    public void PromptBlockResultsDoNotDependOnTheBlock()
    {
        using var f = new Fixture(GgmlType.F16, 5);
        var shape = new AttentionShape(Dk, Dv, Group, 0.125f, 0f);
        var scratch = new float[Attention.ScratchFloats(shape, 8)];
        const int tokens = 6;
        var first = new int[tokens];
        var last = new int[tokens];
        for (int t = 0; t < tokens; t++) { last[t] = 100 + 9 * t; first[t] = t == 3 ? 60 : 0; }
        long qStride = KvHeads * Group * Dk, oStride = KvHeads * Group * Dv;
        var together = new float[tokens * oStride];
        var alone = new float[tokens * oStride];
        fixed (byte* k = f.K, v = f.V)
        fixed (float* q = f.Q, ot = together, oa = alone, sp = scratch)
        fixed (int* pf = first, pl = last)
        {
            var keys = new KvRows(GgmlType.F16, k, f.RowBytesK, f.HeadBytesK);
            var values = new KvRows(GgmlType.F16, v, f.RowBytesV, f.HeadBytesV);
            for (int kvHead = 0; kvHead < KvHeads; kvHead++)
            {
                Attention.PromptBlock(shape, keys, values, kvHead, tokens, q + kvHead * Group * Dk, qStride, ot + kvHead * Group * Dv, oStride, pf, pl, sp);
                for (int t = 0; t < tokens; t++)
                    Attention.PromptBlock(shape, keys, values, kvHead, 1, q + t * qStride + kvHead * Group * Dk, qStride,
                        oa + t * oStride + kvHead * Group * Dv, oStride, pf + t, pl + t, sp);
            }
        }
        Assert.Equal(alone, together);
    }
}
