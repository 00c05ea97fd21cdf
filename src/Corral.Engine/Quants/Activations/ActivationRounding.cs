using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corral.Engine.Quants;

/// <summary>
/// The pieces the activation quantizers share, written so scalar and vector code agree bit for bit:
/// NaN inputs never win a max (as <c>maxps</c> with the running max second), and f32 → int conversion
/// follows <c>cvtps2dq</c> (round to nearest even; NaN and out-of-range give int.MinValue) followed by
/// signed saturation to int8 (<c>packsswb</c> / <c>vpmovsdb</c>).
/// </summary>
internal static unsafe class ActivationRounding
{
    public static float AbsMax(float* x, int count)
    {
        float amax = 0;
        for (int j = 0; j < count; j++)
        {
            float ax = MathF.Abs(x[j]);
            if (ax > amax) amax = ax;
        }
        return amax;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ConvertToInt32(float r)
    {
        if (!(r >= -2147483648f && r < 2147483648f)) return int.MinValue;
        return (int)MathF.Round(r, MidpointRounding.ToEven);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static sbyte SaturateToSByte(int q) => (sbyte)Math.Clamp(q, -128, 127);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Abs(Vector256<float> v) => Avx.And(v, Vector256.Create(0x7FFFFFFF).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Abs(Vector512<float> v) => v & Vector512.Create(0x7FFFFFFF).AsSingle();

    /// <summary>Largest of eight lanes that hold no NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalMax(Vector256<float> m)
    {
        var h = Sse.Max(m.GetLower(), m.GetUpper());
        h = Sse.Max(h, Sse.MoveHighToLow(h, h));
        h = Sse.MaxScalar(h, Sse.Shuffle(h, h, 1));
        return h.ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AbsMax(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3)
    {
        // The running max is always the second operand, so a NaN lane is skipped like the scalar '>' skips it.
        var m = Avx.Max(Abs(v0), Vector256<float>.Zero);
        m = Avx.Max(Abs(v1), m);
        m = Avx.Max(Abs(v2), m);
        m = Avx.Max(Abs(v3), m);
        return HorizontalMax(m);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AbsMax(Vector512<float> v0, Vector512<float> v1)
    {
        var m = Avx512F.Max(Abs(v0), Vector512<float>.Zero);
        m = Avx512F.Max(Abs(v1), m);
        return HorizontalMax(Avx.Max(m.GetLower(), m.GetUpper()));
    }

    /// <summary>Stores 32 int32 lanes as int8 with signed saturation, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreSaturated(Vector256<int> i0, Vector256<int> i1, Vector256<int> i2, Vector256<int> i3, sbyte* destination)
    {
        // packs interleaves 128-bit lanes; one dword permute restores element order.
        var s01 = Avx2.PackSignedSaturate(i0, i1);
        var s23 = Avx2.PackSignedSaturate(i2, i3);
        var b = Avx2.PackSignedSaturate(s01, s23);
        Avx2.PermuteVar8x32(b.AsInt32(), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)).AsSByte().Store(destination);
    }
}
