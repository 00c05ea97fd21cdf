using System.Runtime.Intrinsics;
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
/// Reference form of a superblock's exact integer sums against Q8_K activations (engine.md §3.1), split into the 8 lanes
/// the vector kernels produce: <paramref name="lanes"/>[k] takes elements 4k..4k+3 of every 32-element run, times their
/// group scales (plus the lane's share of any offset correction); <paramref name="mins"/>[k] the minimum terms of
/// groups 2k and 2k+1 (formats with minimums only).
/// </summary>
internal unsafe interface ISuperBlockLanesScalar<TBlock> where TBlock : struct, ISuperBlock
{
    static abstract void Lanes(byte* block, BlockQ8_K* a, int* lanes, int* mins);
}

/// <summary>The same 8 lanes from one instruction set (AVX2, or AVX-512 folded to 256 bits).</summary>
internal unsafe interface ISuperBlockLanes<TBlock> where TBlock : struct, ISuperBlock
{
    static abstract IsaLevel Isa { get; }

    static abstract Vector256<int> Lanes(byte* block, BlockQ8_K* a, out Vector256<int> mins);
}
