using System.Diagnostics.CodeAnalysis;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Cold throw paths kept out of the kernels so the hot code stays small.</summary>
internal static class ThrowHelpers
{
    [DoesNotReturn]
    public static void DestinationTooShort(string name) =>
        throw new ArgumentException("destination is shorter than the source", name);

    [DoesNotReturn]
    public static void NotBlockMultiple(GgmlType type, long n) =>
        throw new ArgumentException($"a {GgmlTypeInfo.Name(type)} row needs a multiple of {GgmlTypeInfo.BlockSize(type)} elements, got {n}");

    [DoesNotReturn]
    public static void SourceTooShort(GgmlType type, long n, long have) =>
        throw new ArgumentException($"{n} {GgmlTypeInfo.Name(type)} elements need {GgmlTypeInfo.RowSize(type, n)} bytes, got {have}");

    [DoesNotReturn]
    public static void NoDequantizer(GgmlType type) =>
        throw new NotSupportedException($"Corral cannot decode tensor type {GgmlTypeInfo.Name(type)} yet");

    [DoesNotReturn]
    public static void NotAnActivationType(GgmlType type) =>
        throw new ArgumentException($"{GgmlTypeInfo.Name(type)} is not an activation (vec_dot) type; expected F32, F16, BF16, Q8_0, Q8_1 or Q8_K", nameof(type));
}
