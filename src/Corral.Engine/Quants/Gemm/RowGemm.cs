using System.Collections.Frozen;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// Weight rows × several activation rows (the matrix–matrix product of prompt processing and batched decode), for one
/// weight type and instruction set. Every output element is bit for bit what <see cref="RowDot"/> of the same type
/// computes for that (row, token) pair: the tiles reuse each decoded weight block for several tokens, but keep each
/// pair's float accumulators and their update order exactly as the matrix–vector kernel's.
/// Get instances from <see cref="RowGemmKernels.For(GgmlType, IsaLevel)"/>.
/// </summary>
public abstract unsafe class RowGemm
{
    public abstract GgmlType WeightType { get; }

    public GgmlType ActivationType => VecDot.TypeFor(WeightType);

    public abstract IsaLevel Isa { get; }

    public virtual bool IsSupported => CpuIsa.IsSupported(Isa);

    public string Name => GetType().Name;

    /// <summary>Bytes of per-product preparation (widened scales, offset corrections) for <paramref name="tokens"/> rows of <paramref name="n"/>.</summary>
    public virtual long PreparedBytes(int n, int tokens) => 0;

    /// <summary>
    /// Prepares activation rows <paramref name="first"/> .. first + <paramref name="count"/> of a set of
    /// <paramref name="tokens"/> rows (in <see cref="ActivationType"/>, <paramref name="aStride"/> bytes apart) into
    /// <paramref name="prepared"/> (<see cref="PreparedBytes"/> for all the tokens, 64-byte aligned). Threads may prepare
    /// disjoint ranges at once when <paramref name="first"/> is a multiple of <see cref="TokenGroup"/>. Afterwards the data
    /// stays read-only while any number of threads run <see cref="DotTile"/>; the activation rows must stay put too.
    /// </summary>
    public virtual void Prepare(byte* a, nint aStride, int tokens, int n, byte* prepared, int first, int count) { }

    /// <summary>Tokens a tile covers; preparation ranges start at multiples of it.</summary>
    public virtual int TokenGroup => 1;

    /// <summary>
    /// <c>y[t·yStride + r] = w_r · a_t</c> for <paramref name="rows"/> weight rows (<paramref name="wStride"/> bytes apart)
    /// and every token t in [0, <paramref name="tokens"/>) of a prepared activation set.
    /// </summary>
    public abstract void DotTile(byte* w, nint wStride, int rows, byte* a, nint aStride, byte* prepared, int tokens, int n,
        float* y, nint yStride);

    public override string ToString() => Name;
}

/// <summary>Picks the <see cref="RowGemm"/> kernel for a weight type once, by instruction-set tier.</summary>
public static class RowGemmKernels
{
    public static RowGemm For(GgmlType weight) => For(weight, CpuIsa.Current);

    /// <summary>
    /// The tiled kernel for <paramref name="weight"/> within <paramref name="isa"/>, or the matrix–vector kernel applied
    /// token by token (<see cref="RowDotGemm"/>) where no tiled kernel exists (the scalar tier, rarer types).
    /// </summary>
    public static RowGemm For(GgmlType weight, IsaLevel isa)
    {
        if (!CpuIsa.IsSupported(isa)) isa = CpuIsa.Supported;
        foreach (var k in Candidates(weight))
            if (k.Isa <= isa && k.IsSupported) return k;
        return new RowDotGemm(RowDotKernels.For(weight, isa));
    }

    /// <summary>Every tiled kernel this CPU runs for <paramref name="weight"/> (tests hold each to the matrix–vector result).</summary>
    public static IReadOnlyList<RowGemm> All(GgmlType weight) =>
        Candidates(weight).Where(k => k.IsSupported).Append(new RowDotGemm(RowDotKernels.For(weight, IsaLevel.Scalar))).ToArray();

    // Fastest first. The 256-bit kernels are the AVX-512 tier's too: with AVX-512 the JIT encodes them with EVEX and
    // 32 vector registers, which the 4-token tiles need; 512-bit byte products lack VNNI in .NET 10.
    private static RowGemm[] Candidates(GgmlType weight) => s_candidates.TryGetValue(weight, out var kernels) ? kernels : [];

    // Built once: callers on the hot path (attention, per-token dispatch) ask per call.
    private static readonly FrozenDictionary<GgmlType, RowGemm[]> s_candidates =
        Enum.GetValues<GgmlType>().Distinct().ToFrozenDictionary(t => t, Build);

    private static RowGemm[] Build(GgmlType weight) => weight switch
    {
        GgmlType.Q8_0 => [Q8_0GemmAvxVnni.Instance, Q8_0GemmAvx2.Instance],
        GgmlType.Q4_0 => [Q4_0GemmAvxVnni.Instance, Q4_0GemmAvx2.Instance],
        GgmlType.Q5_0 => [Q5_0GemmAvxVnni.Instance, Q5_0GemmAvx2.Instance],
        GgmlType.IQ4_NL => [IQ4_NLGemmAvxVnni.Instance, IQ4_NLGemmAvx2.Instance],
        GgmlType.Q4_1 => [Q4_1GemmAvxVnni.Instance, Q4_1GemmAvx2.Instance],
        GgmlType.Q5_1 => [Q5_1GemmAvxVnni.Instance, Q5_1GemmAvx2.Instance],
        GgmlType.Q4_K => [Q4_KGemmAvx2.Instance],
        GgmlType.Q5_K => [Q5_KGemmAvx2.Instance],
        GgmlType.Q6_K => [Q6_KGemmAvx2.Instance],
        GgmlType.F16 => [F16GemmAvx512.Instance, F16GemmAvx2.Instance],
        _ => [],
    };
}

/// <summary>The matrix–vector kernel applied token by token: the reference every tiled kernel matches.</summary>
public sealed unsafe class RowDotGemm(RowDot kernel) : RowGemm
{
    public RowDot Kernel => kernel;
    public override GgmlType WeightType => kernel.WeightType;
    public override IsaLevel Isa => kernel.Isa;
    public override bool IsSupported => kernel.IsSupported;

    public override void DotTile(byte* w, nint wStride, int rows, byte* a, nint aStride, byte* prepared, int tokens, int n,
        float* y, nint yStride)
    {
        for (int t = 0; t < tokens; t++)
            kernel.DotRows(w, wStride, a + t * aStride, y + t * yStride, rows, n);
    }
}
