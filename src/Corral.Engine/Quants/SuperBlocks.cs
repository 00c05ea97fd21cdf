using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>What the 256-element (K-quant, IQ4_XS) dot kernels need from a weight format: its scale fields.</summary>
internal unsafe interface ISuperBlock
{
    static abstract GgmlType Type { get; }
    static abstract int Size { get; }

    /// <summary>True when the format subtracts per-group minimums (Q2_K, Q4_K, Q5_K).</summary>
    static abstract bool HasMin { get; }

    static abstract ushort ScaleBits(byte* block);
    static abstract ushort MinBits(byte* block);
}

/// <summary>
/// One instruction set's way of forming a superblock's exact integer sums against Q8_K activations (engine.md §3.1):
/// <c>Σ_groups scale·Σ q_w·q_a</c>, and for formats with minimums <c>Σ_groups min·bsum</c>.
/// </summary>
internal unsafe interface ISuperBlockSums<TBlock> where TBlock : struct, ISuperBlock
{
    static abstract IsaLevel Isa { get; }

    static abstract int Sums(byte* block, BlockQ8_K* a, out int mins);
}
