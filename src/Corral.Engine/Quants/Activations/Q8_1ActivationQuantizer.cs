using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corral.Engine.Quants;

/// <summary>
/// f32 → Q8_1 as llama.cpp's x86 CPU backend does at run time (engine.md §3.1): the x86 Q8_0 rule plus
/// <c>s = f16(d·Σq)</c> with the unrounded f32 d. Scalar reference and identical vector paths.
/// </summary>
internal static unsafe class Q8_1ActivationQuantizer
{
    public static void QuantizeScalar(float* x, BlockQ8_1* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x += 32, y++)
        {
            float amax = ActivationRounding.AbsMax(x, 32);
            (float d, float id) = Q8_0ActivationQuantizer.Scales(amax);
            int sum = 0;
            for (int j = 0; j < 32; j++)
            {
                int q = ActivationRounding.ConvertToInt32(x[j] * id);
                sum += q;
                y->Qs[j] = ActivationRounding.SaturateToSByte(q);
            }
            y->D = Fp16.FromSingle(d);
            y->S = Fp16.FromSingle(d * sum);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QuantizeAvx2(float* x, BlockQ8_1* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x += 32, y++)
        {
            var v0 = Avx.LoadVector256(x);
            var v1 = Avx.LoadVector256(x + 8);
            var v2 = Avx.LoadVector256(x + 16);
            var v3 = Avx.LoadVector256(x + 24);
            float amax = ActivationRounding.AbsMax(v0, v1, v2, v3);
            (float d, float id) = Q8_0ActivationQuantizer.Scales(amax);
            var mul = Vector256.Create(id);
            var i0 = Avx.ConvertToVector256Int32(Avx.Multiply(v0, mul));
            var i1 = Avx.ConvertToVector256Int32(Avx.Multiply(v1, mul));
            var i2 = Avx.ConvertToVector256Int32(Avx.Multiply(v2, mul));
            var i3 = Avx.ConvertToVector256Int32(Avx.Multiply(v3, mul));
            int sum = Vector256.Sum((i0 + i1) + (i2 + i3));
            y->D = Fp16.FromSingle(d);
            y->S = Fp16.FromSingle(d * sum);
            ActivationRounding.StoreSaturated(i0, i1, i2, i3, y->Qs);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QuantizeAvx512(float* x, BlockQ8_1* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x += 32, y++)
        {
            var v0 = Avx512F.LoadVector512(x);
            var v1 = Avx512F.LoadVector512(x + 16);
            float amax = ActivationRounding.AbsMax(v0, v1);
            (float d, float id) = Q8_0ActivationQuantizer.Scales(amax);
            var mul = Vector512.Create(id);
            var i0 = Avx512F.ConvertToVector512Int32(Avx512F.Multiply(v0, mul));
            var i1 = Avx512F.ConvertToVector512Int32(Avx512F.Multiply(v1, mul));
            int sum = Vector512.Sum(i0 + i1);
            y->D = Fp16.FromSingle(d);
            y->S = Fp16.FromSingle(d * sum);
            Avx512F.ConvertToVector128SByteWithSaturation(i0).Store(y->Qs);
            Avx512F.ConvertToVector128SByteWithSaturation(i1).Store(y->Qs + 16);
        }
    }
}
