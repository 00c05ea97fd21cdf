using System.Buffers.Binary;
using System.Text;
using Corral.Engine.Tensors;

namespace Corral.Engine.Gguf;

/// <summary>One tensor as it will appear in a GGUF file being written: name, shape (ne0 first) and element type.</summary>
public sealed record GgufTensorSpec(string Name, long[] Shape, GgmlType Type)
{
    public long Ne0 => Shape[0];

    public long RowCount
    {
        get
        {
            long rows = 1;
            for (int d = 1; d < Shape.Length; d++) rows *= Shape[d];
            return rows;
        }
    }

    /// <summary>Bytes of tensor data (without alignment padding).</summary>
    public long ByteSize => GgmlTypeInfo.RowSize(Type, Ne0) * RowCount;
}

/// <summary>
/// Writes a GGUF v3 file front to back: the header (metadata, tensor infos, padding) is written by
/// <see cref="Create"/> from the final shapes and types, then tensor data is streamed in declaration order,
/// in chunks of any size, so a caller never needs more than one chunk in memory. Each tensor is padded
/// with zeros to the file's alignment (<c>general.alignment</c>, default 32) as llama.cpp requires.
/// </summary>
public sealed class GgufWriter : IDisposable
{
    public const uint FormatVersion = 3;

    /// <summary>llama.cpp's GGML_MAX_NAME is 64 bytes including the terminating NUL.</summary>
    public const int MaxTensorNameBytes = 63;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly IReadOnlyList<GgufTensorSpec> _tensors;
    private readonly long[] _offsets;
    private int _current;
    private long _writtenInCurrent;
    private long _position;
    private bool _disposed;

    /// <summary>Alignment of the data section and of every tensor's start.</summary>
    public int Alignment { get; }

    /// <summary>Absolute file offset of the tensor data section (the header's size).</summary>
    public long DataOffset { get; }

    /// <summary>Total file size once every tensor is written.</summary>
    public long FileSize { get; }

    /// <summary>Index of the tensor whose bytes <see cref="WriteTensorData"/> appends to next.</summary>
    public int CurrentTensor => _current;

    /// <summary>True once every tensor's data has been written.</summary>
    public bool IsComplete => _current == _tensors.Count;

    private GgufWriter(Stream stream, bool leaveOpen, IReadOnlyList<GgufTensorSpec> tensors, int alignment, long[] offsets, long dataOffset, long fileSize)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _tensors = tensors;
        Alignment = alignment;
        _offsets = offsets;
        DataOffset = dataOffset;
        FileSize = fileSize;
        _position = dataOffset;
        SkipEmptyTensors();
    }

    /// <summary>Offset of tensor <paramref name="index"/> relative to the data section.</summary>
    public long TensorOffset(int index) => _offsets[index];

    /// <summary>
    /// Validates the description, writes the header to <paramref name="output"/> (which must be positioned at
    /// the start of the file) and returns a writer ready for the first tensor's data.
    /// </summary>
    public static GgufWriter Create(Stream output, IReadOnlyList<KeyValuePair<string, GgufValue>> metadata,
        IReadOnlyList<GgufTensorSpec> tensors, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(tensors);
        int alignment = ValidateMetadata(metadata);
        ValidateTensors(tensors);

        var offsets = new long[tensors.Count];
        long offset = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            offsets[i] = offset;
            offset = AlignUp(offset + tensors[i].ByteSize, alignment);
        }

        var header = new HeaderBuffer();
        header.U32(GgufFile.Magic);
        header.U32(FormatVersion);
        header.U64((ulong)tensors.Count);
        header.U64((ulong)metadata.Count);
        foreach (var (key, value) in metadata)
        {
            header.String(key);
            header.U32((uint)value.Type);
            WriteValue(header, key, value);
        }
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            header.String(t.Name);
            header.U32((uint)t.Shape.Length);
            foreach (long ne in t.Shape) header.U64((ulong)ne);
            header.U32((uint)t.Type);
            header.U64((ulong)offsets[i]);
        }
        long dataOffset = tensors.Count > 0 ? AlignUp(header.Length, alignment) : header.Length;
        header.Zeros((int)(dataOffset - header.Length));
        output.Write(header.Written);

        return new GgufWriter(output, leaveOpen, tensors, alignment, offsets, dataOffset, dataOffset + offset);
    }

    /// <summary>
    /// Appends bytes to the current tensor. A chunk may not cross into the next tensor; once a tensor has
    /// all its bytes the padding is written and the writer moves on.
    /// </summary>
    public void WriteTensorData(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (data.IsEmpty) return;
        if (IsComplete)
            throw new InvalidOperationException("all tensors have already been written");
        var tensor = _tensors[_current];
        long remaining = tensor.ByteSize - _writtenInCurrent;
        if (data.Length > remaining)
            throw new InvalidOperationException(
                $"{data.Length} bytes written to tensor '{tensor.Name}', which has only {remaining} of its {tensor.ByteSize} bytes left");
        _stream.Write(data);
        _writtenInCurrent += data.Length;
        _position += data.Length;
        if (_writtenInCurrent == tensor.ByteSize)
        {
            long padded = AlignUp(_position, Alignment);
            WriteZeros(padded - _position);
            _position = padded;
            _current++;
            _writtenInCurrent = 0;
            SkipEmptyTensors();
        }
    }

    /// <summary>Checks that every tensor was written in full and flushes the stream.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsComplete)
        {
            var t = _tensors[_current];
            throw new InvalidOperationException(
                $"GGUF file incomplete: tensor {_current} '{t.Name}' has {_writtenInCurrent} of {t.ByteSize} bytes, and {_tensors.Count - _current - 1} tensors follow");
        }
        _stream.Flush();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_leaveOpen) _stream.Dispose();
    }

    private void SkipEmptyTensors()
    {
        // A zero-sized tensor occupies no bytes (offset equals the next one), so nothing is ever written for it.
        while (_current < _tensors.Count && _tensors[_current].ByteSize == 0) _current++;
    }

    private void WriteZeros(long count)
    {
        Span<byte> zeros = stackalloc byte[64];
        zeros.Clear();
        while (count > 0)
        {
            int n = (int)Math.Min(count, zeros.Length);
            _stream.Write(zeros[..n]);
            count -= n;
        }
    }

    internal static long AlignUp(long value, long alignment) => (value + alignment - 1) / alignment * alignment;

    // ---- validation ----

    private static int ValidateMetadata(IReadOnlyList<KeyValuePair<string, GgufValue>> metadata)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        int alignment = GgufFile.DefaultAlignment;
        foreach (var (key, value) in metadata)
        {
            if (string.IsNullOrEmpty(key)) throw new ArgumentException("GGUF metadata keys must be non-empty", nameof(metadata));
            if (!keys.Add(key)) throw new ArgumentException($"duplicate GGUF metadata key '{key}'", nameof(metadata));
            ArgumentNullException.ThrowIfNull(value);
            if (key == "general.alignment")
            {
                long a = value.IsNumeric ? value.AsInt64() : -1;
                if (value.Type != GgufValueType.UInt32 || a <= 0 || (a & (a - 1)) != 0)
                    throw new ArgumentException($"general.alignment must be a non-zero power of two stored as UINT32, got {value.Type} {value}", nameof(metadata));
                alignment = (int)a;
            }
        }
        return alignment;
    }

    private static void ValidateTensors(IReadOnlyList<GgufTensorSpec> tensors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            ArgumentNullException.ThrowIfNull(t);
            if (string.IsNullOrEmpty(t.Name)) throw new ArgumentException("tensor names must be non-empty", nameof(tensors));
            if (Encoding.UTF8.GetByteCount(t.Name) > MaxTensorNameBytes)
                throw new ArgumentException($"tensor name '{t.Name}' is longer than {MaxTensorNameBytes} bytes", nameof(tensors));
            if (!names.Add(t.Name)) throw new ArgumentException($"duplicate tensor name '{t.Name}'", nameof(tensors));
            if (t.Shape is null || t.Shape.Length is 0 or > 4)
                throw new ArgumentException($"tensor '{t.Name}' must have 1 to 4 dimensions", nameof(tensors));
            foreach (long ne in t.Shape)
                if (ne < 0) throw new ArgumentException($"tensor '{t.Name}' has a negative dimension", nameof(tensors));
            if (!GgmlTypeInfo.IsKnown(t.Type))
                throw new ArgumentException($"tensor '{t.Name}' has unknown type id {(uint)t.Type}", nameof(tensors));
            int block = GgmlTypeInfo.BlockSize(t.Type);
            if (t.Shape[0] % block != 0)
                throw new ArgumentException(
                    $"tensor '{t.Name}': ne0 = {t.Shape[0]} is not a multiple of the {GgmlTypeInfo.Name(t.Type)} block size {block}", nameof(tensors));
        }
    }

    // ---- value encoding ----

    private static void WriteValue(HeaderBuffer h, string key, GgufValue value)
    {
        if (value.Type == GgufValueType.Array)
        {
            if (value.ElementType == GgufValueType.Array)
                throw new ArgumentException($"GGUF metadata '{key}': arrays of arrays are not supported");
            if (value.Value is not Array array)
                throw new ArgumentException($"GGUF metadata '{key}' is declared as an array but holds {value.Value.GetType().Name}");
            h.U32((uint)value.ElementType);
            h.U64((ulong)array.Length);
            WriteArray(h, key, value.ElementType, array);
            return;
        }
        WriteScalar(h, key, value.Type, value.Value);
    }

    private static void WriteArray(HeaderBuffer h, string key, GgufValueType elem, Array array)
    {
        // Typed fast paths for the big tokenizer arrays; anything else goes element by element.
        switch (array)
        {
            case string[] strings when elem == GgufValueType.String:
                foreach (var s in strings) h.String(s ?? throw new ArgumentException($"GGUF metadata '{key}' holds a null string"));
                return;
            case float[] floats when elem == GgufValueType.Float32:
                foreach (var f in floats) h.U32(BitConverter.SingleToUInt32Bits(f));
                return;
            case int[] ints when elem == GgufValueType.Int32:
                foreach (var i in ints) h.U32((uint)i);
                return;
            case byte[] bytes when elem == GgufValueType.UInt8:
                h.Bytes(bytes);
                return;
        }
        foreach (var item in array)
            WriteScalar(h, key, elem, item ?? throw new ArgumentException($"GGUF metadata '{key}' holds a null element"));
    }

    private static void WriteScalar(HeaderBuffer h, string key, GgufValueType type, object value)
    {
        try
        {
            switch (type)
            {
                case GgufValueType.UInt8: h.U8(Convert.ToByte(value)); break;
                case GgufValueType.Int8: h.U8((byte)Convert.ToSByte(value)); break;
                case GgufValueType.UInt16: h.U16(Convert.ToUInt16(value)); break;
                case GgufValueType.Int16: h.U16((ushort)Convert.ToInt16(value)); break;
                case GgufValueType.UInt32: h.U32(Convert.ToUInt32(value)); break;
                case GgufValueType.Int32: h.U32((uint)Convert.ToInt32(value)); break;
                case GgufValueType.Float32: h.U32(BitConverter.SingleToUInt32Bits(Convert.ToSingle(value))); break;
                case GgufValueType.Bool: h.U8(Convert.ToBoolean(value) ? (byte)1 : (byte)0); break;
                case GgufValueType.String: h.String(value as string ?? throw new InvalidCastException($"{value.GetType().Name} is not a string")); break;
                case GgufValueType.UInt64: h.U64(Convert.ToUInt64(value)); break;
                case GgufValueType.Int64: h.U64((ulong)Convert.ToInt64(value)); break;
                case GgufValueType.Float64: h.U64(BitConverter.DoubleToUInt64Bits(Convert.ToDouble(value))); break;
                default: throw new InvalidCastException($"unknown GGUF value type {(uint)type}");
            }
        }
        catch (Exception e) when (e is InvalidCastException or OverflowException or FormatException)
        {
            throw new ArgumentException($"GGUF metadata '{key}': cannot store {value} as {type}: {e.Message}", e);
        }
    }

    /// <summary>Little-endian growable byte buffer for the header (metadata is small next to tensor data).</summary>
    private sealed class HeaderBuffer
    {
        private byte[] _buf = new byte[64 * 1024];
        private int _len;

        public int Length => _len;
        public ReadOnlySpan<byte> Written => _buf.AsSpan(0, _len);

        private Span<byte> Take(int n)
        {
            if (_len + n > _buf.Length) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + n));
            var span = _buf.AsSpan(_len, n);
            _len += n;
            return span;
        }

        public void U8(byte v) => Take(1)[0] = v;
        public void U16(ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(Take(2), v);
        public void U32(uint v) => BinaryPrimitives.WriteUInt32LittleEndian(Take(4), v);
        public void U64(ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(Take(8), v);
        public void Zeros(int n) => Take(n).Clear();
        public void Bytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Take(bytes.Length));

        public void String(string s)
        {
            int n = Encoding.UTF8.GetByteCount(s);
            U64((ulong)n);
            Encoding.UTF8.GetBytes(s, Take(n));
        }
    }
}
