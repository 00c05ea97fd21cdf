using Corral.Engine.Gguf;
using Corral.Engine.Tensors;
using Corral.Testing;

namespace Corral.Engine.Tests.Quantization;

public class GgufWriterTests
{
    private static List<KeyValuePair<string, GgufValue>> EveryValueType() =>
    [
        new("general.architecture", GgufValue.Of("llama")),
        new("t.u8", new GgufValue(GgufValueType.UInt8, (byte)200, GgufValueType.UInt8)),
        new("t.i8", new GgufValue(GgufValueType.Int8, (sbyte)-100, GgufValueType.Int8)),
        new("t.u16", new GgufValue(GgufValueType.UInt16, (ushort)60000, GgufValueType.UInt16)),
        new("t.i16", new GgufValue(GgufValueType.Int16, (short)-30000, GgufValueType.Int16)),
        new("t.u32", GgufValue.Of(4000000000u)),
        new("t.i32", GgufValue.Of(-2000000000)),
        new("t.f32", GgufValue.Of(3.25f)),
        new("t.bool", GgufValue.Of(true)),
        new("t.str", GgufValue.Of("héllo ▁wörld")),
        new("t.u64", GgufValue.Of(ulong.MaxValue - 5)),
        new("t.i64", new GgufValue(GgufValueType.Int64, long.MinValue + 7, GgufValueType.Int64)),
        new("t.f64", new GgufValue(GgufValueType.Float64, Math.PI, GgufValueType.Float64)),
        new("a.u8", new GgufValue(GgufValueType.Array, new byte[] { 1, 2, 255 }, GgufValueType.UInt8)),
        new("a.i8", new GgufValue(GgufValueType.Array, new sbyte[] { -1, 2, -128 }, GgufValueType.Int8)),
        new("a.u16", new GgufValue(GgufValueType.Array, new ushort[] { 1, 65535 }, GgufValueType.UInt16)),
        new("a.i16", new GgufValue(GgufValueType.Array, new short[] { -2, 32767 }, GgufValueType.Int16)),
        new("a.u32", new GgufValue(GgufValueType.Array, new uint[] { 7, uint.MaxValue }, GgufValueType.UInt32)),
        new("a.i32", new GgufValue(GgufValueType.Array, new[] { -7, 1 << 30 }, GgufValueType.Int32)),
        new("a.f32", new GgufValue(GgufValueType.Array, new[] { -0.5f, float.Epsilon, 1e30f }, GgufValueType.Float32)),
        new("a.bool", new GgufValue(GgufValueType.Array, new[] { true, false, true }, GgufValueType.Bool)),
        new("a.str", new GgufValue(GgufValueType.Array, new[] { "", "a b", "日本" }, GgufValueType.String)),
        new("a.u64", new GgufValue(GgufValueType.Array, new[] { 1UL, ulong.MaxValue }, GgufValueType.UInt64)),
        new("a.i64", new GgufValue(GgufValueType.Array, new[] { -1L, long.MaxValue }, GgufValueType.Int64)),
        new("a.f64", new GgufValue(GgufValueType.Array, new[] { 1.5, -2.25 }, GgufValueType.Float64)),
        new("a.empty", new GgufValue(GgufValueType.Array, Array.Empty<int>(), GgufValueType.Int32)),
    ];

    private static byte[] Bytes(long n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public void RoundTripsEveryValueTypeAndTensorData()
    {
        using var dir = new TempDir();
        string path = dir.File("all.gguf");
        var kvs = EveryValueType();
        GgufTensorSpec[] tensors =
        [
            new("a.weight", [64, 3], GgmlType.Q8_0),
            new("b", [5], GgmlType.F32),
            new("c.weight", [256, 2, 2], GgmlType.Q4_K),
            new("d", [7, 1, 1, 1], GgmlType.F16),
        ];
        var data = tensors.Select((t, i) => Bytes(t.ByteSize, i)).ToArray();
        using (var fs = File.Create(path))
        using (var w = GgufWriter.Create(fs, kvs, tensors))
        {
            foreach (var d in data) w.WriteTensorData(d);
            Assert.True(w.IsComplete);
            w.Complete();
        }

        using var f = GgufFile.Open(path);
        Assert.Equal(3u, f.Version);
        Assert.Equal(kvs.Select(kv => kv.Key), f.MetadataList.Select(kv => kv.Key));
        for (int i = 0; i < kvs.Count; i++)
        {
            var want = kvs[i].Value;
            var got = f.MetadataList[i].Value;
            Assert.Equal(want.Type, got.Type);
            Assert.Equal(want.ElementType, got.ElementType);
            if (want.Value is Array wa) Assert.Equal(wa.Cast<object>(), ((Array)got.Value).Cast<object>());
            else Assert.Equal(want.Value, got.Value);
        }
        Assert.Equal(0, f.DataOffset % 32);
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = f.Tensors[i];
            Assert.Equal(tensors[i].Name, t.Name);
            Assert.Equal(tensors[i].Shape, t.Shape);
            Assert.Equal(tensors[i].Type, t.Type);
            Assert.Equal(0, t.Offset % 32);
            Assert.Equal(data[i], f.TensorData(t).ToArray());
        }
        Assert.Equal(GgufWriter.AlignUp(f.Tensors[^1].FileOffset + f.Tensors[^1].ByteSize, 32), f.Length);
    }

    /// <summary>Re-serialising the reference F16 model from its own parsed contents reproduces it bit for bit.</summary>
    [Fact]
    public void RewritingLlamaTinyIsByteIdentical()
    {
        using var dir = new TempDir();
        string path = dir.File("copy.gguf");
        string source = RepoPaths.SharedFile("models", "llama-tiny-F16.gguf");
        using (var src = GgufFile.Open(source))
        using (var fs = File.Create(path))
        {
            var specs = src.Tensors.Select(t => new GgufTensorSpec(t.Name, t.Shape, t.Type)).ToArray();
            using var w = GgufWriter.Create(fs, src.MetadataList, specs);
            Assert.Equal(src.DataOffset, w.DataOffset);
            foreach (var t in src.Tensors)
            {
                // Uneven chunks: the writer must not care how data arrives.
                var bytes = src.TensorData(t);
                int half = bytes.Length / 3 + 1;
                w.WriteTensorData(bytes[..half]);
                w.WriteTensorData(bytes[half..]);
            }
            w.Complete();
        }
        Assert.Equal(SyntheticModels.ExpectedSha256("llama-tiny-F16.gguf"), SyntheticModels.Sha256File(path));
    }

    [Fact]
    public void HonoursGeneralAlignment()
    {
        using var dir = new TempDir();
        string path = dir.File("a64.gguf");
        List<KeyValuePair<string, GgufValue>> kvs = [new("general.alignment", GgufValue.Of(64u))];
        GgufTensorSpec[] tensors = [new("x", [3], GgmlType.F32), new("y", [5], GgmlType.F32)];
        using (var fs = File.Create(path))
        using (var w = GgufWriter.Create(fs, kvs, tensors))
        {
            w.WriteTensorData(new byte[12]);
            w.WriteTensorData(new byte[20]);
            w.Complete();
            Assert.Equal(64, w.Alignment);
            Assert.Equal(64, w.TensorOffset(1));
        }
        using var f = GgufFile.Open(path);
        Assert.Equal(64, f.Alignment);
        Assert.Equal(0, f.DataOffset % 64);
        Assert.Equal(64, f.Tensors[1].Offset);
    }

    [Fact]
    public void RejectsMisuse()
    {
        GgufTensorSpec[] one = [new("x", [4], GgmlType.F32)];
        Assert.Throws<ArgumentException>(() => GgufWriter.Create(new MemoryStream(),
            [new("k", GgufValue.Of(1u)), new("k", GgufValue.Of(2u))], one));
        Assert.Throws<ArgumentException>(() => GgufWriter.Create(new MemoryStream(), [], [new("q", [33], GgmlType.Q8_0)]));
        Assert.Throws<ArgumentException>(() => GgufWriter.Create(new MemoryStream(), [], [new(new string('n', 64), [4], GgmlType.F32)]));
        Assert.Throws<ArgumentException>(() => GgufWriter.Create(new MemoryStream(), [new("general.alignment", GgufValue.Of(48u))], one));
        Assert.Throws<ArgumentException>(() => GgufWriter.Create(new MemoryStream(),
            [new("bad", new GgufValue(GgufValueType.UInt8, 300, GgufValueType.UInt8))], one));

        using var w = GgufWriter.Create(new MemoryStream(), [], one);
        var tooMuch = Assert.Throws<InvalidOperationException>(() => w.WriteTensorData(new byte[17]));
        Assert.Contains("'x'", tooMuch.Message);
        w.WriteTensorData(new byte[8]);
        var incomplete = Assert.Throws<InvalidOperationException>(w.Complete);
        Assert.Contains("8 of 16 bytes", incomplete.Message);
        w.WriteTensorData(new byte[8]);
        w.Complete();
        Assert.Throws<InvalidOperationException>(() => w.WriteTensorData(new byte[1]));
    }
}
