using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>
/// Q4_K lanes with AVX-512BW (folded to 8 lanes: each 256-bit half holds one 32-element run): two 64-element chunks per zmm of nibbles (low nibbles = groups 2c | 2c+2, high
/// nibbles = groups 2c+1 | 2c+3), activations regrouped to match with <c>vshufi64x2</c>.
/// </summary>
internal unsafe struct Q4_KLanesAvx512 : ISuperBlockLanes<BlockQ4_K>
{
    public static IsaLevel Isa => IsaLevel.Avx512;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes(byte* block, BlockQ8_K* a, out Vector256<int> mins)
    {
        var x = (BlockQ4_K*)block;
        var scalesMins = BlockQ4_K.UnpackScalesMinsVector(x->Scales);
        mins = Q4_KLanesAvx2.MinLanes(scalesMins, a);
        var sc = Sse41.ConvertToVector128Int16(scalesMins).ToVector256Unsafe().ToVector512Unsafe();
        var sum = Pair(Avx512BW.LoadVector512(x->Qs), a->Qs, sc, 0);
        sum = Avx512F.Add(sum, Pair(Avx512BW.LoadVector512(x->Qs + 64), a->Qs + 128, sc, 4));
        return Avx2.Add(sum.GetLower(), sum.GetUpper());
    }

    // Chunks c and c+1 (64 qs bytes) against activations 64c..64c+127; groups t0 = 2c .. t0 + 3.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<int> Pair(Vector512<byte> q, sbyte* a, Vector512<short> scales, int t0, Vector512<byte> fifthLow = default, Vector512<byte> fifthHigh = default)
    {
        var (aLow, aHigh) = KQuantVectors.SplitHalves(a);
        var low = Avx512BW.MultiplyAddAdjacent(KQuantVectors.LowNibbles(q) | fifthLow, aLow);
        var high = Avx512BW.MultiplyAddAdjacent(KQuantVectors.HighNibbles(q) | fifthHigh, aHigh);
        return Avx512F.Add(
            Avx512BW.MultiplyAddAdjacent(low, KQuantVectors.Spread32(scales, t0, t0 + 2)),
            Avx512BW.MultiplyAddAdjacent(high, KQuantVectors.Spread32(scales, t0 + 1, t0 + 3)));
    }
}

internal sealed class Q4_KDotAvx512 : SuperBlockDotVector<BlockQ4_K, Q4_KLanesAvx512>
{
    public static readonly Q4_KDotAvx512 Instance = new();
}
