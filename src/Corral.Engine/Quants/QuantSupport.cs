using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Which tensor types Corral can run, checked when a model loads.</summary>
public static class QuantSupport
{
    /// <summary>True when tensors of <paramref name="type"/> can be both decoded and multiplied.</summary>
    public static bool IsSupported(GgmlType type) => Dequantize.CanDecode(type) && RowDotKernels.HasKernel(type);

    /// <summary>Throws <see cref="UnsupportedTensorTypeException"/> naming the tensor when its type cannot be run.</summary>
    public static void EnsureSupported(string tensorName, GgmlType type)
    {
        if (!IsSupported(type)) throw new UnsupportedTensorTypeException(tensorName, type);
    }
}

/// <summary>A model tensor whose type Corral cannot decode or multiply yet. The message is meant for end users.</summary>
public sealed class UnsupportedTensorTypeException : NotSupportedException
{
    public UnsupportedTensorTypeException(string tensorName, GgmlType type)
        : base($"tensor '{tensorName}' has type {GgmlTypeInfo.Name(type)}, which Corral does not support yet")
    {
        TensorName = tensorName;
        Type = type;
    }

    public string TensorName { get; }

    public GgmlType Type { get; }
}
