using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>Q6_K superblock sums, reference: <c>Σ_g S_g·Σ (q − 32)·a</c> over 16 groups of 16.</summary>
internal unsafe struct Q6_KSumsScalar : ISuperBlockSums<BlockQ6_K>
{
    public static IsaLevel Isa => IsaLevel.Scalar;

    public static int Sums(byte* block, BlockQ8_K* a, out int mins)
    {
        var x = (BlockQ6_K*)block;
        int sumi = 0;
        for (int g = 0; g < 16; g++)
        {
            int sum = 0;
            for (int e = 16 * g; e < 16 * g + 16; e++) sum += (Value(x, e) - 32) * a->Qs[e];
            sumi += x->Scales[g] * sum;
        }
        mins = 0;
        return sumi;
    }

    // Element e = 128h + 32k + l: low nibble of ql[64h + l] (k = 0), of ql[64h + 32 + l] (k = 1), their high nibbles
    // for k = 2, 3; high two bits at 2k of qh[32h + l].
    private static int Value(BlockQ6_K* x, int e)
    {
        int h = e / 128, k = e % 128 / 32, l = e % 32;
        int low = x->Ql[64 * h + 32 * (k & 1) + l] >> (4 * (k / 2)) & 0xF;
        int high = (x->Qh[32 * h + l] >> (2 * k)) & 3;
        return low | high << 4;
    }
}

internal sealed class Q6_KDotScalar : SuperBlockDot<BlockQ6_K, Q6_KSumsScalar>
{
    public static readonly Q6_KDotScalar Instance = new();
}
