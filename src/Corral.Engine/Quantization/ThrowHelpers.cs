using System.Diagnostics.CodeAnalysis;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

internal static class ThrowHelpers
{
    [DoesNotReturn]
    public static void DestinationTooShort(long needed, long actual) =>
        throw new ArgumentException($"destination holds {actual} elements or bytes but {needed} are needed", "destination");

    [DoesNotReturn]
    public static void NotWholeBlocks(GgmlType type, int length) =>
        throw new ArgumentException(
            $"{GgmlTypeInfo.Name(type)} quantizes whole blocks of {GgmlTypeInfo.BlockSize(type)} values; the source has {length}", "source");

    /// <summary>Checks that <paramref name="sourceLength"/> is whole blocks and the destination can hold them; returns the block count.</summary>
    public static int CheckBlocks(GgmlType type, int sourceLength, int destinationLength)
    {
        int block = GgmlTypeInfo.BlockSize(type);
        if (sourceLength % block != 0) NotWholeBlocks(type, sourceLength);
        int blocks = sourceLength / block;
        long needed = (long)blocks * GgmlTypeInfo.TypeSize(type);
        if (destinationLength < needed) DestinationTooShort(needed, destinationLength);
        return blocks;
    }
}
