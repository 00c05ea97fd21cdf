using System.Runtime.CompilerServices;

namespace Corral.Engine.Gguf;

/// <summary>
/// A long string array left in the mapped file (a tokenizer's tokens and merges): every element was checked when the
/// file was opened. <see cref="ToArray"/> makes the strings; enumerating gives each element's UTF-8 bytes straight from
/// the mapping, making nothing. The file must stay open while either runs.
/// </summary>
public sealed unsafe class GgufStringArray
{
    private readonly GgufFile _file;
    private readonly long _start;
    private readonly string _key;

    internal GgufStringArray(GgufFile file, long start, int count, string key)
    {
        _file = file;
        _start = start;
        _key = key;
        Count = count;
    }

    public int Count { get; }

    public string[] ToArray() => _file.ReadStrings(_start, Count, _key);

    public Enumerator GetEnumerator()
    {
        byte* at = _file.BasePointer;
        ObjectDisposedException.ThrowIf(at == null, _file);
        return new Enumerator(at + _start, at + _file.Length, Count, _key);
    }

    /// <summary>The elements' UTF-8 bytes, in order.</summary>
    public ref struct Enumerator
    {
        private byte* _next;
        private readonly byte* _end;
        private int _left;
        private readonly string _key;
        private ReadOnlySpan<byte> _current;

        internal Enumerator(byte* first, byte* end, int count, string key)
        {
            _next = first;
            _end = end;
            _left = count;
            _key = key;
        }

        public readonly ReadOnlySpan<byte> Current => _current;

        public bool MoveNext()
        {
            if (_left == 0) return false;
            // Checked at open; checked again in case the file changed under the mapping since.
            long length = _end - _next >= 8 ? Unsafe.ReadUnaligned<long>(_next) : -1;
            if (length < 0 || length > _end - _next - 8)
                throw new GgufFormatException($"corrupt GGUF file: array '{_key}' no longer fits the file (was it changed while open?)");
            _current = new ReadOnlySpan<byte>(_next + 8, (int)length);
            _next += 8 + length;
            _left--;
            return true;
        }
    }
}
