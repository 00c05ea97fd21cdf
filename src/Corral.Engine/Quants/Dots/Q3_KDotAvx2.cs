using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quants;

/// <summary>
/// Q3_K lanes with AVX2: values enter <c>vpmaddubsw</c> as 0..7 (two low bits plus the hmask bit as 4), each
/// 32-element chunk takes its two group scales in one <c>vpmaddwd</c>, and the −4 offset returns as −4·Σ_g S_g·bsum_g.
/// </summary>
internal unsafe struct Q3_KLanesAvx2 : ISuperBlockLanes<BlockQ3_K>
{
    public static IsaLevel Isa => IsaLevel.Avx2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lanes(byte* block, BlockQ8_K* a, out Vector256<int> mins)
    {
        var x = (BlockQ3_K*)block;
        var s16 = Avx2.ConvertToVector256Int16(UnpackScales(x->Scales));
        var offset = Avx2.MultiplyAddAdjacent(Avx.LoadVector256(a->BSums), s16);
        var hm = Avx.LoadVector256(x->HMask);
        var q0 = Avx.LoadVector256(x->Qs);
        var q1 = Avx.LoadVector256(x->Qs + 32);
        var low = Avx2.Permute2x128(s16, s16, 0x00).AsByte();
        var high = Avx2.Permute2x128(s16, s16, 0x11).AsByte();
        var sum = Chunk(q0, hm, a->Qs, low, 0, 0);
        sum = Avx2.Add(sum, Chunk(q0, hm, a->Qs + 32, low, 1, 1));
        sum = Avx2.Add(sum, Chunk(q0, hm, a->Qs + 64, low, 2, 2));
        sum = Avx2.Add(sum, Chunk(q0, hm, a->Qs + 96, low, 3, 3));
        sum = Avx2.Add(sum, Chunk(q1, hm, a->Qs + 128, high, 0, 4));
        sum = Avx2.Add(sum, Chunk(q1, hm, a->Qs + 160, high, 1, 5));
        sum = Avx2.Add(sum, Chunk(q1, hm, a->Qs + 192, high, 2, 6));
        sum = Avx2.Add(sum, Chunk(q1, hm, a->Qs + 224, high, 3, 7));
        mins = default;
        return Avx2.Subtract(sum, Avx2.ShiftLeftLogical(offset, 2));
    }

    // Chunk k = 4h + j: bits 2j of qs[32h..], hmask bit k, groups 2k and 2k+1 (scales j·2, j·2+1 within half h).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Chunk(Vector256<byte> qs, Vector256<byte> hm, sbyte* a, Vector256<byte> halfScales, int j, int k)
    {
        var values = Avx2.Or(KQuantVectors.TwoBits(qs, 2 * j), KQuantVectors.MoveBit(hm, k, 2));
        var products = Avx2.MultiplyAddAdjacent(values, Avx.LoadVector256(a));
        return Avx2.MultiplyAddAdjacent(products, Avx2.Shuffle(halfScales, KQuantVectors.ScalePair(2 * j, 2 * j + 1)).AsInt16());
    }

    /// <summary>The 16 signed 6-bit scales (offset 32 removed) as bytes, word-wise form of <see cref="BlockQ3_K.GroupScale"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<sbyte> UnpackScales(byte* s)
    {
        uint w0 = *(uint*)s, w1 = *(uint*)(s + 4), w2 = *(uint*)(s + 8);
        uint s0 = (w0 & 0x0F0F0F0F) | ((w2 & 0x03030303) << 4);
        uint s1 = (w1 & 0x0F0F0F0F) | (((w2 >> 2) & 0x03030303) << 4);
        uint s2 = ((w0 >> 4) & 0x0F0F0F0F) | (((w2 >> 4) & 0x03030303) << 4);
        uint s3 = ((w1 >> 4) & 0x0F0F0F0F) | (((w2 >> 6) & 0x03030303) << 4);
        return Sse2.Subtract(Vector128.Create(s0, s1, s2, s3).AsSByte(), Vector128.Create((sbyte)32));
    }
}

internal sealed class Q3_KDotAvx2 : SuperBlockDotVector<BlockQ3_K, Q3_KLanesAvx2>
{
    public static readonly Q3_KDotAvx2 Instance = new();
}
