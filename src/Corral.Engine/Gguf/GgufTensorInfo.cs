using Corral.Engine.Tensors;

namespace Corral.Engine.Gguf;

/// <summary>A tensor's header entry: name, shape (ne0 first), element type and where its bytes lie.</summary>
public sealed class GgufTensorInfo
{
    public required string Name { get; init; }

    /// <summary>Shape, innermost (contiguous) dimension first; length = number of dimensions (1..4).</summary>
    public required long[] Shape { get; init; }

    public required GgmlType Type { get; init; }

    /// <summary>Offset of the tensor's bytes relative to the start of the data section.</summary>
    public required long Offset { get; init; }

    /// <summary>Absolute file offset of the tensor's bytes.</summary>
    public long FileOffset { get; init; }

    public int Index { get; init; }

    public long Ne0 => Shape[0];
    public long Ne1 => Shape.Length > 1 ? Shape[1] : 1;
    public long Ne2 => Shape.Length > 2 ? Shape[2] : 1;
    public long Ne3 => Shape.Length > 3 ? Shape[3] : 1;

    public long ElementCount => Ne0 * Ne1 * Ne2 * Ne3;

    /// <summary>Number of rows (everything but ne0).</summary>
    public long RowCount => Ne1 * Ne2 * Ne3;

    public long RowBytes => GgmlTypeInfo.RowSize(Type, Ne0);

    public long ByteSize => RowBytes * RowCount;

    public override string ToString() => $"{Name} {GgmlTypeInfo.Name(Type)} [{string.Join(", ", Shape)}]";
}
