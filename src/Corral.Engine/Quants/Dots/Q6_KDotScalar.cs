namespace Corral.Engine.Quants;

/// <summary>
/// Q6_K reference lanes: values enter unsigned (q + 32, 0..63), run c adds <c>S_g·Σ u·a</c> per lane with g = 2c + k/4,
/// and lane k takes back <c>32·(S_2k·bsum_2k + S_2k+1·bsum_2k+1)</c>, so the lanes total <c>Σ_g S_g·Σ q·a</c>.
/// </summary>
internal unsafe struct Q6_KLanesScalar : ISuperBlockLanesScalar<BlockQ6_K>
{
    public static void Lanes(byte* block, BlockQ8_K* a, int* lanes, int* mins)
    {
        var x = (BlockQ6_K*)block;
        for (int c = 0; c < 8; c++)
        {
            for (int k = 0; k < 8; k++)
            {
                int sum = 0;
                for (int i = 32 * c + 4 * k; i < 32 * c + 4 * k + 4; i++) sum += Unsigned(x, i) * a->Qs[i];
                lanes[k] += x->Scales[2 * c + k / 4] * sum;
            }
        }
        for (int k = 0; k < 8; k++)
            lanes[k] -= 32 * (x->Scales[2 * k] * a->BSums[2 * k] + x->Scales[2 * k + 1] * a->BSums[2 * k + 1]);
    }

    // Element e = 128h + 32j + l: low nibble of ql[64h + l] (j = 0), of ql[64h + 32 + l] (j = 1), their high nibbles
    // for j = 2, 3; high two bits at 2j of qh[32h + l].
    private static int Unsigned(BlockQ6_K* x, int e)
    {
        int h = e / 128, j = e % 128 / 32, l = e % 32;
        int low = x->Ql[64 * h + 32 * (j & 1) + l] >> (4 * (j / 2)) & 0xF;
        int high = (x->Qh[32 * h + l] >> (2 * j)) & 3;
        return low | high << 4;
    }
}

internal sealed class Q6_KDotScalar : SuperBlockDotScalar<BlockQ6_K, Q6_KLanesScalar>
{
    public static readonly Q6_KDotScalar Instance = new();
}
