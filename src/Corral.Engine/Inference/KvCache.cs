using System.Runtime.InteropServices;
using Corral.Engine.Models;

namespace Corral.Engine.Inference;

/// <summary>
/// Keys and values for every layer of every sequence slot, stored as f16 (llama.cpp's default cache
/// type; values are rounded to f16 on store). Each slot owns <see cref="ContextLength"/> cells and a
/// token's cell index is its position, so attention reads a contiguous range. Native memory keeps the
/// (potentially hundreds of MB) cache out of the GC heap.
/// </summary>
public sealed unsafe class KvCache : IDisposable
{
    private ushort* _data;
    private readonly long _layerStride;
    private readonly long _slotStride;

    public int Slots { get; }
    public int ContextLength { get; }
    public int Layers { get; }
    public int KeyWidth { get; }
    public int ValueWidth { get; }
    public long ByteSize { get; }

    public KvCache(ModelHyperparameters hp, int contextLength, int slots)
    {
        Slots = slots;
        ContextLength = contextLength;
        Layers = hp.BlockCount;
        KeyWidth = hp.EmbeddingLengthKv;
        ValueWidth = hp.EmbeddingLengthKvV;
        _layerStride = (long)contextLength * (KeyWidth + ValueWidth);
        _slotStride = _layerStride * Layers;
        long elements = _slotStride * slots;
        ByteSize = elements * sizeof(ushort);
        _data = (ushort*)NativeMemory.AlignedAlloc((nuint)ByteSize, 64);
    }

    /// <summary>Bytes a cache of this shape would take, for memory admission.</summary>
    public static long EstimateBytes(ModelHyperparameters hp, int contextLength, int slots) =>
        (long)slots * hp.BlockCount * contextLength * (hp.EmbeddingLengthKv + hp.EmbeddingLengthKvV) * sizeof(ushort);

    /// <summary>Key cells of (slot, layer): cell j at + j·KeyWidth.</summary>
    public ushort* Keys(int slot, int layer) => _data + slot * _slotStride + layer * _layerStride;

    /// <summary>Value cells of (slot, layer): cell j at + j·ValueWidth.</summary>
    public ushort* Values(int slot, int layer) => Keys(slot, layer) + (long)ContextLength * KeyWidth;

    public void Dispose()
    {
        if (_data != null)
        {
            NativeMemory.AlignedFree(_data);
            _data = null;
        }
    }
}
