using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>Q4_K superblock sums, reference: <c>Σ_t sc_t·Σ q·a</c> over 8 groups of 32 and <c>Σ_t mn_t·(bsum_2t + bsum_2t+1)</c>.</summary>
internal unsafe struct Q4_KSumsScalar : ISuperBlockSums<BlockQ4_K>
{
    public static IsaLevel Isa => IsaLevel.Scalar;

    public static int Sums(byte* block, BlockQ8_K* a, out int mins)
    {
        var x = (BlockQ4_K*)block;
        int sumi = 0, summ = 0;
        for (int t = 0; t < 8; t++)
        {
            var (scale, min) = BlockQ4_K.ScaleMin(x->Scales, t);
            byte* q = x->Qs + 32 * (t / 2);
            int shift = 4 * (t & 1);
            int sum = 0;
            for (int l = 0; l < 32; l++) sum += ((q[l] >> shift) & 0xF) * a->Qs[32 * t + l];
            sumi += scale * sum;
            summ += min * (a->BSums[2 * t] + a->BSums[2 * t + 1]);
        }
        mins = summ;
        return sumi;
    }
}

internal sealed class Q4_KDotScalar : SuperBlockDot<BlockQ4_K, Q4_KSumsScalar>
{
    public static readonly Q4_KDotScalar Instance = new();
}
