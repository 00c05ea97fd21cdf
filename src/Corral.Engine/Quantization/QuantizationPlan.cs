using Corral.Engine.Gguf;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>One tensor of the output file: where it comes from and what it becomes.</summary>
public sealed record PlannedTensor(GgufTensorInfo Source, GgufTensorSpec Output)
{
    public string Name => Output.Name;

    /// <summary>True when the bytes are copied unchanged; otherwise the tensor is converted through F32.</summary>
    public bool IsCopy => Source.Type == Output.Type;
}

/// <summary>
/// What llama-quantize would write for a source file and a file type, before any data is touched:
/// the output metadata (input KVs in order, minus split keys, with <c>general.quantization_version</c> and
/// <c>general.file_type</c> re-appended) and every tensor's output type, in llama-quantize's processing
/// order (by block number, then name; engine.md §2.8).
/// </summary>
public sealed class QuantizationPlan
{
    public const uint QuantizationVersion = 2;

    private static readonly HashSet<string> s_droppedKeys = new(StringComparer.Ordinal)
    {
        "general.quantization_version", "general.file_type", "split.no", "split.count", "split.tensors.count",
    };

    public LlamaFileType FileType { get; }

    public IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata { get; }

    /// <summary>Tensors in output (= processing) order.</summary>
    public IReadOnlyList<PlannedTensor> Tensors { get; }

    /// <summary>Tensors whose row length forced a fallback type.</summary>
    public int FallbackCount { get; }

    /// <summary>True when the model has no <c>output.weight</c>, so token_embd doubles as the output projection.</summary>
    public bool TiedEmbeddings { get; }

    public long SourceDataBytes => Tensors.Sum(t => t.Source.ByteSize);

    public long OutputDataBytes => Tensors.Sum(t => t.Output.ByteSize);

    private QuantizationPlan(LlamaFileType fileType, IReadOnlyList<KeyValuePair<string, GgufValue>> metadata,
        IReadOnlyList<PlannedTensor> tensors, int fallbackCount, bool tied)
    {
        FileType = fileType;
        Metadata = metadata;
        Tensors = tensors;
        FallbackCount = fallbackCount;
        TiedEmbeddings = tied;
    }

    /// <summary>Plans the quantization of <paramref name="source"/> to <paramref name="fileType"/>.</summary>
    public static QuantizationPlan Create(GgufFile source, LlamaFileType fileType)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!LlamaFileTypes.IsSupportedTarget(fileType))
            throw new QuantizationException(LlamaFileTypes.UnsupportedMessage(LlamaFileTypes.Name(fileType)));

        var ordered = source.Tensors.ToArray();
        Array.Sort(ordered, CompareProcessingOrder);

        var rules = new TensorTypeRules(fileType, ReadModelShape(source), ordered.Select(t => t.Name));
        var planned = new PlannedTensor[ordered.Length];
        for (int i = 0; i < ordered.Length; i++)
        {
            var t = ordered[i];
            var shape = EffectiveShape(t.Shape);
            var type = rules.Choose(t.Name, t.Ne0, shape.Length, t.Type);
            planned[i] = new PlannedTensor(t, new GgufTensorSpec(t.Name, shape, type));
        }

        var metadata = new List<KeyValuePair<string, GgufValue>>(source.MetadataList.Count + 2);
        foreach (var kv in source.MetadataList)
            if (!s_droppedKeys.Contains(kv.Key)) metadata.Add(kv);
        metadata.Add(new("general.quantization_version", GgufValue.Of(QuantizationVersion)));
        metadata.Add(new("general.file_type", GgufValue.Of((uint)fileType)));

        return new QuantizationPlan(fileType, metadata, planned, rules.FallbackCount, rules.TiedEmbeddings);
    }

    /// <summary>llama_model_loader's weight order: block number (none = −1) first, then the name's bytes.</summary>
    internal static int CompareProcessingOrder(GgufTensorInfo a, GgufTensorInfo b)
    {
        int la = TensorTypeRules.BlockNumber(a.Name), lb = TensorTypeRules.BlockNumber(b.Name);
        return la != lb ? la.CompareTo(lb) : string.CompareOrdinal(a.Name, b.Name);
    }

    /// <summary>ggml_n_dims: trailing dimensions of 1 are dropped (at least one dimension stays).</summary>
    internal static long[] EffectiveShape(long[] shape)
    {
        int n = shape.Length;
        while (n > 1 && shape[n - 1] == 1) n--;
        return shape[..n];
    }

    private static ModelShape ReadModelShape(GgufFile file)
    {
        string arch = file.Architecture;
        int layers = (int)file.GetInt($"{arch}.block_count", 0);
        int heads = FirstInt(file, $"{arch}.attention.head_count", 0);
        int kvHeads = FirstInt(file, $"{arch}.attention.head_count_kv", heads);
        int experts = (int)file.GetInt($"{arch}.expert_count", 0);
        return new ModelShape(arch, layers, heads, kvHeads, experts);
    }

    /// <summary>A per-layer hyper-parameter may be stored as an array; the rules read layer 0.</summary>
    private static int FirstInt(GgufFile file, string key, int fallback)
    {
        var v = file.Get(key);
        if (v is null) return fallback;
        if (v.IsNumeric) return (int)v.AsInt64();
        if (v.IsArray && v.ArrayLength > 0)
        {
            try { return v.AsInt32Array()[0]; }
            catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException) { return fallback; }
        }
        return fallback;
    }
}
