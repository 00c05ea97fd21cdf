using System.Text;

namespace Corral.Store.Tests.Store;

/// <summary>Writes minimal GGUF v3 files (metadata only, no tensors) for create tests.</summary>
internal sealed class GgufBuilder
{
    private readonly List<(string Key, uint Type, byte[] Value)> _kv = [];

    public GgufBuilder String(string key, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        _kv.Add((key, 8, [.. BitConverter.GetBytes((ulong)bytes.Length), .. bytes]));
        return this;
    }

    public GgufBuilder UInt32(string key, uint value)
    {
        _kv.Add((key, 4, BitConverter.GetBytes(value)));
        return this;
    }

    public GgufBuilder Bool(string key, bool value)
    {
        _kv.Add((key, 7, [value ? (byte)1 : (byte)0]));
        return this;
    }

    public GgufBuilder Strings(string key, params string[] values)
    {
        var body = new List<byte>();
        body.AddRange(BitConverter.GetBytes(8u));
        body.AddRange(BitConverter.GetBytes((ulong)values.Length));
        foreach (var v in values)
        {
            var b = Encoding.UTF8.GetBytes(v);
            body.AddRange(BitConverter.GetBytes((ulong)b.Length));
            body.AddRange(b);
        }
        _kv.Add((key, 9, body.ToArray()));
        return this;
    }

    public byte[] Build()
    {
        var ms = new MemoryStream();
        ms.Write("GGUF"u8);
        ms.Write(BitConverter.GetBytes(3u));
        ms.Write(BitConverter.GetBytes(0UL));
        ms.Write(BitConverter.GetBytes((ulong)_kv.Count));
        foreach (var (key, type, value) in _kv)
        {
            var k = Encoding.UTF8.GetBytes(key);
            ms.Write(BitConverter.GetBytes((ulong)k.Length));
            ms.Write(k);
            ms.Write(BitConverter.GetBytes(type));
            ms.Write(value);
        }
        return ms.ToArray();
    }
}
