using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corral.Engine.Quants;

/// <summary>
/// f32 → Q8_0 as llama.cpp's x86 CPU backend quantizes activations at run time (engine.md §3.1): per block of 32,
/// <c>d = amax/127</c>, <c>id = amax ≠ 0 ? 127/amax : 0</c> (not 1/d), <c>q = rne(x·id)</c>, store <c>f16(d)</c>.
/// The scalar method is the reference; the vector paths give identical bytes.
/// </summary>
internal static unsafe class Q8_0ActivationQuantizer
{
    public static void QuantizeScalar(float* x, BlockQ8_0* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x += 32, y++)
        {
            float amax = ActivationRounding.AbsMax(x, 32);
            (float d, float id) = Scales(amax);
            y->D = Fp16.FromSingle(d);
            for (int j = 0; j < 32; j++) y->Qs[j] = ActivationRounding.SaturateToSByte(ActivationRounding.ConvertToInt32(x[j] * id));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (float D, float Id) Scales(float amax) => (amax / 127f, amax != 0f ? 127f / amax : 0f);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QuantizeAvx2(float* x, BlockQ8_0* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x += 32, y++)
        {
            var v0 = Avx.LoadVector256(x);
            var v1 = Avx.LoadVector256(x + 8);
            var v2 = Avx.LoadVector256(x + 16);
            var v3 = Avx.LoadVector256(x + 24);
            float amax = ActivationRounding.AbsMax(v0, v1, v2, v3);
            (float d, float id) = Scales(amax);
            y->D = Fp16.FromSingle(d);
            var mul = Vector256.Create(id);
            var i0 = Avx.ConvertToVector256Int32(Avx.Multiply(v0, mul));
            var i1 = Avx.ConvertToVector256Int32(Avx.Multiply(v1, mul));
            var i2 = Avx.ConvertToVector256Int32(Avx.Multiply(v2, mul));
            var i3 = Avx.ConvertToVector256Int32(Avx.Multiply(v3, mul));
            ActivationRounding.StoreSaturated(i0, i1, i2, i3, y->Qs);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QuantizeAvx512(float* x, BlockQ8_0* y, int blocks)
    {
        for (int b = 0; b < blocks; b++, x += 32, y++)
        {
            var v0 = Avx512F.LoadVector512(x);
            var v1 = Avx512F.LoadVector512(x + 16);
            float amax = ActivationRounding.AbsMax(v0, v1);
            (float d, float id) = Scales(amax);
            y->D = Fp16.FromSingle(d);
            var mul = Vector512.Create(id);
            Avx512F.ConvertToVector128SByteWithSaturation(Avx512F.ConvertToVector512Int32(Avx512F.Multiply(v0, mul))).Store(y->Qs);
            Avx512F.ConvertToVector128SByteWithSaturation(Avx512F.ConvertToVector512Int32(Avx512F.Multiply(v1, mul))).Store(y->Qs + 16);
        }
    }
}
