using Corral.Cli.Commands;
using Corral.Cli.Repl;
using Corral.Testing;

namespace Corral.Cli.Tests;

/// <summary>Flag parsing (pflag's rules and messages), session parameters, names for imported files, file sniffing and history.</summary>
public class ParsingTests
{
    private static readonly FlagSpec[] Flags =
    [
        FlagSpec.String("file", "", 'f'),
        FlagSpec.Bool("verbose", "", 'v'),
        FlagSpec.String("think", "", noOptDefault: "true"),
        FlagSpec.Int("dimensions", ""),
    ];

    [Fact]
    public void Flags_may_appear_anywhere_in_every_form()
    {
        var p = ParsedArgs.Parse(["model", "-f", "Modelfile", "--think", "prompt", "--dimensions=8", "-v", "--", "--not-a-flag"], Flags);
        Assert.Equal(["model", "prompt", "--not-a-flag"], p.Args);
        Assert.Equal("Modelfile", p.GetString("file"));
        Assert.Equal("true", p.GetString("think"));
        Assert.Equal(8, p.GetInt("dimensions"));
        Assert.True(p.GetBool("verbose"));
        Assert.False(p.Changed("missing"));

        var q = ParsedArgs.Parse(["-fM2", "--think=high", "--verbose=false"], Flags);
        Assert.Equal("M2", q.GetString("file"));
        Assert.Equal("high", q.GetString("think"));
        Assert.True(q.Changed("verbose"));
        Assert.False(q.GetBool("verbose"));
    }

    [Theory]
    [InlineData("--bogus", "unknown flag: --bogus")]
    [InlineData("-x", "unknown shorthand flag: 'x' in -x")]
    [InlineData("--file", "flag needs an argument: --file")]
    [InlineData("-f", "flag needs an argument: 'f' in -f")]
    [InlineData("--verbose=yes", "invalid argument \"yes\" for \"-v, --verbose\" flag: strconv.ParseBool: parsing \"yes\": invalid syntax")]
    [InlineData("--dimensions=x", "invalid argument \"x\" for \"--dimensions\" flag: strconv.ParseInt: parsing \"x\": invalid syntax")]
    public void Flag_errors_use_pflag_wording(string arg, string message) =>
        Assert.Equal(message, Assert.Throws<CliException>(() => ParsedArgs.Parse([arg], Flags)).Message);

    [Fact]
    public void Flag_usage_aligns_descriptions_like_pflag()
    {
        Assert.Equal(
            "      --dimensions int          d\n" +
            "  -f, --file string             f\n" +
            "      --think string[=\"true\"]   t\n" +
            "  -v, --verbose                 v\n",
            FlagUsage.Format([
                FlagSpec.String("file", "f", 'f'), FlagSpec.Bool("verbose", "v", 'v'),
                FlagSpec.String("think", "t", noOptDefault: "true"), FlagSpec.Int("dimensions", "d")]));
    }

    [Fact]
    public void Session_parameters_are_typed_like_modelfile_parameters()
    {
        Assert.Equal("42", SessionParameters.Parse("num_predict", ["42"]).ToJsonString());
        Assert.Equal("0.7", SessionParameters.Parse("temperature", ["0.7"]).ToJsonString());
        Assert.Equal("""["a","b"]""", SessionParameters.Parse("stop", ["a", "b"]).ToJsonString());
        Assert.Equal("true", SessionParameters.Parse("use_mmap", ["true"]).ToJsonString());
        Assert.Equal("invalid int value [x y]", Assert.Throws<CliException>(() => SessionParameters.Parse("top_k", ["x", "y"])).Message);
        Assert.Equal("invalid float value [hot]", Assert.Throws<CliException>(() => SessionParameters.Parse("temperature", ["hot"])).Message);
        Assert.Equal("unknown parameter 'mirostat'", Assert.Throws<CliException>(() => SessionParameters.Parse("mirostat", ["1"])).Message);
    }

    [Theory]
    [InlineData("true", "true")]
    [InlineData("", "true")]
    [InlineData("false", "false")]
    [InlineData("high", "\"high\"")]
    public void Think_flag_values(string value, string json) => Assert.Equal(json, RunCommand.ParseThink(value).ToJsonString());

    [Fact]
    public void Imported_files_are_named_after_the_file_and_tagged_with_the_digest()
    {
        const string digest = "sha256:ab85159be0538ee0885e6927480d270db9764f0c329bb0b61713fe3e46a5b0d4";
        Assert.Equal("stories260K-Q8_0:ab85159be053", LocalGguf.ModelNameFor("/m/stories260K-Q8_0.gguf", digest));
        Assert.Equal("my-model--v2:ab85159be053", LocalGguf.ModelNameFor("/m/my model (v2.gguf", digest));
        Assert.Equal("model:ab85159be053", LocalGguf.ModelNameFor("/m/???.gguf", digest));
    }

    [Fact]
    public void Prompt_file_paths_are_found_and_sniffed()
    {
        Assert.Equal(["/tmp/a b.png", "./c.JPG"], FileData.ExtractFileNames("look at /tmp/a b.png and ./c.JPG please"));
        Assert.Equal("/tmp/a b(1).png", FileData.NormalizePath(@"/tmp/a\ b\(1\).png"));
        Assert.Equal("image/png", FileData.SniffContentType([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]));
        Assert.Equal("audio/wave", FileData.SniffContentType("RIFF\0\0\0\0WAVEfmt "u8));
        Assert.Equal("text/plain; charset=utf-8", FileData.SniffContentType("hello"u8));
    }

    [Fact]
    public void History_keeps_the_last_hundred_entries_in_its_file()
    {
        using var dir = new TempDir("corral-cli-history-");
        string path = Path.Combine(dir.Path, ".ollama", "history");
        var h = new History(path);
        for (int i = 0; i < 105; i++) h.Add("line " + i);
        Assert.Equal(100, File.ReadAllLines(path).Length);
        Assert.Equal("line 5", File.ReadAllLines(path)[0]);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        var reloaded = new History(path);
        Assert.Equal("line 104", reloaded.Previous());
        Assert.Equal("line 103", reloaded.Previous());
        Assert.Equal("line 104", reloaded.Next());
        Assert.Equal("", reloaded.Next());

        reloaded.Enabled = false;
        reloaded.Add("secret");
        Assert.DoesNotContain("secret", File.ReadAllText(path));
    }

    [Fact]
    public void Streamed_errors_carry_the_status_like_the_go_client()
    {
        Assert.Equal("404 Not Found: model 'x' not found", new Client.ApiError(404, "model 'x' not found", "404 Not Found").Message);
        Assert.Equal("model 'x' not found", new Client.ApiError(404, "model 'x' not found").Message);
        Assert.Equal("500 Internal Server Error", new Client.ApiError(500, "", "500 Internal Server Error").Message);
    }
}
