using System.Runtime.InteropServices;
using Corral.Engine.Kernels;
using Corral.Engine.Models;
using Corral.Engine.Quantization;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Engine.Inference;

/// <summary>
/// Keys and values for every layer of every sequence slot, in f16 by default (llama.cpp's default cache type: values
/// are rounded to f16 on store) or in Q8_0 / Q4_0 (<c>OLLAMA_KV_CACHE_TYPE</c>), one row per cell with the KV heads
/// side by side. Each slot owns <see cref="ContextLength"/> cells and a token's cell index is its position, so
/// attention reads a contiguous range. Native memory keeps the (potentially hundreds of MB) cache out of the GC heap.
/// </summary>
public sealed unsafe class KvCache : IDisposable
{
    private byte* _data;
    private readonly long _layerStride;
    private readonly long _slotStride;
    private readonly QuantizeRow? _quantizer;
    private readonly long _keyHeadBytes, _valueHeadBytes;

    public int Slots { get; }
    public int ContextLength { get; }
    public int Layers { get; }
    public int KeyWidth { get; }
    public int ValueWidth { get; }
    public long ByteSize { get; }

    /// <summary>The cell type: <see cref="GgmlType.F16"/>, <see cref="GgmlType.Q8_0"/> or <see cref="GgmlType.Q4_0"/>.</summary>
    public GgmlType Type { get; }

    public long KeyRowBytes { get; }
    public long ValueRowBytes { get; }

    public KvCache(ModelHyperparameters hp, int contextLength, int slots, GgmlType type = GgmlType.F16)
    {
        EnsureSupported(hp, type);
        Type = type;
        Slots = slots;
        ContextLength = contextLength;
        Layers = hp.BlockCount;
        KeyWidth = hp.EmbeddingLengthKv;
        ValueWidth = hp.EmbeddingLengthKvV;
        KeyRowBytes = GgmlTypeInfo.RowSize(type, KeyWidth);
        ValueRowBytes = GgmlTypeInfo.RowSize(type, ValueWidth);
        _keyHeadBytes = GgmlTypeInfo.RowSize(type, hp.HeadDimK);
        _valueHeadBytes = GgmlTypeInfo.RowSize(type, hp.HeadDimV);
        _layerStride = (long)contextLength * (KeyRowBytes + ValueRowBytes);
        _slotStride = _layerStride * Layers;
        ByteSize = _slotStride * slots;
        _data = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(ByteSize, 64), 64);
        if (type == GgmlType.Q4_0) _quantizer = WeightQuantizer.Get(type);
    }

    /// <summary>Bytes a cache of this shape would take, for memory admission.</summary>
    public static long EstimateBytes(ModelHyperparameters hp, int contextLength, int slots, GgmlType type = GgmlType.F16) =>
        (long)slots * hp.BlockCount * contextLength *
        (GgmlTypeInfo.RowSize(type, hp.EmbeddingLengthKv) + GgmlTypeInfo.RowSize(type, hp.EmbeddingLengthKvV));

    /// <summary>
    /// The cache type for an <c>OLLAMA_KV_CACHE_TYPE</c> value: f16 (also for empty), q8_0 or q4_0. Other values fall back
    /// to f16, as Ollama does for types it does not recognise.
    /// </summary>
    public static GgmlType ParseType(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "q8_0" => GgmlType.Q8_0,
        "q4_0" => GgmlType.Q4_0,
        _ => GgmlType.F16,
    };

    /// <summary>True when <paramref name="type"/> can hold this model's K and V (quantized rows need whole blocks per head).</summary>
    public static bool IsSupported(ModelHyperparameters hp, GgmlType type) => type switch
    {
        GgmlType.F16 => true,
        GgmlType.Q8_0 or GgmlType.Q4_0 => hp.HeadDimK % 32 == 0 && hp.HeadDimV % 32 == 0,
        _ => false,
    };

    /// <summary>The cell type a cache for this model gets when <paramref name="requested"/> is asked for: it, or f16 where it cannot hold the heads.</summary>
    public static GgmlType EffectiveType(ModelHyperparameters hp, GgmlType requested) => IsSupported(hp, requested) ? requested : GgmlType.F16;

    private static void EnsureSupported(ModelHyperparameters hp, GgmlType type)
    {
        if (!IsSupported(hp, type))
            throw new ModelLoadException($"KV cache type {GgmlTypeInfo.Name(type)} needs head sizes that are multiples of 32; this model's are {hp.HeadDimK} and {hp.HeadDimV}");
    }

    /// <summary>Key cells of (slot, layer), as attention reads them.</summary>
    public KvRows KeyRows(int slot, int layer) =>
        new(Type, _data + slot * _slotStride + layer * _layerStride, KeyRowBytes, _keyHeadBytes);

    /// <summary>Value cells of (slot, layer).</summary>
    public KvRows ValueRows(int slot, int layer) =>
        new(Type, _data + slot * _slotStride + layer * _layerStride + ContextLength * KeyRowBytes, ValueRowBytes, _valueHeadBytes);

    /// <summary>Stores one token's K and V (f32) at (slot, layer, cell), converted to the cache type.</summary>
    public void Store(int slot, int layer, int cell, float* k, float* v)
    {
        byte* layerBase = _data + slot * _slotStride + layer * _layerStride;
        StoreRow(k, layerBase + cell * KeyRowBytes, KeyWidth);
        StoreRow(v, layerBase + ContextLength * KeyRowBytes + cell * ValueRowBytes, ValueWidth);
    }

    private void StoreRow(float* x, byte* dst, int n)
    {
        switch (Type)
        {
            case GgmlType.F16:
                Fp16.FromSingle(x, (ushort*)dst, n, CpuIsa.Current);
                break;
            case GgmlType.Q8_0:
                // llama.cpp's CPU copy into a q8_0 cache uses the type's from_float, the same x86 quantizer as activations.
                ActivationQuantizer.QuantizeRow(GgmlType.Q8_0, x, dst, n, CpuIsa.Current);
                break;
            default:
                // q4_0's from_float is the reference quantizer.
                _quantizer!(new ReadOnlySpan<float>(x, n), new Span<byte>(dst, (int)GgmlTypeInfo.RowSize(Type, n)));
                break;
        }
    }

    public void Dispose()
    {
        if (_data != null)
        {
            NativeMemory.AlignedFree(_data);
            _data = null;
        }
    }
}
