namespace Corral.Engine.Quants;

/// <summary>
/// Q2_K reference lanes: run c adds <c>(sc_g &amp; 15)·Σ q·a</c> per lane with g = 2c + k/4; lane k's minimum term is
/// <c>(sc_2k &gt;&gt; 4)·bsum_2k + (sc_2k+1 &gt;&gt; 4)·bsum_2k+1</c>.
/// </summary>
internal unsafe struct Q2_KLanesScalar : ISuperBlockLanesScalar<BlockQ2_K>
{
    public static void Lanes(byte* block, BlockQ8_K* a, int* lanes, int* mins)
    {
        var x = (BlockQ2_K*)block;
        for (int c = 0; c < 8; c++)
        {
            byte* q = x->Qs + 32 * (c / 4);
            int shift = 2 * (c % 4);
            for (int k = 0; k < 8; k++)
            {
                int sum = 0;
                for (int i = 4 * k; i < 4 * k + 4; i++) sum += ((q[i] >> shift) & 3) * a->Qs[32 * c + i];
                lanes[k] += (x->Scales[2 * c + k / 4] & 0xF) * sum;
            }
        }
        for (int k = 0; k < 8; k++)
            mins[k] = (x->Scales[2 * k] >> 4) * a->BSums[2 * k] + (x->Scales[2 * k + 1] >> 4) * a->BSums[2 * k + 1];
    }
}

internal sealed class Q2_KDotScalar : SuperBlockDotScalar<BlockQ2_K, Q2_KLanesScalar>
{
    public static readonly Q2_KDotScalar Instance = new();
}
