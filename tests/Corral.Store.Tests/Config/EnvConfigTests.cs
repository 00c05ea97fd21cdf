using Corral.Config;
using Corral.Testing;

namespace Corral.Store.Tests.Config;

public class EnvConfigTests
{
    private static EnvConfig With(string key, string value, List<string>? warnings = null, string? home = null) =>
        EnvConfig.FromDictionary(new Dictionary<string, string> { [key] = value }, warnings is null ? null : warnings.Add, home);

    [Theory]
    [InlineData("", "http://127.0.0.1:11434")]
    [InlineData("1.2.3.4", "http://1.2.3.4:11434")]
    [InlineData(":1234", "http://:1234")]
    [InlineData("1.2.3.4:1234", "http://1.2.3.4:1234")]
    [InlineData("example.com", "http://example.com:11434")]
    [InlineData("example.com:1234", "http://example.com:1234")]
    [InlineData(":0", "http://:0")]
    [InlineData(":66000", "http://:11434")]
    [InlineData(":-1", "http://:11434")]
    [InlineData("[::1]", "http://[::1]:11434")]
    [InlineData("[::]", "http://[::]:11434")]
    [InlineData("::1", "http://[::1]:11434")]
    [InlineData("[::1]:1337", "http://[::1]:1337")]
    [InlineData(" 1.2.3.4 ", "http://1.2.3.4:11434")]
    [InlineData("\"1.2.3.4\"", "http://1.2.3.4:11434")]
    [InlineData(" \" 1.2.3.4 \" ", "http://1.2.3.4:11434")]
    [InlineData("'1.2.3.4'", "http://1.2.3.4:11434")]
    [InlineData("http://1.2.3.4", "http://1.2.3.4:80")]
    [InlineData("http://1.2.3.4:4321", "http://1.2.3.4:4321")]
    [InlineData("https://1.2.3.4", "https://1.2.3.4:443")]
    [InlineData("https://1.2.3.4:4321", "https://1.2.3.4:4321")]
    [InlineData("https://example.com/ollama", "https://example.com:443/ollama")]
    [InlineData("ollama.com", "https://ollama.com:443")]
    [InlineData("0.0.0.0", "http://0.0.0.0:11434")]
    [InlineData("https://h", "https://h:443")]
    [InlineData("http://h", "http://h:80")]
    [InlineData("h:99999", "http://h:11434")]
    [InlineData("tcp://h", "tcp://h:11434")]
    [InlineData("1234", "http://1234:11434")]
    [InlineData("h:", "http://h:11434")]
    [InlineData("::ffff:1.2.3.4", "http://1.2.3.4:11434")]
    public void Host_ParsesPerTheUpstreamAlgorithm(string value, string expected)
    {
        Assert.Equal(expected, With("OLLAMA_HOST", value).Host.ToString());
    }

    [Fact]
    public void Host_BadPortWarnsAndFallsBack()
    {
        var warnings = new List<string>();
        var host = With("OLLAMA_HOST", "h:99999", warnings).Host;
        Assert.Equal("11434", host.Port);
        Assert.Equal(11434, host.PortNumber);
        Assert.Single(warnings);
        Assert.Contains("invalid port", warnings[0]);
    }

    [Fact]
    public void Host_Parts()
    {
        var h = With("OLLAMA_HOST", "https://example.com:8443/ollama/x").Host;
        Assert.Equal(("https", "example.com", "8443", "ollama/x"), (h.Scheme, h.Host, h.Port, h.Path));
        Assert.Equal("example.com:8443", h.HostPort);
        Assert.Equal(OllamaHost.Default, EnvConfig.FromDictionary(new Dictionary<string, string>()).Host);
    }

    [Theory]
    [InlineData("", "http://127.0.0.1:11434")]
    [InlineData("127.0.0.1:1234", "http://127.0.0.1:1234")]
    [InlineData("0.0.0.0", "http://127.0.0.1:11434")]
    [InlineData("0.0.0.0:1234", "http://127.0.0.1:1234")]
    [InlineData("[::]", "http://[::1]:11434")]
    [InlineData("[::]:1234", "http://[::1]:1234")]
    [InlineData("[::1]", "http://[::1]:11434")]
    [InlineData("192.168.1.5:8080", "http://192.168.1.5:8080")]
    [InlineData("example.com", "http://example.com:11434")]
    [InlineData("https://0.0.0.0:4321", "https://127.0.0.1:4321")]
    public void Host_Connectable(string value, string expected)
    {
        Assert.Equal(expected, With("OLLAMA_HOST", value).Host.Connectable().ToString());
    }

    private static readonly string[] BuiltInOrigins =
    [
        "http://localhost", "https://localhost", "http://localhost:*", "https://localhost:*",
        "http://127.0.0.1", "https://127.0.0.1", "http://127.0.0.1:*", "https://127.0.0.1:*",
        "http://0.0.0.0", "https://0.0.0.0", "http://0.0.0.0:*", "https://0.0.0.0:*",
        "app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*",
    ];

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("http://10.0.0.1", new[] { "http://10.0.0.1" })]
    [InlineData("http://172.16.0.1,https://192.168.0.1", new[] { "http://172.16.0.1", "https://192.168.0.1" })]
    [InlineData("http://a, http://b", new[] { "http://a", " http://b" })]
    public void Origins_UserEntriesFirstThenTheBuiltInList(string value, string[] user)
    {
        Assert.Equal([.. user, .. BuiltInOrigins], With("OLLAMA_ORIGINS", value).AllowedOrigins);
    }

    [Theory]
    [InlineData("http://example.com", true)]
    [InlineData("https://example.com", true)]
    [InlineData("chrome-extension://abc", true)]
    [InlineData("moz-extension://abc", true)]
    [InlineData("*", true)]
    [InlineData("*.example.com", true)]
    [InlineData("example.com", false)]
    [InlineData(" http://b", false)]
    [InlineData("http://*.a.*", false)]
    public void Origins_Validation(string origin, bool ok)
    {
        var error = Origins.Validate(origin);
        Assert.Equal(ok, error is null);
        if (!ok) Assert.StartsWith("bad origin", error);
        var rejected = new List<string>();
        var valid = Origins.Valid([origin, "http://x"], rejected.Add);
        Assert.Equal(ok ? 2 : 1, valid.Count);
        Assert.Equal(ok ? 0 : 1, rejected.Count);
    }

    [Fact]
    public void Origins_BuiltInEntriesAllPassValidationExceptNonHttpSchemesWithStars()
    {
        Assert.All(BuiltInOrigins, o => Assert.Null(Origins.Validate(o)));
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData("t", true)]
    [InlineData("F", false)]
    [InlineData("TRUE", true)]
    [InlineData("False", false)]
    [InlineData("random", true)]
    [InlineData("something", true)]
    [InlineData("yes", true)]
    [InlineData("no", true)]
    [InlineData("'0'", false)]
    public void Bool_AnyOtherNonEmptyStringIsTrue(string value, bool expected)
    {
        Assert.Equal(expected, With("OLLAMA_NOPRUNE", value).NoPrune);
        Assert.Equal(expected, With("OLLAMA_X", value).Bool("OLLAMA_X"));
    }

    [Fact]
    public void BoolWithDefault_DistinguishesUnset()
    {
        Assert.Null(With("OTHER", "1").FlashAttention);
        Assert.True(With("OLLAMA_FLASH_ATTENTION", "1").FlashAttention);
        Assert.False(With("OLLAMA_FLASH_ATTENTION", "0").FlashAttention);
        Assert.True(With("OLLAMA_FLASH_ATTENTION", "maybe").FlashAttention);
        Assert.Null(With("OLLAMA_GO_TEMPLATE", "  ").GoTemplate);
    }

    [Theory]
    [InlineData("0", 0UL)]
    [InlineData("1", 1UL)]
    [InlineData("1337", 1337UL)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    [InlineData("", 11434UL)]
    [InlineData("-1", 11434UL)]
    [InlineData("+1", 11434UL)]
    [InlineData("0o10", 11434UL)]
    [InlineData("0x10", 11434UL)]
    [InlineData("1_000", 11434UL)]
    [InlineData("string", 11434UL)]
    [InlineData("18446744073709551616", 11434UL)]
    public void Uint_DecimalOnlyElseDefault(string value, ulong expected)
    {
        Assert.Equal(expected, With("OLLAMA_UINT", value).Uint("OLLAMA_UINT", 11434));
    }

    [Fact]
    public void Uint_InvalidValueWarns()
    {
        var warnings = new List<string>();
        Assert.Equal(1, With("OLLAMA_NUM_PARALLEL", "abc", warnings).NumParallel);
        Assert.Single(warnings);
        Assert.StartsWith("invalid environment variable, using default", warnings[0]);
        Assert.Contains("OLLAMA_NUM_PARALLEL", warnings[0]);
    }

    [Fact]
    public void Uint_Defaults()
    {
        var env = EnvConfig.FromDictionary(new Dictionary<string, string>());
        Assert.Equal(1, env.NumParallel);
        Assert.Equal(0, env.MaxLoadedModels);
        Assert.Equal(512, env.MaxQueue);
        Assert.Equal(4, env.MaxTransferStreams);
        Assert.Equal(0, env.ContextLength);
        Assert.Equal(0UL, env.GpuOverhead);
        Assert.Equal(2048, With("OLLAMA_CONTEXT_LENGTH", "2048").ContextLength);
        Assert.Equal(8, With("OLLAMA_MAX_QUEUE", "8").MaxQueue);
    }

    public static TheoryData<string, long> KeepAliveCases() => new()
    {
        { "", 5 * GoDuration.Minute },
        { "1s", GoDuration.Second },
        { "1m", GoDuration.Minute },
        { "1h", GoDuration.Hour },
        { "5m0s", 5 * GoDuration.Minute },
        { "1h2m3s", GoDuration.Hour + 2 * GoDuration.Minute + 3 * GoDuration.Second },
        { "0", 0 },
        { "60", 60 * GoDuration.Second },
        { "120", 2 * GoDuration.Minute },
        { "3600", GoDuration.Hour },
        { "300", 300 * GoDuration.Second },
        { "-0", 0 },
        { "-1", long.MaxValue },
        { "-1m", long.MaxValue },
        { " ", 5 * GoDuration.Minute },
        { "???", 5 * GoDuration.Minute },
        { "1d", 5 * GoDuration.Minute },
        { "1y", 5 * GoDuration.Minute },
        { "1w", 5 * GoDuration.Minute },
        { "\"10m\"", 10 * GoDuration.Minute },
    };

    [Theory]
    [MemberData(nameof(KeepAliveCases))]
    public void KeepAlive_DurationThenSecondsThenDefault(string value, long nanoseconds)
    {
        Assert.Equal(nanoseconds, With("OLLAMA_KEEP_ALIVE", value).KeepAliveDuration.Nanoseconds);
    }

    public static TheoryData<string, long> LoadTimeoutCases() => new()
    {
        { "", 5 * GoDuration.Minute },
        { "1s", GoDuration.Second },
        { "1h2m3s", GoDuration.Hour + 2 * GoDuration.Minute + 3 * GoDuration.Second },
        { "0", long.MaxValue },
        { "60", 60 * GoDuration.Second },
        { "-0", long.MaxValue },
        { "-1", long.MaxValue },
        { "-1m", long.MaxValue },
        { "???", 5 * GoDuration.Minute },
        { "1d", 5 * GoDuration.Minute },
    };

    [Theory]
    [MemberData(nameof(LoadTimeoutCases))]
    public void LoadTimeout_ZeroOrNegativeIsInfinite(string value, long nanoseconds)
    {
        Assert.Equal(nanoseconds, With("OLLAMA_LOAD_TIMEOUT", value).LoadTimeout.Nanoseconds);
    }

    [Theory]
    [InlineData("value", "value")]
    [InlineData(" value ", "value")]
    [InlineData(" 'value' ", "value")]
    [InlineData(" \"value\" ", "value")]
    [InlineData(" ' value ' ", " value ")]
    [InlineData(" \" value \" ", " value ")]
    [InlineData("\"'value'\"", "value")]
    public void Var_TrimsSpaceThenQuotes(string raw, string expected)
    {
        Assert.Equal(expected, With("OLLAMA_VAR", raw).Var("OLLAMA_VAR"));
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("false", 0)]
    [InlineData("f", 0)]
    [InlineData("0", 0)]
    [InlineData("true", -4)]
    [InlineData("t", -4)]
    [InlineData("1", -4)]
    [InlineData("2", -8)]
    [InlineData("-1", 4)]
    [InlineData("-2", 8)]
    [InlineData("junk", 0)]
    public void LogLevel_FromOllamaDebug(string value, int level)
    {
        Assert.Equal(level, With("OLLAMA_DEBUG", value).LogLevel);
    }

    [Theory]
    [InlineData(0, "INFO")]
    [InlineData(-4, "DEBUG")]
    [InlineData(-8, "DEBUG-4")]
    [InlineData(4, "WARN")]
    [InlineData(8, "ERROR")]
    [InlineData(2, "INFO+2")]
    public void LogLevelName_IsSlogs(int level, string name) => Assert.Equal(name, EnvConfig.LogLevelName(level));

    [Fact]
    public void Models_DefaultsUnderHome()
    {
        var env = EnvConfig.FromDictionary(new Dictionary<string, string>(), homeDirectory: "/home/u");
        Assert.Equal(Path.Combine("/home/u", ".ollama", "models"), env.Models);
        Assert.Equal("/data/models", With("OLLAMA_MODELS", " '/data/models' ").Models);
    }

    [Fact]
    public void Remotes_DefaultAndList()
    {
        Assert.Equal(["ollama.com"], EnvConfig.FromDictionary(new Dictionary<string, string>()).Remotes);
        Assert.Equal(["a.example", "b.example"], With("OLLAMA_REMOTES", "a.example,b.example").Remotes);
    }

    [Fact]
    public void KvCacheType_IsLowerCased() => Assert.Equal("q8_0", With("OLLAMA_KV_CACHE_TYPE", "Q8_0").KvCacheType);

    [Theory]
    [InlineData("", null, false, "none")]
    [InlineData("1", null, true, "env")]
    [InlineData("", "{\"disable_ollama_cloud\": true}", true, "config")]
    [InlineData("1", "{\"disable_ollama_cloud\": true}", true, "both")]
    [InlineData("", "{\"disable_ollama_cloud\": false}", false, "none")]
    [InlineData("", "{invalid json", false, "none")]
    public void NoCloud_FromEnvAndServerJson(string env, string? serverJson, bool disabled, string source)
    {
        using var home = new TempDir();
        if (serverJson is not null)
        {
            Directory.CreateDirectory(Path.Combine(home.Path, ".ollama"));
            File.WriteAllText(Path.Combine(home.Path, ".ollama", "server.json"), serverJson);
        }
        var config = With("OLLAMA_NO_CLOUD", env, home: home.Path);
        Assert.Equal(disabled, config.NoCloud);
        Assert.Equal(source, config.NoCloudSource);
    }

    [Fact]
    public void Describe_ListsEveryVariableWithItsEffectiveValue()
    {
        var env = EnvConfig.FromDictionary(new Dictionary<string, string> { ["OLLAMA_KEEP_ALIVE"] = "-1", ["OLLAMA_HOST"] = "0.0.0.0" });
        var rows = env.Describe().ToDictionary(r => r.Name);
        Assert.Equal("2562047h47m16.854775807s", rows["OLLAMA_KEEP_ALIVE"].Value);
        Assert.Equal("http://0.0.0.0:11434", rows["OLLAMA_HOST"].Value);
        Assert.Equal("5m0s", rows["OLLAMA_LOAD_TIMEOUT"].Value);
        Assert.Equal("INFO", rows["OLLAMA_DEBUG"].Value);
        foreach (var name in EnvConfig.ServeHelpVariables) Assert.True(rows.ContainsKey(name), name);
        foreach (var name in EnvConfig.RunHelpVariables) Assert.True(rows.ContainsKey(name), name);
    }

    [Fact]
    public void FormatHelpBlock_PadsNamesTo27Columns()
    {
        var text = EnvConfig.FromDictionary(new Dictionary<string, string>()).FormatHelpBlock(["OLLAMA_HOST"]);
        Assert.Equal("\nEnvironment Variables:\n      OLLAMA_HOST                   IP Address for the ollama server (default 127.0.0.1:11434)\n", text);
    }

    [Fact]
    public void ValuesAreRereadOnEveryAccess()
    {
        var vars = new Dictionary<string, string> { ["OLLAMA_NUM_PARALLEL"] = "2" };
        var env = EnvConfig.FromDictionary(vars);
        Assert.Equal(2, env.NumParallel);
        vars["OLLAMA_NUM_PARALLEL"] = "3";
        Assert.Equal(3, env.NumParallel);
    }
}
