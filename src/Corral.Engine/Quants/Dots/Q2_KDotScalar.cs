using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>Q2_K superblock sums, reference: <c>Σ_g (sc_g &amp; 15)·Σ q·a</c> and <c>Σ_g (sc_g &gt;&gt; 4)·bsum_g</c>, 16 groups of 16.</summary>
internal unsafe struct Q2_KSumsScalar : ISuperBlockSums<BlockQ2_K>
{
    public static IsaLevel Isa => IsaLevel.Scalar;

    public static int Sums(byte* block, BlockQ8_K* a, out int mins)
    {
        var x = (BlockQ2_K*)block;
        int sumi = 0, summ = 0;
        for (int g = 0; g < 16; g++)
        {
            int sum = 0;
            for (int e = 16 * g; e < 16 * g + 16; e++)
            {
                int h = e / 128, j = e % 128 / 32, l = e % 32;
                sum += ((x->Qs[32 * h + l] >> (2 * j)) & 3) * a->Qs[e];
            }
            sumi += (x->Scales[g] & 0xF) * sum;
            summ += (x->Scales[g] >> 4) * a->BSums[g];
        }
        mins = summ;
        return sumi;
    }
}

internal sealed class Q2_KDotScalar : SuperBlockDot<BlockQ2_K, Q2_KSumsScalar>
{
    public static readonly Q2_KDotScalar Instance = new();
}
