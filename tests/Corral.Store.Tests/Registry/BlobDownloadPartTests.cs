using Corral.Store.Registry;
using Corral.Testing;

namespace Corral.Store.Tests.Registry;

public sealed class BlobDownloadPartTests
{
    [Fact]
    public void State_file_is_upstream_json_and_round_trips()
    {
        using var dir = new TempDir();
        string blob = dir.File("sha256-" + new string('0', 64));
        var part = new BlobDownloadPart(3, 300, 100, 0);
        part.Advance(42);
        part.Save(blob);
        string path = blob + "-partial-3";
        Assert.Equal("{\"N\":3,\"Offset\":300,\"Size\":100,\"Completed\":42}\n", File.ReadAllText(path));
        var back = BlobDownloadPart.Load(path)!;
        Assert.Equal((3, 300L, 100L, 42L), (back.N, back.Offset, back.Size, back.Completed));
        Assert.Equal(342, back.StartsAt);
        Assert.Equal(400, back.StopsAt);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{\"N\":0,\"Offset\":0,\"Size\":10,\"Completed\":11}")]
    [InlineData("{\"N\":-1,\"Offset\":0,\"Size\":10,\"Completed\":1}")]
    public void Unusable_state_is_null(string json)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("p"), json);
        Assert.Null(BlobDownloadPart.Load(dir.File("p")));
    }

    [Fact]
    public void Finds_only_numbered_state_files()
    {
        using var dir = new TempDir();
        string blob = dir.File("sha256-" + new string('1', 64));
        foreach (var suffix in new[] { "-partial", "-partial-0", "-partial-12", "-partial-x", "-partial-1.tmp" })
            File.WriteAllText(blob + suffix, "{}");
        var found = BlobDownloadPart.FindStateFiles(blob).Select(Path.GetFileName).ToList();
        Assert.Equal([Path.GetFileName(blob) + "-partial-0", Path.GetFileName(blob) + "-partial-12"], found);
    }
}
