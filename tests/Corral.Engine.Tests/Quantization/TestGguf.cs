using System.Buffers.Binary;
using Corral.Engine.Gguf;
using Corral.Engine.Tensors;

namespace Corral.Engine.Tests.Quantization;

/// <summary>Builds small F32/F16 GGUF models for tests that need a shape the shared models lack.</summary>
internal static class TestGguf
{
    /// <summary>A dense llama-like model: <paramref name="layers"/> blocks of 256-wide tensors, values from a fixed seed.</summary>
    public static void WriteLlama(string path, int layers, bool tied = false, GgmlType weightType = GgmlType.F16,
        int nHead = 8, int nHeadKv = 4, Func<string, int, float>? value = null)
    {
        const int embd = 256, ff = 512, vocab = 64;
        List<KeyValuePair<string, GgufValue>> kvs =
        [
            new("general.architecture", GgufValue.Of("llama")),
            new("general.file_type", GgufValue.Of(weightType == GgmlType.F32 ? 0u : 1u)),
            new("llama.block_count", GgufValue.Of((uint)layers)),
            new("llama.embedding_length", GgufValue.Of((uint)embd)),
            new("llama.attention.head_count", GgufValue.Of((uint)nHead)),
            new("llama.attention.head_count_kv", GgufValue.Of((uint)nHeadKv)),
        ];
        var tensors = new List<(string Name, long[] Shape, GgmlType Type)>
        {
            ("token_embd.weight", [embd, vocab], weightType),
            ("output_norm.weight", [embd], GgmlType.F32),
        };
        if (!tied) tensors.Add(("output.weight", [embd, vocab], weightType));
        for (int i = 0; i < layers; i++)
        {
            tensors.Add(($"blk.{i}.attn_norm.weight", [embd], GgmlType.F32));
            tensors.Add(($"blk.{i}.attn_q.weight", [embd, embd], weightType));
            tensors.Add(($"blk.{i}.attn_k.weight", [embd, embd / 2], weightType));
            tensors.Add(($"blk.{i}.attn_v.weight", [embd, embd / 2], weightType));
            tensors.Add(($"blk.{i}.attn_output.weight", [embd, embd], weightType));
            tensors.Add(($"blk.{i}.ffn_norm.weight", [embd], GgmlType.F32));
            tensors.Add(($"blk.{i}.ffn_gate.weight", [embd, ff], weightType));
            tensors.Add(($"blk.{i}.ffn_up.weight", [embd, ff], weightType));
            tensors.Add(($"blk.{i}.ffn_down.weight", [ff, embd], weightType));
        }
        var rng = new Random(1234);
        value ??= (_, _) => (float)((rng.NextDouble() - 0.5) * 0.1);
        Write(path, kvs, tensors, value);
    }

    /// <summary>Writes F32/F16/BF16 tensors whose element i gets <paramref name="value"/>(name, i).</summary>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, GgufValue>> kvs,
        IReadOnlyList<(string Name, long[] Shape, GgmlType Type)> tensors, Func<string, int, float> value)
    {
        var specs = tensors.Select(t => new GgufTensorSpec(t.Name, t.Shape, t.Type)).ToArray();
        using var fs = File.Create(path);
        using var w = GgufWriter.Create(fs, kvs, specs);
        foreach (var spec in specs)
        {
            int n = (int)(spec.ByteSize / GgmlTypeInfo.TypeSize(spec.Type));
            var bytes = new byte[spec.ByteSize];
            for (int i = 0; i < n; i++)
            {
                float v = value(spec.Name, i);
                switch (spec.Type)
                {
                    case GgmlType.F32: BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), v); break;
                    case GgmlType.F16: BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), (Half)v); break;
                    case GgmlType.BF16: BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)); break;
                    default: throw new NotSupportedException(spec.Type.ToString());
                }
            }
            w.WriteTensorData(bytes);
        }
        w.Complete();
    }
}
