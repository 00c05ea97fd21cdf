using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Corral.Engine.Kernels;

/// <summary>
/// ggml's vectorised expf (the AVX2+FMA polynomial, engine.md §3.4): used by SiLU and softmax on
/// full vectors, while leftover elements use libm <c>expf</c>. Written with cross-platform vectors so
/// every ISA tier computes identical values.
/// </summary>
public static class ExpApprox
{
    private const float R = 12582912.0f; // 0x1.8p23
    private const float Log2e = 1.44269502f;          // 0x1.715476p+0
    private const float Ln2Hi = 0.693145752f;         // 0x1.62e4p-1
    private const float Ln2Lo = 1.42860677e-06f;      // 0x1.7f7d1cp-20
    private const float C1 = 0.00825279206f;          // 0x1.0e4020p-7
    private const float C2 = 0.0418978706f;           // 0x1.573e2ep-5
    private const float C3 = 0.166666552f;            // 0x1.555e66p-3
    private const float C4 = 0.499998569f;            // 0x1.fffdb6p-2
    private const float C5 = 0.999999642f;            // 0x1.ffffecp-1

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var r = Vector256.Create(R);
        var z = Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2e), r);
        var n = z - r;
        var b = Vector256.FusedMultiplyAdd(-n, Vector256.Create(Ln2Lo), Vector256.FusedMultiplyAdd(-n, Vector256.Create(Ln2Hi), x));
        var e = z.AsUInt32() << 23;
        var k = (e + Vector256.Create(1.0f).AsUInt32()).AsSingle();
        var u = b * b;
        var j = Vector256.FusedMultiplyAdd(
            Vector256.FusedMultiplyAdd(
                Vector256.FusedMultiplyAdd(Vector256.Create(C1), b, Vector256.Create(C2)), u,
                Vector256.FusedMultiplyAdd(Vector256.Create(C3), b, Vector256.Create(C4))),
            u, Vector256.Create(C5) * b);
        var c = Vector256.GreaterThan(Vector256.Abs(n), Vector256.Create(126f));
        if (c == Vector256<float>.Zero)
            return Vector256.FusedMultiplyAdd(j, k, k);
        return Slow(x, n, j, k, c);
    }

    private static Vector256<float> Slow(Vector256<float> x, Vector256<float> n, Vector256<float> j, Vector256<float> k, Vector256<float> c)
    {
        // Out-of-range lanes: fall back to libm per lane (rare: |x| > ~87).
        var fast = Vector256.FusedMultiplyAdd(j, k, k);
        Span<float> result = stackalloc float[8];
        fast.CopyTo(result);
        for (int i = 0; i < 8; i++)
        {
            if (c.GetElement(i) != 0f || BitConverter.SingleToInt32Bits(c.GetElement(i)) != 0)
                result[i] = MathF.Exp(x.GetElement(i));
        }
        return Vector256.Create((ReadOnlySpan<float>)result);
    }
}
