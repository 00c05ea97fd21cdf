using Corral.Engine.Gguf;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Engine.Models;

/// <summary>Looks tensors up by name with shape checks and turns them into matrices or f32 vectors.</summary>
public sealed class TensorLoader(GgufFile file)
{
    public GgufFile File => file;

    public bool Has(string name) => file.HasTensor(name);

    public GgufTensorInfo Require(string name) =>
        file.FindTensor(name) ?? throw new ModelLoadException($"missing tensor '{name}'");

    /// <summary>A [cols, rows] matrix; checks the shape when expected sizes are given (−1 = any).</summary>
    public WeightMatrix Matrix(string name, int cols = -1, int rows = -1)
    {
        var t = Require(name);
        CheckShape(t, cols, rows);
        return WeightMatrix.FromTensor(file, t);
    }

    public WeightMatrix? OptionalMatrix(string name, int cols = -1, int rows = -1) => Has(name) ? Matrix(name, cols, rows) : null;

    /// <summary>A 1-D tensor copied to f32 (norm weights, biases, rope factors are small).</summary>
    public float[] Vector(string name, int length = -1)
    {
        var t = Require(name);
        if (length >= 0 && t.ElementCount != length)
            throw new ModelLoadException($"tensor '{name}' has {t.ElementCount} elements, expected {length}");
        return ToFloat(t);
    }

    public float[]? OptionalVector(string name, int length = -1) => Has(name) ? Vector(name, length) : null;

    private static void CheckShape(GgufTensorInfo t, int cols, int rows)
    {
        if ((cols >= 0 && t.Ne0 != cols) || (rows >= 0 && t.Ne1 != rows) || t.Ne2 != 1 || t.Ne3 != 1)
            throw new ModelLoadException(
                $"tensor '{t.Name}' has shape [{string.Join(", ", t.Shape)}], expected [{(cols < 0 ? "*" : cols)}, {(rows < 0 ? "*" : rows)}]");
    }

    private unsafe float[] ToFloat(GgufTensorInfo t)
    {
        long n = t.ElementCount;
        var result = new float[n];
        byte* p = file.TensorPointer(t);
        if (!Dequantize.CanDecode(t.Type)) throw new UnsupportedTensorTypeException(t.Name, t.Type);
        if (n % GgmlTypeInfo.BlockSize(t.Type) != 0)
            throw new ModelLoadException($"tensor '{t.Name}' has {n} elements, not a whole number of {GgmlTypeInfo.Name(t.Type)} blocks");
        Dequantize.Row(t.Type, new ReadOnlySpan<byte>(p, checked((int)t.ByteSize)), result);
        return result;
    }
}
