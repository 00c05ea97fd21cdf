using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Corral.Engine.Quants;

namespace Corral.Engine.Kernels;

/// <summary>Gated FFN activations: SwiGLU (silu(gate)·up) and GEGLU (gelu_tanh(gate)·up) as ggml computes them.</summary>
public static class Activations
{
    /// <summary><c>gate[i] = silu(gate[i]) · up[i]</c>; SIMD exp on full 8-lane vectors, libm expf on the tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SwiGlu(Span<float> gate, ReadOnlySpan<float> up)
    {
        int n = gate.Length;
        int i = 0;
        ref float g = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(gate);
        ref float u = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(up);
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256.Create(1f);
            for (; i + 8 <= n; i += 8)
            {
                var x = Vector256.LoadUnsafe(ref g, (nuint)i);
                var silu = x / (one + ExpApprox.Exp(-x));
                (silu * Vector256.LoadUnsafe(ref u, (nuint)i)).StoreUnsafe(ref g, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float x = gate[i];
            gate[i] = x / (1f + MathF.Exp(-x)) * up[i];
        }
    }

    private static readonly ushort[] s_geluTable = BuildGeluTable();

    private static ushort[] BuildGeluTable()
    {
        var t = new ushort[65536];
        for (int i = 0; i < t.Length; i++)
        {
            float x = Fp16.ToSingle((ushort)i);
            t[i] = Fp16.FromSingle(GeluTanh(x));
        }
        return t;
    }

    private static float GeluTanh(float x)
    {
        const float sqrt2OverPi = 0.79788456080286535587989211986876f;
        const float coef = 0.044715f;
        return 0.5f * x * (1.0f + MathF.Tanh(sqrt2OverPi * x * (1.0f + coef * x * x)));
    }

    /// <summary>GELU through ggml's f16 lookup table (tanh approximation): input and output rounded to f16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Gelu(float x)
    {
        if (x <= -10f) return 0f;
        if (x >= 10f) return x;
        return Fp16.ToSingle(s_geluTable[Fp16.FromSingle(x)]);
    }

    /// <summary><c>gate[i] = gelu(gate[i]) · up[i]</c>.</summary>
    public static void GeGlu(Span<float> gate, ReadOnlySpan<float> up)
    {
        for (int i = 0; i < gate.Length; i++) gate[i] = Gelu(gate[i]) * up[i];
    }

    /// <summary>In-place GELU.</summary>
    public static void Gelu(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++) x[i] = Gelu(x[i]);
    }
}
