using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Text;
using Corral.Engine.Tensors;

namespace Corral.Engine.Gguf;

/// <summary>
/// A GGUF v2/v3 file mapped into memory. Metadata and tensor infos are parsed eagerly (they are small);
/// tensor data is never copied: <see cref="TensorData"/> returns pointers into the mapping, so the OS
/// pages weights in on first touch and shares them between processes.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    public const uint Magic = 0x46554747; // "GGUF" little-endian
    public const int DefaultAlignment = 32;
    private const long MaxStringLength = 1L << 30;
    private const long MaxArrayLength = 1L << 30;

    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _base;
    private readonly Dictionary<string, GgufTensorInfo> _tensorsByName;

    public string Path { get; }
    public long Length { get; }
    public uint Version { get; }
    public int Alignment { get; }

    /// <summary>Absolute file offset of the tensor data section.</summary>
    public long DataOffset { get; }

    /// <summary>Metadata in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> MetadataList { get; }

    public IReadOnlyDictionary<string, GgufValue> Metadata { get; }

    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    private GgufFile(string path, long length, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* basePtr)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        _base = basePtr;
        var reader = new Reader(basePtr, length);
        try
        {
            (Version, MetadataList, Tensors, Alignment, DataOffset) = Parse(ref reader, this);
        }
        catch
        {
            Dispose();
            throw;
        }
        var dict = new Dictionary<string, GgufValue>(StringComparer.Ordinal);
        foreach (var kv in MetadataList) dict[kv.Key] = kv.Value;
        Metadata = dict;
        _tensorsByName = new Dictionary<string, GgufTensorInfo>(StringComparer.Ordinal);
        foreach (var t in Tensors) _tensorsByName[t.Name] = t;
    }

    /// <summary>Opens and validates a GGUF file. Throws <see cref="GgufFormatException"/> for anything malformed.</summary>
    public static GgufFile Open(string path)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.RandomAccess);
        long length = fs.Length;
        if (length < 4)
        {
            fs.Dispose();
            throw new GgufFormatException($"not a GGUF file: '{path}' is only {length} bytes long");
        }
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            map = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            p += view.PointerOffset;
            return new GgufFile(path, length, map, view, p);
        }
        catch (GgufFormatException)
        {
            throw;
        }
        catch
        {
            view?.Dispose();
            map?.Dispose();
            fs.Dispose();
            throw;
        }
    }

    /// <summary>True when the file at <paramref name="path"/> begins with the GGUF magic.</summary>
    public static bool HasMagic(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> head = stackalloc byte[4];
        return fs.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && BitConverterLE.ReadUInt32(head) == Magic;
    }

    public GgufTensorInfo? FindTensor(string name) => _tensorsByName.GetValueOrDefault(name);

    public bool HasTensor(string name) => _tensorsByName.ContainsKey(name);

    /// <summary>Pointer to the first byte of the tensor's data inside the mapping.</summary>
    public byte* TensorPointer(GgufTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        return _base + tensor.FileOffset;
    }

    public ReadOnlySpan<byte> TensorData(GgufTensorInfo tensor) => new(TensorPointer(tensor), checked((int)tensor.ByteSize));

    /// <summary>Pointer to the start of the file mapping (for diagnostics and prefetching).</summary>
    public byte* BasePointer => _base;

    // ---- typed metadata accessors (widening, with defaults) ----

    public GgufValue? Get(string key) => Metadata.GetValueOrDefault(key);

    public bool Contains(string key) => Metadata.ContainsKey(key);

    public string? GetString(string key) => Get(key) is { Type: GgufValueType.String } v ? v.AsString() : null;

    public long GetInt(string key, long defaultValue) => Get(key) is { IsNumeric: true } v ? v.AsInt64() : defaultValue;

    public long? GetInt(string key) => Get(key) is { IsNumeric: true } v ? v.AsInt64() : null;

    public float GetFloat(string key, float defaultValue) => Get(key) is { IsNumeric: true } v ? v.AsSingle() : defaultValue;

    public float? GetFloat(string key) => Get(key) is { IsNumeric: true } v ? v.AsSingle() : null;

    public bool GetBool(string key, bool defaultValue) => Get(key) is { IsNumeric: true } v ? v.AsBool() : defaultValue;

    public bool? GetBool(string key) => Get(key) is { IsNumeric: true } v ? v.AsBool() : null;

    /// <summary><c>general.architecture</c>, or an empty string when absent.</summary>
    public string Architecture => GetString("general.architecture") ?? "";

    public void Dispose()
    {
        if (_base != null && _view != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        _base = null;
        _view?.Dispose();
        _map?.Dispose();
    }

    // ---------------------------------------------------------------------------------------------

    private static (uint, List<KeyValuePair<string, GgufValue>>, List<GgufTensorInfo>, int, long) Parse(ref Reader r, GgufFile owner)
    {
        uint magic = r.U32("magic");
        if (magic != Magic)
        {
            var b = BitConverter.GetBytes(magic);
            throw new GgufFormatException(
                $"not a GGUF file: it starts with bytes {b[0]:x2} {b[1]:x2} {b[2]:x2} {b[3]:x2}, expected 'GGUF' (47 47 55 46)");
        }
        uint version = r.U32("version");
        if ((version & 0xFFFF) == 0 && version != 0)
            throw new GgufFormatException($"unsupported GGUF file: version field 0x{version:x8} looks big-endian; only little-endian files are supported");
        if (version == 1)
            throw new GgufFormatException("unsupported GGUF version 1 (files from before August 2023); re-convert the model with a current llama.cpp");
        if (version is < 2 or > 3)
            throw new GgufFormatException($"unsupported GGUF version {version}; supported versions are 2 and 3");

        long nTensors = r.I64("tensor count");
        long nKv = r.I64("metadata count");
        if (nTensors < 0 || nTensors > r.Length / 8)
            throw new GgufFormatException($"corrupt GGUF header: tensor count {nTensors} is impossible for a {r.Length}-byte file");
        if (nKv < 0 || nKv > r.Length / 8)
            throw new GgufFormatException($"corrupt GGUF header: metadata count {nKv} is impossible for a {r.Length}-byte file");

        var kvs = new List<KeyValuePair<string, GgufValue>>((int)nKv);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < nKv; i++)
        {
            long at = r.Position;
            string key = r.String($"key of metadata entry {i}");
            if (key.Length == 0) throw new GgufFormatException($"corrupt GGUF metadata: entry {i} at byte {at} has an empty key");
            if (!seen.Add(key)) throw new GgufFormatException($"corrupt GGUF metadata: duplicate key '{key}' at byte {at}");
            var type = (GgufValueType)r.U32($"type of metadata '{key}'");
            var value = ReadValue(ref r, type, key, owner);
            kvs.Add(new(key, value));
        }

        int alignment = DefaultAlignment;
        var alignKv = kvs.FirstOrDefault(kv => kv.Key == "general.alignment");
        if (alignKv.Key != null)
        {
            var v = alignKv.Value;
            long a = v.IsNumeric ? v.AsInt64() : -1;
            if (v.Type != GgufValueType.UInt32 || a <= 0 || (a & (a - 1)) != 0)
                throw new GgufFormatException($"corrupt GGUF metadata: general.alignment must be a non-zero power of two stored as UINT32, found {v.Type} {v}");
            alignment = (int)a;
        }

        var infos = new List<(string Name, long[] Shape, GgmlType Type, long Offset, long At)>((int)nTensors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < nTensors; i++)
        {
            long at = r.Position;
            string name = r.String($"name of tensor {i}");
            if (!names.Add(name)) throw new GgufFormatException($"corrupt GGUF tensor table: duplicate tensor name '{name}' at byte {at}");
            uint nDims = r.U32($"dimension count of tensor '{name}'");
            if (nDims is 0 or > 4) throw new GgufFormatException($"corrupt GGUF tensor table: tensor '{name}' has {nDims} dimensions (1 to 4 allowed)");
            var shape = new long[nDims];
            for (int d = 0; d < nDims; d++)
            {
                shape[d] = r.I64($"shape of tensor '{name}'");
                if (shape[d] < 0) throw new GgufFormatException($"corrupt GGUF tensor table: tensor '{name}' has negative dimension {shape[d]}");
            }
            uint rawType = r.U32($"type of tensor '{name}'");
            long offset = r.I64($"offset of tensor '{name}'");
            infos.Add((name, shape, (GgmlType)rawType, offset, at));
        }

        long dataOffset = nTensors > 0 ? AlignUp(r.Position, alignment) : r.Position;
        if (nTensors > 0 && dataOffset > r.Length)
            throw new GgufFormatException($"truncated GGUF file: the tensor data should start at byte {dataOffset} but the file is {r.Length} bytes long");

        var tensors = new List<GgufTensorInfo>(infos.Count);
        for (int i = 0; i < infos.Count; i++)
        {
            var (name, shape, type, offset, _) = infos[i];
            if (!GgmlTypeInfo.IsKnown(type))
                throw new GgufFormatException($"tensor '{name}' has unknown type id {(uint)type}");
            int blk = GgmlTypeInfo.BlockSize(type);
            if (shape[0] % blk != 0)
                throw new GgufFormatException($"corrupt GGUF tensor table: tensor '{name}' of type {GgmlTypeInfo.Name(type)} has ne0 = {shape[0]}, not a multiple of the block size {blk}");
            if (offset < 0 || offset % alignment != 0)
                throw new GgufFormatException($"corrupt GGUF tensor table: tensor '{name}' has offset {offset}, which is not aligned to {alignment}");
            var info = new GgufTensorInfo { Name = name, Shape = shape, Type = type, Offset = offset, FileOffset = dataOffset + offset, Index = i };
            long size;
            try { size = checked(info.RowBytes * info.RowCount); }
            catch (OverflowException) { throw new GgufFormatException($"corrupt GGUF tensor table: tensor '{name}' has an impossible shape [{string.Join(", ", shape)}]"); }
            if (dataOffset + offset + size > r.Length || dataOffset + offset + size < 0)
                throw new GgufFormatException(
                    $"truncated GGUF file: tensor '{name}' ({GgmlTypeInfo.Name(type)} [{string.Join(", ", shape)}]) needs bytes {dataOffset + offset}..{dataOffset + offset + size} but the file is {r.Length} bytes long");
            tensors.Add(info);
        }
        return (version, kvs, tensors, alignment, dataOffset);
    }

    private static GgufValue ReadValue(ref Reader r, GgufValueType type, string key, GgufFile owner)
    {
        switch (type)
        {
            case GgufValueType.UInt8: return new(type, r.U8(key), type);
            case GgufValueType.Int8: return new(type, (sbyte)r.U8(key), type);
            case GgufValueType.UInt16: return new(type, r.U16(key), type);
            case GgufValueType.Int16: return new(type, (short)r.U16(key), type);
            case GgufValueType.UInt32: return new(type, r.U32(key), type);
            case GgufValueType.Int32: return new(type, (int)r.U32(key), type);
            case GgufValueType.Float32: return new(type, BitConverter.UInt32BitsToSingle(r.U32(key)), type);
            case GgufValueType.Bool: return new(type, r.U8(key) != 0, type);
            case GgufValueType.String: return new(type, r.String($"value of '{key}'"), type);
            case GgufValueType.UInt64: return new(type, r.U64(key), type);
            case GgufValueType.Int64: return new(type, r.I64(key), type);
            case GgufValueType.Float64: return new(type, BitConverter.UInt64BitsToDouble(r.U64(key)), type);
            case GgufValueType.Array:
            {
                var elem = (GgufValueType)r.U32($"element type of array '{key}'");
                long count = r.I64($"length of array '{key}'");
                if (count < 0 || count > MaxArrayLength)
                    throw new GgufFormatException($"corrupt GGUF metadata: array '{key}' claims {count} elements");
                if (elem == GgufValueType.Array)
                    throw new GgufFormatException($"unsupported GGUF metadata: '{key}' is an array of arrays");
                if (elem == GgufValueType.String && count >= LazyStringArrayLength)
                {
                    long start = r.Position;
                    int n = (int)count;
                    SkipStrings(ref r, n, key);
                    return new GgufValue(new GgufStringArray(owner, start, n, key));
                }
                return new(type, ReadArray(ref r, elem, (int)count, key), elem);
            }
            default:
                throw new GgufFormatException($"corrupt GGUF metadata: '{key}' has unknown value type {(uint)type} (at byte {r.Position - 4})");
        }
    }

    /// <summary>
    /// String arrays at least this long (a tokenizer's tokens and merges: 10^5 strings and more) are checked at open but
    /// read only when asked for, and then not kept: on the heap they took 10–20 MB for the life of a loaded model, and
    /// every open (/api/show, /api/tags) spent ~70 ms making them.
    /// </summary>
    private const int LazyStringArrayLength = 4096;

    private static void SkipStrings(ref Reader r, int n, string key)
    {
        for (int i = 0; i < n; i++) r.SkipArrayString(key, i);
    }

    /// <summary>A lazily read string array (see <see cref="LazyStringArrayLength"/>), checked when the file was opened.</summary>
    internal string[] ReadStrings(long start, int n, string key)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        var r = new Reader(_base, Length) { Position = start };
        return ReadStrings(ref r, n, key);
    }

    private static string[] ReadStrings(ref Reader r, int n, string key)
    {
        var result = new string[n];
        for (int i = 0; i < n; i++) result[i] = r.ArrayString(key, i);
        return result;
    }

    private static Array ReadArray(ref Reader r, GgufValueType elem, int n, string key)
    {
        switch (elem)
        {
            case GgufValueType.UInt8: return r.Block<byte>(n, key);
            case GgufValueType.Int8: return r.Block<sbyte>(n, key);
            case GgufValueType.UInt16: return r.Block<ushort>(n, key);
            case GgufValueType.Int16: return r.Block<short>(n, key);
            case GgufValueType.UInt32: return r.Block<uint>(n, key);
            case GgufValueType.Int32: return r.Block<int>(n, key);
            case GgufValueType.Float32: return r.Block<float>(n, key);
            case GgufValueType.UInt64: return r.Block<ulong>(n, key);
            case GgufValueType.Int64: return r.Block<long>(n, key);
            case GgufValueType.Float64: return r.Block<double>(n, key);
            case GgufValueType.Bool:
            {
                var bytes = r.Block<byte>(n, key);
                var result = new bool[n];
                for (int i = 0; i < n; i++) result[i] = bytes[i] != 0;
                return result;
            }
            case GgufValueType.String:
                return ReadStrings(ref r, n, key);
            default:
                throw new GgufFormatException($"corrupt GGUF metadata: array '{key}' has unknown element type {(uint)elem}");
        }
    }

    internal static long AlignUp(long value, long alignment) => (value + alignment - 1) / alignment * alignment;

    /// <summary>Bounds-checked little-endian cursor over the mapping.</summary>
    private struct Reader(byte* p, long length)
    {
        private readonly byte* _p = p;
        public readonly long Length = length;
        public long Position;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private byte* Take(long n, string what)
        {
            if (n < 0 || Position + n > Length)
                throw new GgufFormatException($"truncated GGUF file: {what} at byte {Position} needs {n} bytes but the file ends at byte {Length}");
            byte* at = _p + Position;
            Position += n;
            return at;
        }

        public byte U8(string what) => *Take(1, what);
        public ushort U16(string what) => Unsafe.ReadUnaligned<ushort>(Take(2, what));
        public uint U32(string what) => Unsafe.ReadUnaligned<uint>(Take(4, what));
        public ulong U64(string what) => Unsafe.ReadUnaligned<ulong>(Take(8, what));
        public long I64(string what) => Unsafe.ReadUnaligned<long>(Take(8, what));

        public string String(string what)
        {
            long len = I64(what + " (length)");
            if (len < 0 || len > MaxStringLength)
                throw new GgufFormatException($"corrupt GGUF file: {what} at byte {Position - 8} has impossible length {len}");
            byte* s = Take(len, what);
            return Encoding.UTF8.GetString(s, (int)len);
        }

        /// <summary>
        /// <see cref="String"/> for element <paramref name="index"/> of array <paramref name="key"/>: the description is
        /// formatted only for an error (tokenizer arrays hold hundreds of thousands of strings).
        /// </summary>
        public string ArrayString(string key, int index)
        {
            if (Position + 8 > Length) return String($"element {index} of array '{key}'");
            long len = Unsafe.ReadUnaligned<long>(_p + Position);
            if (len < 0 || len > MaxStringLength || Position + 8 + len > Length) return String($"element {index} of array '{key}'");
            Position += 8;
            byte* s = _p + Position;
            Position += len;
            return Encoding.UTF8.GetString(s, (int)len);
        }

        /// <summary><see cref="ArrayString"/> without making the string: checks the element and moves past it.</summary>
        public void SkipArrayString(string key, int index)
        {
            if (Position + 8 <= Length)
            {
                long len = Unsafe.ReadUnaligned<long>(_p + Position);
                if (len >= 0 && len <= MaxStringLength && Position + 8 + len <= Length)
                {
                    Position += 8 + len;
                    return;
                }
            }
            String($"element {index} of array '{key}'"); // throws the reason
        }

        public T[] Block<T>(int n, string what) where T : unmanaged
        {
            long bytes = (long)n * sizeof(T);
            byte* src = Take(bytes, $"array '{what}'");
            var result = new T[n];
            fixed (T* dst = result) Buffer.MemoryCopy(src, dst, bytes, bytes);
            return result;
        }
    }
}

internal static class BitConverterLE
{
    public static uint ReadUInt32(ReadOnlySpan<byte> b) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b);
}
