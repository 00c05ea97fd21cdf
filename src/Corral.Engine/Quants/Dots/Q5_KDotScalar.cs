namespace Corral.Engine.Quants;

/// <summary>Q5_K reference lanes: as Q4_K, with the fifth bit of group t's values in bit t of <c>qh</c>.</summary>
internal unsafe struct Q5_KLanesScalar : ISuperBlockLanesScalar<BlockQ5_K>
{
    public static void Lanes(byte* block, BlockQ8_K* a, int* lanes, int* mins)
    {
        var x = (BlockQ5_K*)block;
        for (int t = 0; t < 8; t++)
        {
            var (scale, min) = BlockQ4_K.ScaleMin(x->Scales, t);
            byte* q = x->Qs + 32 * (t / 2);
            int shift = 4 * (t & 1);
            for (int k = 0; k < 8; k++)
            {
                int sum = 0;
                for (int i = 4 * k; i < 4 * k + 4; i++)
                    sum += (((q[i] >> shift) & 0xF) + 16 * ((x->Qh[i] >> t) & 1)) * a->Qs[32 * t + i];
                lanes[k] += scale * sum;
            }
            mins[t] = min * (a->BSums[2 * t] + a->BSums[2 * t + 1]);
        }
    }
}

internal sealed class Q5_KDotScalar : SuperBlockDotScalar<BlockQ5_K, Q5_KLanesScalar>
{
    public static readonly Q5_KDotScalar Instance = new();
}
