namespace Corral.Engine.Quants;

/// <summary>
/// Q3_K reference lanes: values enter unsigned (q + 4, 0..7), run c adds <c>S_g·Σ u·a</c> per lane with g = 2c + k/4,
/// and lane k takes back <c>4·(S_2k·bsum_2k + S_2k+1·bsum_2k+1)</c>.
/// </summary>
internal unsafe struct Q3_KLanesScalar : ISuperBlockLanesScalar<BlockQ3_K>
{
    public static void Lanes(byte* block, BlockQ8_K* a, int* lanes, int* mins)
    {
        var x = (BlockQ3_K*)block;
        for (int c = 0; c < 8; c++)
        {
            for (int k = 0; k < 8; k++)
            {
                int sum = 0;
                for (int i = 32 * c + 4 * k; i < 32 * c + 4 * k + 4; i++) sum += Unsigned(x, i) * a->Qs[i];
                lanes[k] += x->GroupScale(2 * c + k / 4) * sum;
            }
        }
        for (int k = 0; k < 8; k++)
            lanes[k] -= 4 * (x->GroupScale(2 * k) * a->BSums[2 * k] + x->GroupScale(2 * k + 1) * a->BSums[2 * k + 1]);
    }

    // Element e = 128h + 32j + l: two bits at 2j of qs[32h + l], plus 4 when bit e/32 of hmask[e % 32] is set.
    private static int Unsigned(BlockQ3_K* x, int e)
    {
        int h = e / 128, j = e % 128 / 32, l = e % 32;
        return ((x->Qs[32 * h + l] >> (2 * j)) & 3) | ((x->HMask[l] >> (e / 32)) & 1) << 2;
    }
}

internal sealed class Q3_KDotScalar : SuperBlockDotScalar<BlockQ3_K, Q3_KLanesScalar>
{
    public static readonly Q3_KDotScalar Instance = new();
}
