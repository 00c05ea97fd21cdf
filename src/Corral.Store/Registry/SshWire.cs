using System.Buffers.Binary;
using System.Text;

namespace Corral.Store.Registry;

/// <summary>The SSH wire encoding (RFC 4251 §5): big-endian <c>uint32</c> and length-prefixed strings.</summary>
internal sealed class SshWireWriter
{
    private readonly MemoryStream _buffer = new();

    public int Length => (int)_buffer.Length;

    public SshWireWriter UInt32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        _buffer.Write(b);
        return this;
    }

    public SshWireWriter String(ReadOnlySpan<byte> value)
    {
        UInt32((uint)value.Length);
        _buffer.Write(value);
        return this;
    }

    public SshWireWriter String(string value) => String(Encoding.UTF8.GetBytes(value));

    public SshWireWriter Raw(ReadOnlySpan<byte> value)
    {
        _buffer.Write(value);
        return this;
    }

    public byte[] ToArray() => _buffer.ToArray();
}

/// <summary>Reads the SSH wire encoding; a short or malformed buffer throws <see cref="FormatException"/> naming the field.</summary>
internal ref struct SshWireReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    public readonly int Remaining => _rest.Length;

    public uint UInt32(string field)
    {
        if (_rest.Length < 4) throw new FormatException($"truncated {field}");
        uint v = BinaryPrimitives.ReadUInt32BigEndian(_rest);
        _rest = _rest[4..];
        return v;
    }

    public ReadOnlySpan<byte> String(string field)
    {
        uint n = UInt32(field);
        if (n > (uint)_rest.Length) throw new FormatException($"truncated {field}");
        var v = _rest[..(int)n];
        _rest = _rest[(int)n..];
        return v;
    }

    public string Text(string field) => Encoding.UTF8.GetString(String(field));

    public ReadOnlySpan<byte> Raw(int count, string field)
    {
        if (_rest.Length < count) throw new FormatException($"truncated {field}");
        var v = _rest[..count];
        _rest = _rest[count..];
        return v;
    }

    public readonly ReadOnlySpan<byte> RestBytes => _rest;
}
