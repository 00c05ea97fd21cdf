using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Corral.Store.Modelfiles;
using Corral.Testing;

namespace Corral.Store.Tests.Modelfiles;

public class ModelfileRequestBuilderTests
{
    private static readonly ModelfileEnvironment Env = new()
    {
        CurrentUserHome = () => "/home/testuser",
        LookupUserHome = u => u switch { "testuser" => "/home/testuser", "anotheruser" => "/home/anotheruser", _ => null },
    };

    private static CreateModelRequest Build(string modelfile, string dir = "", ModelfileEnvironment? env = null) =>
        ModelfileRequestBuilder.Build(Modelfile.Parse(modelfile), dir, env ?? Env);

    private static string Sha(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    [Fact]
    public void FromAModelName()
    {
        var r = Build("FROM test");
        Assert.Equal("test", r.From);
        Assert.Null(r.Files);
        Assert.Null(r.Parameters);
        Assert.Null(r.Messages);
        Assert.Null(r.License);
    }

    [Fact]
    public void InstructionsMapToRequestFields()
    {
        var r = Build("""
            FROM test
            PARAMETER temperature 0.5
            PARAMETER top_k 1
            PARAMETER top_k 2
            PARAMETER stop <|eot_id|>
            PARAMETER stop "### User:"
            PARAMETER use_mmap false
            PARAMETER main_gpu 1
            PARAMETER seed -1
            SYSTEM First
            SYSTEM You are a bot.
            TEMPLATE t1
            TEMPLATE some template
            LICENSE license1
            LICENSE license2
            MESSAGE user Hello there!
            MESSAGE assistant Hi! How are you?
            RENDERER r
            PARSER p
            REQUIRES v0.14.0
            """);
        Assert.Equal("test", r.From);
        Assert.Equal("You are a bot.", r.System);
        Assert.Equal("some template", r.Template);
        Assert.Equal(["license1", "license2"], r.License);
        Assert.Equal([new ModelMessage("user", "Hello there!"), new ModelMessage("assistant", "Hi! How are you?")], r.Messages);
        Assert.Equal("r", r.Renderer);
        Assert.Equal("p", r.Parser);
        Assert.Equal("0.14.0", r.Requires);
        var p = r.Parameters!;
        Assert.Equal(0.5f, p["temperature"]!.GetValue<float>());
        Assert.Equal(2L, p["top_k"]!.GetValue<long>());
        Assert.Equal(["<|eot_id|>", "### User:"], p["stop"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.False(p["use_mmap"]!.GetValue<bool>());
        Assert.Equal(1L, p["main_gpu"]!.GetValue<long>());
        Assert.Equal(-1L, p["seed"]!.GetValue<long>());
        Assert.Contains("\"parameters\":{\"main_gpu\":1,\"seed\":-1,\"stop\":[\"\\u003c|eot_id|\\u003e\",\"### User:\"],\"temperature\":0.5,\"top_k\":2,\"use_mmap\":false}", r.ToJson());
    }

    [Theory]
    [InlineData("PARAMETER num_ctx abc", "invalid int value [abc]")]
    [InlineData("PARAMETER num_ctx 1.5", "invalid int value [1.5]")]
    [InlineData("PARAMETER num_ctx 0x10", "invalid int value [0x10]")]
    [InlineData("PARAMETER temperature hot", "invalid float value [hot]")]
    [InlineData("PARAMETER temperature 1e39", "invalid float value [1e39]")]
    [InlineData("PARAMETER use_mmap yes", "invalid bool value [yes]")]
    [InlineData("PARAMETER main_gpu x", "invalid int value [x]")]
    [InlineData("PARAMETER numa true", "unknown parameter 'numa'")]
    [InlineData("PARAMETER Temperature 1", "unknown parameter 'Temperature'")]
    [InlineData("PARAMETER tfs_z 1", "unknown parameter 'tfs_z'")]
    [InlineData("REQUIRES latest", "requires must be a valid semver (e.g. 0.14.0)")]
    [InlineData("REQUIRES 0.14.0.1", "requires must be a valid semver (e.g. 0.14.0)")]
    [InlineData("REQUIRES 01.2.3", "requires must be a valid semver (e.g. 0.14.0)")]
    public void ConversionErrors(string line, string message)
    {
        var e = Assert.Throws<ModelfileException>(() => Build("FROM test\n" + line));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("0.14.0", "0.14.0")]
    [InlineData("v0.14.0", "0.14.0")]
    [InlineData("0.14", "0.14")]
    [InlineData("1", "1")]
    [InlineData("1.2.3-rc.1+build.5", "1.2.3-rc.1+build.5")]
    public void RequiresStripsTheLeadingV(string value, string stored)
    {
        Assert.Equal(stored, Build("FROM test\nREQUIRES " + value).Requires);
    }

    [Theory]
    [InlineData("penalize_newline")]
    [InlineData("low_vram")]
    [InlineData("f16_kv")]
    [InlineData("logits_all")]
    [InlineData("vocab_only")]
    [InlineData("use_mlock")]
    [InlineData("mirostat")]
    [InlineData("mirostat_tau")]
    [InlineData("mirostat_eta")]
    public void DeprecatedParametersWarnAndAreIgnored(string name)
    {
        var warnings = new List<string>();
        var r = Build($"FROM test\nPARAMETER {name} 1", env: Env with { Warn = warnings.Add });
        Assert.Null(r.Parameters);
        Assert.Equal([$"warning: parameter {name} is deprecated"], warnings);
    }

    [Fact]
    public void EveryOptionNameIsAcceptedWithItsType()
    {
        foreach (var (name, kind) in OptionKinds.All)
        {
            string value = kind switch { OptionKind.Integer => "3", OptionKind.Float => "0.25", OptionKind.Boolean => "true", _ => "x" };
            var p = Build($"FROM t\nPARAMETER {name} {value}").Parameters!;
            var node = p[name]!;
            switch (kind)
            {
                case OptionKind.Integer: Assert.Equal(3L, node.GetValue<long>()); break;
                case OptionKind.Float: Assert.Equal(0.25f, node.GetValue<float>()); break;
                case OptionKind.Boolean: Assert.True(node.GetValue<bool>()); break;
                default: Assert.Equal("x", node.AsArray().Single()!.GetValue<string>()); break;
            }
        }
        Assert.Equal(20, OptionKinds.All.Count);
    }

    [Fact]
    public void FromAFileHashesItAndKeepsTheLocalPath()
    {
        using var dir = new TempDir();
        var a = RandomNumberGenerator.GetBytes(100);
        var b = RandomNumberGenerator.GetBytes(200);
        File.WriteAllBytes(dir.File("a.gguf"), a);
        Directory.CreateDirectory(dir.File("sub"));
        File.WriteAllBytes(Path.Combine(dir.Path, "sub", "b.gguf"), b);

        var r = Build("FROM ./a.gguf\nFROM sub/b.gguf\nADAPTER a.gguf", dir.Path);
        Assert.Null(r.From);
        Assert.Equal(new Dictionary<string, string> { [dir.File("a.gguf")] = Sha(a), [Path.Combine(dir.Path, "sub", "b.gguf")] = Sha(b) }, r.Files);
        Assert.Equal(new Dictionary<string, string> { [dir.File("a.gguf")] = Sha(a) }, r.Adapters);

        var wire = ModelfileRequestBuilder.ToWireKeys(r.Files)!;
        Assert.Equal(new Dictionary<string, string> { ["a.gguf"] = Sha(a), ["sub/b.gguf"] = Sha(b) }, wire);
        Assert.Equal(new Dictionary<string, string> { ["a.gguf"] = Sha(a) }, ModelfileRequestBuilder.ToWireKeys(r.Adapters));
    }

    [Fact]
    public void FromAnAbsolutePath()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("m.gguf"), [1, 2, 3]);
        var r = Build($"FROM {dir.File("m.gguf")}", "/somewhere/else");
        Assert.Equal([dir.File("m.gguf")], r.Files!.Keys);
    }

    [Fact]
    public void MissingPathsAreModelNamesButMissingAdaptersAndDraftsFail()
    {
        using var dir = new TempDir();
        Assert.Equal("./missing.gguf", Build("FROM ./missing.gguf", dir.Path).From);
        Assert.Equal("llama3.2:latest", Build("FROM llama3.2:latest", dir.Path).From);
        Assert.Throws<FileNotFoundException>(() => Build("FROM x\nADAPTER ./nope.gguf", dir.Path));
        Assert.Throws<FileNotFoundException>(() => Build("FROM x\nDRAFT ./nope", dir.Path));
    }

    [Fact]
    public void DraftFilesAndSamePathRejection()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("draft.gguf"), "draft"u8.ToArray());
        File.WriteAllBytes(dir.File("model.gguf"), "model"u8.ToArray());
        var r = Build("FROM base\nDRAFT ./draft.gguf", dir.Path);
        Assert.Equal([dir.File("draft.gguf")], r.DraftFiles!.Keys);

        var e = Assert.Throws<ModelfileException>(() => Build("FROM ./model.gguf\nDRAFT ./model.gguf", dir.Path));
        Assert.Equal($"DRAFT must not reference the same local path as FROM: {dir.File("model.gguf")}", e.Message);
        var e2 = Assert.Throws<ModelfileException>(() => Build("DRAFT ./model.gguf\nFROM ./model.gguf", dir.Path));
        Assert.StartsWith("DRAFT must not reference the same local path as FROM", e2.Message);
    }

    [Fact]
    public void DirectoriesUseWeightDiscovery()
    {
        using var dir = new TempDir();
        var gguf = Enumerable.Range(0, 512).Select(i => (byte)i).ToArray();
        File.WriteAllBytes(dir.File("model.gguf"), gguf);
        File.WriteAllText(dir.File("config.json"), "{\"config\": true}");
        File.WriteAllText(dir.File("README.md"), "ignored");
        var r = Build("FROM .", dir.Path);
        Assert.Equal([dir.File("config.json"), dir.File("model.gguf")], r.Files!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new Dictionary<string, string> { ["config.json"] = Sha("{\"config\": true}"u8.ToArray()), ["model.gguf"] = Sha(gguf) },
            ModelfileRequestBuilder.ToWireKeys(r.Files));

        using var empty = new TempDir();
        File.WriteAllText(empty.File("README.md"), "x");
        var e = Assert.Throws<ModelfileException>(() => Build("FROM .", empty.Path));
        Assert.Equal("no Modelfile or safetensors files found", e.Message);
    }

    [Fact]
    public void SymlinksEscapingTheDirectoryAreInsecure()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TempDir();
        var cache = Path.Combine(dir.Path, ".cache", "blobs");
        Directory.CreateDirectory(cache);
        File.WriteAllBytes(Path.Combine(cache, "weights"), new byte[] { 0, 1, 2 });
        var model = Path.Combine(dir.Path, "model");
        Directory.CreateDirectory(model);
        File.CreateSymbolicLink(Path.Combine(model, "model.gguf"), Path.Combine(cache, "weights"));
        var e = Assert.Throws<ModelfileException>(() => Build("FROM ./model", dir.Path));
        Assert.Equal($"insecure path: ..{Path.DirectorySeparatorChar}.cache{Path.DirectorySeparatorChar}blobs{Path.DirectorySeparatorChar}weights\n\nUse --local-dir <dir> when downloading model to disable caching", e.Message);

        // A symlinked model directory itself is fine (Corral resolves it; upstream rejects it).
        var linked = Path.Combine(dir.Path, "linked");
        Directory.CreateDirectory(Path.Combine(dir.Path, "real"));
        File.WriteAllBytes(Path.Combine(dir.Path, "real", "m.gguf"), new byte[] { 0, 1 });
        Directory.CreateSymbolicLink(linked, Path.Combine(dir.Path, "real"));
        Assert.Single(Build("FROM ./linked", dir.Path).Files!);
    }

    [Theory]
    [InlineData("~", "", "/home/testuser")]
    [InlineData("~/myfolder/myfile.txt", "", "/home/testuser/myfolder/myfile.txt")]
    [InlineData("~anotheruser/docs/file.txt", "", "/home/anotheruser/docs/file.txt")]
    [InlineData("~anotheruser", "", "/home/anotheruser")]
    [InlineData("/absolute/path/to/file", "", "/absolute/path/to/file")]
    [InlineData("/absolute/path/to/file", "someotherdir/", "/absolute/path/to/file")]
    [InlineData("/a/../b/./c", "", "/b/c")]
    public void ExpandPath(string path, string relativeDir, string expected)
    {
        if (OperatingSystem.IsWindows()) return;
        Assert.Equal(expected, ModelfileRequestBuilder.ExpandPath(path, relativeDir, Env));
    }

    [Fact]
    public void ExpandPath_RelativeToTheModelfileFolderOrTheWorkingDirectory()
    {
        string pwd = Directory.GetCurrentDirectory();
        Assert.Equal(Path.Combine(pwd, "relative", "path"), ModelfileRequestBuilder.ExpandPath("relative/path", "", Env));
        Assert.Equal(pwd, ModelfileRequestBuilder.ExpandPath(".", pwd, Env));
        Assert.Equal(pwd, ModelfileRequestBuilder.ExpandPath(".", "", Env));
        Assert.Equal(Path.Combine(pwd, "somedir", "somefile"), ModelfileRequestBuilder.ExpandPath("somefile", "somedir", Env));
        var e = Assert.Throws<ModelfileException>(() => ModelfileRequestBuilder.ExpandPath("~nonexistentuser/file.txt", "", Env));
        Assert.Equal("failed to find user 'nonexistentuser': user: unknown user nonexistentuser", e.Message);
    }

    [Fact]
    public void WireFileNames()
    {
        var sep = Path.DirectorySeparatorChar;
        Assert.Equal("m.gguf", ModelfileRequestBuilder.WireFileNames([$"{sep}x{sep}y{sep}m.gguf"]).Single().Value);
        var names = ModelfileRequestBuilder.WireFileNames([$"{sep}x{sep}y{sep}a.json", $"{sep}x{sep}y{sep}sub{sep}b.json", $"{sep}x{sep}z{sep}c.bin"]);
        Assert.Equal(["y/a.json", "y/sub/b.json", "z/c.bin"], names.Values);
    }

    [Fact]
    public void UserHomesFromPasswd()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\n");
        if (OperatingSystem.IsWindows()) return;
        Assert.Equal("/home/alice", UserHomes.Lookup("alice", dir.File("passwd")));
        Assert.Null(UserHomes.Lookup("bob", dir.File("passwd")));
    }

    [Fact]
    public void AddParameter_StopAccumulatesOthersOverwrite()
    {
        var p = new JsonObject();
        ModelfileRequestBuilder.AddParameter(p, "stop", "a");
        ModelfileRequestBuilder.AddParameter(p, "stop", "b");
        ModelfileRequestBuilder.AddParameter(p, "num_ctx", "1");
        ModelfileRequestBuilder.AddParameter(p, "num_ctx", "2");
        Assert.Equal("{\"stop\":[\"a\",\"b\"],\"num_ctx\":2}", p.ToJsonString());
    }
}
