using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>Q3_K superblock sums, reference: <c>Σ_g S_g·Σ q·a</c> over 16 groups of 16, q ∈ −4..3.</summary>
internal unsafe struct Q3_KSumsScalar : ISuperBlockSums<BlockQ3_K>
{
    public static IsaLevel Isa => IsaLevel.Scalar;

    public static int Sums(byte* block, BlockQ8_K* a, out int mins)
    {
        var x = (BlockQ3_K*)block;
        int sumi = 0;
        for (int g = 0; g < 16; g++)
        {
            int sum = 0;
            for (int e = 16 * g; e < 16 * g + 16; e++) sum += Value(x, e) * a->Qs[e];
            sumi += x->GroupScale(g) * sum;
        }
        mins = 0;
        return sumi;
    }

    // Element e = 128h + 32j + l: two bits at 2j of qs[32h + l]; minus 4 unless bit e/32 of hmask[e % 32] is set.
    private static int Value(BlockQ3_K* x, int e)
    {
        int h = e / 128, j = e % 128 / 32, l = e % 32;
        int low = (x->Qs[32 * h + l] >> (2 * j)) & 3;
        return low - (((x->HMask[l] >> (e / 32)) & 1) != 0 ? 0 : 4);
    }
}

internal sealed class Q3_KDotScalar : SuperBlockDot<BlockQ3_K, Q3_KSumsScalar>
{
    public static readonly Q3_KDotScalar Instance = new();
}
