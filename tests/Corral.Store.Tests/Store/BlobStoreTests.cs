using System.Security.Cryptography;
using System.Text;
using Corral.Testing;

namespace Corral.Store.Tests.Store;

public class BlobStoreTests
{
    private static string Sha(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    [Theory]
    [InlineData("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", true)]
    [InlineData("sha256-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", true)]
    [InlineData("sha256:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", true)]
    [InlineData("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0", false)]
    [InlineData("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a088", false)]
    [InlineData("sha256_9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", false)]
    [InlineData("sha512:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", false)]
    [InlineData("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g", false)]
    [InlineData("sha256:../../../../../../../../../../../../../../../../../../../../etc/passwd", false)]
    [InlineData("", false)]
    public void Digest_Pattern(string digest, bool valid)
    {
        Assert.Equal(valid, Digest.IsValid(digest));
        if (!valid)
        {
            var store = new BlobStore("/tmp/none");
            var e = Assert.Throws<InvalidDigestException>(() => store.GetPath(digest));
            Assert.Equal("invalid digest format", e.Message);
        }
    }

    [Fact]
    public void GetPath_ReplacesTheColonAndKeepsCase()
    {
        var store = new BlobStore("/m");
        string hex = new('a', 64);
        Assert.Equal(Path.Combine(Path.GetFullPath("/m"), "blobs", "sha256-" + hex), store.GetPath("sha256:" + hex));
        Assert.Equal(Path.Combine(Path.GetFullPath("/m"), "blobs", "sha256-" + hex), store.GetPath("sha256-" + hex));
        Assert.EndsWith("sha256-" + hex.ToUpperInvariant(), store.GetPath("sha256:" + hex.ToUpperInvariant()));
    }

    [Fact]
    public void Write_StoresContentUnderItsDigest()
    {
        using var dir = new TempDir();
        var store = new BlobStore(dir.Path);
        var data = Encoding.UTF8.GetBytes("test");
        var r = store.Write(new MemoryStream(data), "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        Assert.True(r.Created);
        Assert.Equal(4, r.Size);
        Assert.Equal("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", r.Digest);
        Assert.Equal("creating new layer sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", r.Status);
        Assert.Equal(data, File.ReadAllBytes(store.GetPath(r.Digest)));
        Assert.Single(Directory.GetFiles(store.BlobsDirectory)); // no temp file left behind
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(store.GetPath(r.Digest)));

        var again = store.Write(data);
        Assert.False(again.Created);
        Assert.Equal("using existing layer " + r.Digest, again.Status);
        Assert.Single(Directory.GetFiles(store.BlobsDirectory));
    }

    [Fact]
    public async Task WriteAsync_StreamsAndVerifies()
    {
        using var dir = new TempDir();
        var store = new BlobStore(dir.Path);
        var data = RandomNumberGenerator.GetBytes(3 << 20);
        var r = await store.WriteAsync(new MemoryStream(data), Sha(data));
        Assert.True(r.Created);
        Assert.Equal(data.Length, r.Size);
        Assert.Equal(data, File.ReadAllBytes(store.GetPath(Sha(data))));
        var again = await store.WriteAsync(new MemoryStream(data));
        Assert.False(again.Created);
    }

    [Fact]
    public async Task Write_DigestMismatchKeepsNothing()
    {
        using var dir = new TempDir();
        var store = new BlobStore(dir.Path);
        var data = Encoding.UTF8.GetBytes("test");
        string wrong = "sha256:" + new string('0', 64);
        var e = Assert.Throws<DigestMismatchException>(() => store.Write(new MemoryStream(data), wrong));
        Assert.Equal($"digest mismatch, expected \"{wrong}\", got \"{Sha(data)}\"", e.Message);
        var e2 = await Assert.ThrowsAsync<DigestMismatchException>(() => store.WriteAsync(new MemoryStream(data), wrong));
        Assert.Equal(e.Message, e2.Message);
        Assert.Empty(Directory.GetFiles(store.BlobsDirectory));
    }

    [Fact]
    public void Write_ComparesTheDigestAsAnExactString()
    {
        using var dir = new TempDir();
        var store = new BlobStore(dir.Path);
        var data = Encoding.UTF8.GetBytes("test");
        string dashed = Sha(data).Replace(':', '-');
        var e = Assert.Throws<DigestMismatchException>(() => store.Write(new MemoryStream(data), dashed));
        Assert.Equal(Sha(data), e.Actual);
        Assert.Throws<DigestMismatchException>(() => store.Write(new MemoryStream(data), Sha(data).ToUpperInvariant().Replace("SHA256", "sha256")));
        Assert.Throws<InvalidDigestException>(() => store.Write(new MemoryStream(data), "sha256:zz"));
    }

    [Fact]
    public async Task WriteAsync_CancellationLeavesNoFiles()
    {
        using var dir = new TempDir();
        var store = new BlobStore(dir.Path);
        using var cts = new CancellationTokenSource();
        var source = new ThrowingStream(after: 2 << 20, onLimit: () => cts.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.WriteAsync(source, null, cts.Token));
        Assert.Empty(Directory.GetFiles(store.BlobsDirectory));
    }

    [Fact]
    public void Write_SourceFailureLeavesNoFiles()
    {
        using var dir = new TempDir();
        var store = new BlobStore(dir.Path);
        var source = new ThrowingStream(after: 1 << 20, onLimit: () => throw new IOException("connection reset"));
        var e = Assert.Throws<IOException>(() => store.Write(source));
        Assert.Equal("connection reset", e.Message);
        Assert.Empty(Directory.GetFiles(store.BlobsDirectory));
    }

    [Fact]
    public async Task DiskFull_IsReportedClearlyAndLeavesNoPartialFile()
    {
        if (!File.Exists("/dev/full")) return; // Linux provides a device that always fails with ENOSPC
        using var dir = new TempDir();
        var store = new BlobStore(dir.Path)
        {
            OpenTempStream = temp =>
            {
                File.WriteAllBytes(temp, []); // the real temp file exists, as it would on a full disk
                return new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
            },
        };
        var data = RandomNumberGenerator.GetBytes(1 << 16);
        var e = Assert.Throws<DiskFullException>(() => store.Write(new MemoryStream(data)));
        Assert.StartsWith("not enough disk space to write a blob in " + store.BlobsDirectory, e.Message);
        Assert.Empty(Directory.GetFiles(store.BlobsDirectory));
        await Assert.ThrowsAsync<DiskFullException>(() => store.WriteAsync(new MemoryStream(data)));
        Assert.Empty(Directory.GetFiles(store.BlobsDirectory));
        Assert.Throws<DiskFullException>(() => store.Write(data.AsSpan()));
        Assert.Empty(Directory.GetFiles(store.BlobsDirectory));
    }

    [Fact]
    public void Touch_RefreshesModificationTime()
    {
        using var dir = new TempDir();
        var store = new BlobStore(dir.Path);
        var r = store.Write("x"u8);
        var path = store.GetPath(r.Digest);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-3));
        store.Write("x"u8); // reuse touches
        Assert.True(DateTime.UtcNow - File.GetLastWriteTimeUtc(path) < TimeSpan.FromMinutes(1));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-3));
        store.Touch(r.Digest);
        Assert.True(DateTime.UtcNow - File.GetLastWriteTimeUtc(path) < TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void Import_MovesAFileIntoTheStore()
    {
        using var dir = new TempDir();
        var store = new BlobStore(dir.Path);
        var data = RandomNumberGenerator.GetBytes(1000);
        string temp = store.NewTempPath();
        File.WriteAllBytes(temp, data);
        Assert.False(Digest.IsValid(Path.GetFileName(temp)));
        var r = store.Import(temp, move: true);
        Assert.True(r.Created);
        Assert.False(File.Exists(temp));
        Assert.Equal(data, File.ReadAllBytes(store.GetPath(Sha(data))));

        string outside = dir.File("outside.bin");
        File.WriteAllBytes(outside, data);
        var copy = store.Import(outside, move: false);
        Assert.False(copy.Created);
        Assert.True(File.Exists(outside));
    }

    [Fact]
    public void FixLegacyNames_RenamesColonNames()
    {
        if (OperatingSystem.IsWindows()) return; // ':' cannot appear in Windows file names
        using var dir = new TempDir();
        var store = new BlobStore(dir.Path);
        Directory.CreateDirectory(store.BlobsDirectory);
        string hex = new('b', 64);
        File.WriteAllText(Path.Combine(store.BlobsDirectory, "sha256:" + hex), "old");
        File.WriteAllText(Path.Combine(store.BlobsDirectory, "other:name"), "keep");
        Assert.Equal(1, store.FixLegacyNames());
        Assert.True(File.Exists(Path.Combine(store.BlobsDirectory, "sha256-" + hex)));
        Assert.True(File.Exists(Path.Combine(store.BlobsDirectory, "other:name")));
        Assert.Equal(0, store.FixLegacyNames());
    }

    [Fact]
    public void EnumerateFiles_ReportsDigestsOnlyForDigestNames()
    {
        using var dir = new TempDir();
        var store = new BlobStore(dir.Path);
        var r = store.Write("abc"u8);
        File.WriteAllText(Path.Combine(store.BlobsDirectory, Digest.ToFileName(r.Digest) + "-partial"), "");
        var files = store.EnumerateFiles().OrderBy(f => f.FileName, StringComparer.Ordinal).ToList();
        Assert.Equal(2, files.Count);
        Assert.Equal(r.Digest, files[0].Digest);
        Assert.Null(files[1].Digest);
        Assert.Empty(new BlobStore(dir.File("missing")).EnumerateFiles());
    }

    /// <summary>Yields zeros, then runs <paramref name="onLimit"/> once the limit is reached.</summary>
    private sealed class ThrowingStream(long after, Action onLimit) : Stream
    {
        private long _read;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_read >= after)
            {
                onLimit();
                throw new OperationCanceledException();
            }
            int n = (int)Math.Min(count, after - _read);
            Array.Clear(buffer, offset, n);
            _read += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
