using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>Q5_K superblock sums, reference: as Q4_K with the fifth bit of group t's values in bit t of <c>qh</c>.</summary>
internal unsafe struct Q5_KSumsScalar : ISuperBlockSums<BlockQ5_K>
{
    public static IsaLevel Isa => IsaLevel.Scalar;

    public static int Sums(byte* block, BlockQ8_K* a, out int mins)
    {
        var x = (BlockQ5_K*)block;
        int sumi = 0, summ = 0;
        for (int t = 0; t < 8; t++)
        {
            var (scale, min) = BlockQ4_K.ScaleMin(x->Scales, t);
            byte* q = x->Qs + 32 * (t / 2);
            int shift = 4 * (t & 1);
            int sum = 0;
            for (int l = 0; l < 32; l++)
                sum += (((q[l] >> shift) & 0xF) + 16 * ((x->Qh[l] >> t) & 1)) * a->Qs[32 * t + l];
            sumi += scale * sum;
            summ += min * (a->BSums[2 * t] + a->BSums[2 * t + 1]);
        }
        mins = summ;
        return sumi;
    }
}

internal sealed class Q5_KDotScalar : SuperBlockDot<BlockQ5_K, Q5_KSumsScalar>
{
    public static readonly Q5_KDotScalar Instance = new();
}
