using Corral.Engine.Gguf;
using Corral.Engine.Tensors;

namespace Corral.Engine.Models;

/// <summary>
/// A 2-D weight in the file's own encoding: <see cref="Rows"/> output rows of <see cref="Cols"/> inputs,
/// each row <see cref="RowBytes"/> long, living in the memory-mapped file (never copied).
/// A fused tensor (phi3's QKV, gate|up) is split into several views over consecutive rows.
/// Matrices of the 32-block formats without minimums also get a row-interleaved copy at load
/// (<see cref="Interleaved"/>, see <see cref="InterleavedWeights"/>), which every product then uses.
/// </summary>
public sealed unsafe class WeightMatrix
{
    public required string Name { get; init; }
    public required GgmlType Type { get; init; }
    public required int Cols { get; init; }
    public required int Rows { get; init; }
    public required byte* Data { get; init; }
    public long RowBytes => GgmlTypeInfo.RowSize(Type, Cols);

    /// <summary>
    /// The rows in <see cref="Quants.Block32X8"/>'s layout once the background builder has published them, or null.
    /// Products of a matrix with a planned copy compute the same bits from either layout; this one is faster.
    /// </summary>
    public byte* Interleaved
    {
        get => (byte*)Volatile.Read(ref _interleaved);
        internal set => Volatile.Write(ref _interleaved, (nint)value);
    }

    private nint _interleaved;

    /// <summary>
    /// True when an interleaved copy of this matrix is planned: its products then use the copy's arithmetic from the first
    /// token on, from the file rows until the copy is published. Other matrices keep the file-layout kernels for good.
    /// </summary>
    public bool InterleavePlanned { get; internal set; }
    public long ByteSize => RowBytes * Rows;

    public static WeightMatrix FromTensor(GgufFile file, GgufTensorInfo t)
    {
        if (t.Shape.Length > 2 && (t.Ne2 != 1 || t.Ne3 != 1))
            throw new ModelLoadException($"tensor '{t.Name}' has shape [{string.Join(", ", t.Shape)}]; a 2-D matrix was expected");
        return new WeightMatrix { Name = t.Name, Type = t.Type, Cols = checked((int)t.Ne0), Rows = checked((int)t.Ne1), Data = file.TensorPointer(t) };
    }

    /// <summary>A view of rows [<paramref name="firstRow"/>, firstRow + <paramref name="rows"/>).</summary>
    public WeightMatrix SliceRows(int firstRow, int rows, string name)
    {
        if (firstRow < 0 || rows < 0 || firstRow + rows > Rows)
            throw new ModelLoadException($"tensor '{Name}' has {Rows} rows; cannot take rows {firstRow}..{firstRow + rows}");
        return new WeightMatrix { Name = name, Type = Type, Cols = Cols, Rows = rows, Data = Data + firstRow * RowBytes };
    }

    public override string ToString() => $"{Name} {GgmlTypeInfo.Name(Type)} [{Cols}, {Rows}]";
}

/// <summary>A model file that cannot be loaded (missing tensor, wrong shape, unsupported type or architecture).</summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string message) : base(message) { }
}
