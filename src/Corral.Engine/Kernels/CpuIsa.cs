using System.Runtime.Intrinsics.X86;

namespace Corral.Engine.Kernels;

/// <summary>Instruction-set tiers the kernels are written for.</summary>
public enum IsaLevel
{
    Scalar = 0,
    Avx2 = 1,
    Avx512 = 2,
}

/// <summary>
/// Chooses the kernel tier once per process: the best the CPU supports, lowered by
/// <c>CORRAL_ISA=scalar|avx2|avx512</c> so tests can run every path. Asking for a tier the CPU lacks
/// falls back to the best supported one below it.
/// </summary>
public static class CpuIsa
{
    public const string EnvironmentVariable = "CORRAL_ISA";

    private static IsaLevel? s_override;

    /// <summary>The tier every kernel factory uses.</summary>
    public static IsaLevel Current => s_override ?? Default;

    /// <summary>The tier chosen from hardware and <c>CORRAL_ISA</c>.</summary>
    public static IsaLevel Default { get; } = Resolve(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>The best tier this CPU runs.</summary>
    public static IsaLevel Supported { get; } = Detect();

    public static bool IsSupported(IsaLevel level) => level <= Supported;

    /// <summary>Forces a tier for the current process (tests). Returns a scope that restores the previous one.</summary>
    public static IDisposable Override(IsaLevel level)
    {
        var previous = s_override;
        s_override = level <= Supported ? level : Supported;
        return new Restore(previous);
    }

    private sealed class Restore(IsaLevel? previous) : IDisposable
    {
        public void Dispose() => s_override = previous;
    }

    internal static IsaLevel Resolve(string? requested)
    {
        var supported = Detect();
        IsaLevel wanted = requested?.Trim().ToLowerInvariant() switch
        {
            "scalar" or "generic" or "none" => IsaLevel.Scalar,
            "avx2" => IsaLevel.Avx2,
            "avx512" or "avx-512" => IsaLevel.Avx512,
            _ => supported,
        };
        return wanted <= supported ? wanted : supported;
    }

    private static IsaLevel Detect()
    {
        if (Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512Vbmi.IsSupported && Fma.IsSupported && Avx2.IsSupported)
            return IsaLevel.Avx512;
        if (Avx2.IsSupported && Fma.IsSupported && F16cIsSupported())
            return IsaLevel.Avx2;
        return IsaLevel.Scalar;
    }

    // .NET exposes no F16C class; every AVX2 CPU shipped has it, so AVX2 implies it here.
    private static bool F16cIsSupported() => Avx2.IsSupported;
}
