using System.Text;
using Corral.Engine.Gguf;
using Corral.Engine.Tensors;

namespace Corral.Engine.Tests.Quantization;

/// <summary>
/// Explains how two GGUF files differ, for failing bit-exact tests: metadata (order, types, values),
/// tensor infos (order, type, shape, offset), then the first differing byte of each tensor with its block
/// and the block's bytes on both sides.
/// </summary>
internal static class GgufDiff
{
    public static string Describe(string expectedPath, string actualPath, int maxTensors = 5)
    {
        var sb = new StringBuilder();
        using var expected = GgufFile.Open(expectedPath);
        using var actual = GgufFile.Open(actualPath);
        sb.AppendLine($"expected {expectedPath} ({expected.Length} bytes), actual {actualPath} ({actual.Length} bytes)");

        var ek = expected.MetadataList;
        var ak = actual.MetadataList;
        for (int i = 0; i < Math.Max(ek.Count, ak.Count); i++)
        {
            string e = i < ek.Count ? $"{ek[i].Key}:{ek[i].Value.Type}/{ek[i].Value.ElementType}={ek[i].Value}" : "<none>";
            string a = i < ak.Count ? $"{ak[i].Key}:{ak[i].Value.Type}/{ak[i].Value.ElementType}={ak[i].Value}" : "<none>";
            if (e != a) sb.AppendLine($"  kv[{i}]: expected {e}, actual {a}");
        }
        if (expected.DataOffset != actual.DataOffset)
            sb.AppendLine($"  data offset: expected {expected.DataOffset}, actual {actual.DataOffset}");

        int reported = 0;
        for (int i = 0; i < Math.Max(expected.Tensors.Count, actual.Tensors.Count); i++)
        {
            var et = i < expected.Tensors.Count ? expected.Tensors[i] : null;
            var at = i < actual.Tensors.Count ? actual.Tensors[i] : null;
            if (et is null || at is null || et.Name != at.Name || et.Type != at.Type || !et.Shape.SequenceEqual(at.Shape) || et.Offset != at.Offset)
            {
                sb.AppendLine($"  tensor[{i}]: expected {Info(et)}, actual {Info(at)}");
                if (++reported >= maxTensors) break;
                continue;
            }
            var eb = expected.TensorData(et);
            var ab = actual.TensorData(at);
            int diff = eb.CommonPrefixLength(ab);
            if (diff == eb.Length) continue;
            int typeSize = GgmlTypeInfo.TypeSize(et.Type);
            int block = diff / typeSize;
            long blocksPerRow = et.Ne0 / GgmlTypeInfo.BlockSize(et.Type);
            int differing = 0;
            for (int b = 0; b < eb.Length / typeSize; b++)
                if (!eb.Slice(b * typeSize, typeSize).SequenceEqual(ab.Slice(b * typeSize, typeSize))) differing++;
            sb.AppendLine($"  tensor[{i}] {Info(et)}: first difference at data byte {diff} = block {block} " +
                $"(row {block / blocksPerRow}, block {block % blocksPerRow} of the row), byte {diff % typeSize} of the block; " +
                $"{differing} of {eb.Length / typeSize} blocks differ");
            sb.AppendLine($"    expected block: {Convert.ToHexString(eb.Slice(block * typeSize, typeSize))}");
            sb.AppendLine($"    actual block:   {Convert.ToHexString(ab.Slice(block * typeSize, typeSize))}");
            if (++reported >= maxTensors) break;
        }
        if (reported == 0 && expected.Length != actual.Length)
            sb.AppendLine("  tensors agree; the files differ in length (padding?)");
        return sb.ToString();
    }

    private static string Info(GgufTensorInfo? t) =>
        t is null ? "<none>" : $"{t.Name} {GgmlTypeInfo.Name(t.Type)} [{string.Join(", ", t.Shape)}] @{t.Offset}";
}
