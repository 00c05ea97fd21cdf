using System.Buffers.Binary;
using System.Text;

namespace Corral.Store;

/// <summary>
/// The few GGUF header values <c>/api/tags</c> shows, read without mapping the file or decoding the tokenizer: the scan
/// stops at the first <c>tokenizer.*</c> key once the architecture and file type are known. (Upstream stops as soon as the
/// architecture is known, which misses <c>general.file_type</c> in files llama-quantize wrote, where it comes last.)
/// </summary>
public sealed record GgufHeaderSummary(
    string Architecture,
    long? FileType,
    long ContextLength,
    long EmbeddingLength,
    bool HasPoolingType,
    bool HasVision,
    bool HasAudio)
{
    /// <summary>Capabilities the header implies, in upstream's order: vision/audio as met, then embedding or completion.</summary>
    public IReadOnlyList<string> Capabilities
    {
        get
        {
            var caps = new List<string>();
            if (HasVision) caps.Add("vision");
            if (HasAudio) caps.Add("audio");
            caps.Add(HasPoolingType ? "embedding" : "completion");
            return caps;
        }
    }

    /// <summary>Reads the summary; throws <see cref="Corral.Engine.Gguf.GgufFormatException"/> for a file that is not GGUF.</summary>
    public static GgufHeaderSummary Read(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 32 << 10, FileOptions.SequentialScan);
        var r = new Reader(fs, path);
        uint magic = r.U32();
        if (magic != Corral.Engine.Gguf.GgufFile.Magic) throw r.Fail("not a GGUF file");
        uint version = r.U32();
        if (version is < 2 or > 3) throw r.Fail($"unsupported GGUF version {version}");
        r.U64(); // tensor count
        ulong kvCount = r.U64();

        string arch = "";
        long? fileType = null;
        long ctx = 0, embd = 0;
        bool pooling = false, vision = false, audio = false;
        for (ulong i = 0; i < kvCount; i++)
        {
            string key = r.String();
            uint type = r.U32();
            if (key == "general.architecture" && type == 8) { arch = r.String(); continue; }
            if (key == "general.file_type" && r.TryInt(type, out long ft)) { fileType = ft; continue; }
            if (arch.Length > 0 && fileType is not null && key.StartsWith("tokenizer.", StringComparison.Ordinal)) break;
            if (arch.Length > 0 && key.Length > arch.Length + 1 && key.StartsWith(arch, StringComparison.Ordinal) && key[arch.Length] == '.')
            {
                switch (key[(arch.Length + 1)..])
                {
                    case "pooling_type": pooling = true; break;
                    case "vision.block_count": vision = true; break;
                    case "audio.block_count": audio = true; break;
                    case "context_length" when r.TryInt(type, out long c): ctx = c; continue;
                    case "embedding_length" when r.TryInt(type, out long e): embd = e; continue;
                }
            }
            r.Skip(type);
        }
        return new GgufHeaderSummary(arch, fileType, ctx, embd, pooling, vision, audio);
    }

    private sealed class Reader(Stream s, string path)
    {
        private readonly byte[] _buf = new byte[8];

        public Exception Fail(string what) => new Corral.Engine.Gguf.GgufFormatException($"{what}: '{path}'");

        private void Fill(int n)
        {
            if (s.ReadAtLeast(_buf.AsSpan(0, n), n, throwOnEndOfStream: false) != n) throw Fail("truncated GGUF header");
        }

        public uint U32() { Fill(4); return BinaryPrimitives.ReadUInt32LittleEndian(_buf); }

        public ulong U64() { Fill(8); return BinaryPrimitives.ReadUInt64LittleEndian(_buf); }

        public string String()
        {
            ulong len = U64();
            if (len > 1 << 30) throw Fail("corrupt GGUF string length");
            var bytes = new byte[(int)len];
            if (s.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) != bytes.Length) throw Fail("truncated GGUF header");
            return Encoding.UTF8.GetString(bytes);
        }

        // Reads an integer value of the given type; for other types the value is consumed by Skip instead.
        public bool TryInt(uint type, out long value)
        {
            switch (type)
            {
                case 0: Fill(1); value = _buf[0]; return true;
                case 1: Fill(1); value = (sbyte)_buf[0]; return true;
                case 2: Fill(2); value = BinaryPrimitives.ReadUInt16LittleEndian(_buf); return true;
                case 3: Fill(2); value = BinaryPrimitives.ReadInt16LittleEndian(_buf); return true;
                case 4: Fill(4); value = BinaryPrimitives.ReadUInt32LittleEndian(_buf); return true;
                case 5: Fill(4); value = BinaryPrimitives.ReadInt32LittleEndian(_buf); return true;
                case 10: Fill(8); value = (long)BinaryPrimitives.ReadUInt64LittleEndian(_buf); return true;
                case 11: Fill(8); value = BinaryPrimitives.ReadInt64LittleEndian(_buf); return true;
                default: value = 0; return false;
            }
        }

        public void Skip(uint type)
        {
            switch (type)
            {
                case 0 or 1 or 7: Advance(1); break;
                case 2 or 3: Advance(2); break;
                case 4 or 5 or 6: Advance(4); break;
                case 10 or 11 or 12: Advance(8); break;
                case 8: Advance((long)U64()); break;
                case 9:
                {
                    uint elem = U32();
                    ulong count = U64();
                    if (count > 1 << 30) throw Fail("corrupt GGUF array length");
                    long width = elem switch { 0 or 1 or 7 => 1, 2 or 3 => 2, 4 or 5 or 6 => 4, 10 or 11 or 12 => 8, _ => -1 };
                    if (width > 0) Advance((long)count * width);
                    else if (elem == 8) for (ulong i = 0; i < count; i++) Advance((long)U64());
                    else throw Fail($"unsupported GGUF array element type {elem}");
                    break;
                }
                default: throw Fail($"unsupported GGUF value type {type}");
            }
        }

        private void Advance(long n)
        {
            if (n < 0) throw Fail("corrupt GGUF header");
            if (s.CanSeek)
            {
                if (s.Position + n > s.Length) throw Fail("truncated GGUF header");
                s.Seek(n, SeekOrigin.Current);
                return;
            }
            var tmp = new byte[Math.Min(n, 1 << 16)];
            while (n > 0)
            {
                int got = s.Read(tmp, 0, (int)Math.Min(n, tmp.Length));
                if (got <= 0) throw Fail("truncated GGUF header");
                n -= got;
            }
        }
    }
}
