namespace Corral.Engine.Quants;

/// <summary>Q4_K reference lanes: run t (group t, 32 elements) adds <c>sc_t·Σ q·a</c> per lane; lane k's minimum term is <c>mn_k·(bsum_2k + bsum_2k+1)</c>.</summary>
internal unsafe struct Q4_KLanesScalar : ISuperBlockLanesScalar<BlockQ4_K>
{
    public static void Lanes(byte* block, BlockQ8_K* a, int* lanes, int* mins)
    {
        var x = (BlockQ4_K*)block;
        for (int t = 0; t < 8; t++)
        {
            var (scale, min) = BlockQ4_K.ScaleMin(x->Scales, t);
            byte* q = x->Qs + 32 * (t / 2);
            int shift = 4 * (t & 1);
            for (int k = 0; k < 8; k++)
            {
                int sum = 0;
                for (int i = 4 * k; i < 4 * k + 4; i++) sum += ((q[i] >> shift) & 0xF) * a->Qs[32 * t + i];
                lanes[k] += scale * sum;
            }
            mins[t] = min * (a->BSums[2 * t] + a->BSums[2 * t + 1]);
        }
    }
}

internal sealed class Q4_KDotScalar : SuperBlockDotScalar<BlockQ4_K, Q4_KLanesScalar>
{
    public static readonly Q4_KDotScalar Instance = new();
}
