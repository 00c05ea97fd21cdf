using Corral.Engine.Gguf;
using Corral.Engine.Tensors;
using Corral.Engine.Tests.Quantization;

namespace Corral.Engine.Tests.Models;

/// <summary>
/// Writes a tiny decoder GGUF of any architecture name (32 wide, 4 query heads, 2 KV heads, head size
/// 8, FFN 64, 16-token vocabulary) so load-time rules can be checked without a real model.
/// </summary>
internal sealed class TinyModelFile
{
    public const int Embd = 32, Heads = 4, KvHeads = 2, HeadDim = 8, Ff = 64, Vocab = 16;

    public required string Architecture { get; init; }
    public int Layers { get; init; } = 2;
    public int KeyLength { get; init; } = HeadDim;
    public bool QkNorms { get; init; }
    public bool FusedQkv { get; init; }
    public bool FusedGateUp { get; init; }
    public bool OutputWeight { get; init; } = true;
    public bool OutputBias { get; init; }
    public List<KeyValuePair<string, GgufValue>> Metadata { get; } = [];
    public List<(string Name, long[] Shape)> ExtraTensors { get; } = [];

    /// <summary>Adds <c>{arch}.<paramref name="key"/></c>.</summary>
    public TinyModelFile With(string key, GgufValue value)
    {
        Metadata.Add(new($"{Architecture}.{key}", value));
        return this;
    }

    public TinyModelFile WithTensor(string name, params long[] shape)
    {
        ExtraTensors.Add((name, shape));
        return this;
    }

    public string Write(string path, Func<string, int, float>? value = null)
    {
        string a = Architecture;
        List<KeyValuePair<string, GgufValue>> kvs =
        [
            new("general.architecture", GgufValue.Of(a)),
            new($"{a}.context_length", GgufValue.Of(4096u)),
            new($"{a}.embedding_length", GgufValue.Of((uint)Embd)),
            new($"{a}.block_count", GgufValue.Of((uint)Layers)),
            new($"{a}.feed_forward_length", GgufValue.Of((uint)Ff)),
            new($"{a}.attention.head_count", GgufValue.Of((uint)Heads)),
            new($"{a}.attention.head_count_kv", GgufValue.Of((uint)KvHeads)),
            new($"{a}.attention.key_length", GgufValue.Of((uint)KeyLength)),
            new($"{a}.attention.value_length", GgufValue.Of((uint)KeyLength)),
        ];
        kvs.AddRange(Metadata);
        int q = Heads * KeyLength, kv = KvHeads * KeyLength;
        var tensors = new List<(string Name, long[] Shape, GgmlType Type)>
        {
            ("token_embd.weight", [Embd, Vocab], GgmlType.F32),
            ("output_norm.weight", [Embd], GgmlType.F32),
        };
        if (OutputWeight) tensors.Add(("output.weight", [Embd, Vocab], GgmlType.F32));
        if (OutputBias) tensors.Add(("output.bias", [Vocab], GgmlType.F32));
        for (int i = 0; i < Layers; i++)
        {
            string p = $"blk.{i}.";
            tensors.Add((p + "attn_norm.weight", [Embd], GgmlType.F32));
            if (FusedQkv) tensors.Add((p + "attn_qkv.weight", [Embd, q + 2 * kv], GgmlType.F32));
            else
            {
                tensors.Add((p + "attn_q.weight", [Embd, q], GgmlType.F32));
                tensors.Add((p + "attn_k.weight", [Embd, kv], GgmlType.F32));
                tensors.Add((p + "attn_v.weight", [Embd, kv], GgmlType.F32));
            }
            if (QkNorms)
            {
                tensors.Add((p + "attn_q_norm.weight", [KeyLength], GgmlType.F32));
                tensors.Add((p + "attn_k_norm.weight", [KeyLength], GgmlType.F32));
            }
            tensors.Add((p + "attn_output.weight", [q, Embd], GgmlType.F32));
            tensors.Add((p + "ffn_norm.weight", [Embd], GgmlType.F32));
            if (FusedGateUp) tensors.Add((p + "ffn_up.weight", [Embd, 2 * Ff], GgmlType.F32));
            else
            {
                tensors.Add((p + "ffn_gate.weight", [Embd, Ff], GgmlType.F32));
                tensors.Add((p + "ffn_up.weight", [Embd, Ff], GgmlType.F32));
            }
            tensors.Add((p + "ffn_down.weight", [Ff, Embd], GgmlType.F32));
        }
        tensors.AddRange(ExtraTensors.Select(t => (t.Name, t.Shape, GgmlType.F32)));
        TestGguf.Write(path, kvs, tensors, value ?? ((name, i) => name.Contains("norm", StringComparison.Ordinal) ? 1f : MathF.Sin(i * 0.37f + name.Length) * 0.1f));
        return path;
    }
}
