using System.Security.Cryptography;
using Corral.Cli.Tests.Infrastructure;
using Corral.Testing;

namespace Corral.Cli.Tests;

/// <summary>
/// <c>create</c>, <c>list</c>, <c>show</c>, <c>cp</c>, <c>rm</c>, <c>ps</c>, <c>stop</c> and <c>--version</c> as processes
/// against a real server. Tests marked <see cref="NeedsRoutesFactAttribute"/> are skipped until the server has those routes.
/// </summary>
[Collection(CliServerCollection.Name)]
public sealed class ModelCommandTests(CliServer server) : IDisposable
{
    private readonly ClientHome _home = new();

    private Task<CliResult> Corral(params string[] args) => CliProcess.RunAsync(server.Host, _home.Path, args);

    public void Dispose() => _home.Dispose();

    private static string StoriesDigest => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(CliServer.StoriesPath)));

    [Fact]
    public async Task Version_reports_the_server_version()
    {
        var r = await Corral("--version");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("corral version is 0.33.0\n", r.Stdout);
    }

    [Fact]
    public async Task List_prints_the_table_with_short_id_size_and_age()
    {
        var r = await Corral("list");
        Assert.Equal(0, r.ExitCode);
        var lines = r.Stdout.Split('\n');
        Assert.Matches(@"^NAME {4,}ID {14}SIZE {4,}MODIFIED {4,}$", lines[0]);
        string row = Assert.Single(lines, l => l.StartsWith("stories:latest ", StringComparison.Ordinal));
        Assert.Matches(@"^stories:latest {4,}[0-9a-f]{12} {4}1\.2 MB {4}.*(ago|second)\S* {4,}$", row);
        // Columns line up under the header.
        Assert.Equal(lines[0].IndexOf("ID", StringComparison.Ordinal), System.Text.RegularExpressions.Regex.Match(row, "[0-9a-f]{12}").Index);
        Assert.Equal(lines[0].IndexOf("SIZE", StringComparison.Ordinal), row.IndexOf("1.2 MB", StringComparison.Ordinal));

        var filtered = await Corral("ls", "STORIES");
        Assert.Contains("stories:latest", filtered.Stdout);
        var none = await Corral("list", "zzz");
        Assert.Equal("NAME    ID    SIZE    MODIFIED    \n", none.Stdout);
    }

    [Fact]
    public async Task Create_from_a_modelfile_uploads_the_blob_and_streams_the_progress()
    {
        using var dir = new TempDir("corral-cli-create-");
        // FROM relative to the Modelfile's folder, which is not the working directory.
        string relative = Path.GetRelativePath(dir.Path, CliServer.StoriesPath);
        File.WriteAllText(dir.File("Modelfile"), $"FROM {relative}\nPARAMETER temperature 0.5\nPARAMETER stop <end>\nSYSTEM \"\"\"Be brief.\"\"\"\n");
        var r = await Corral("create", "created-model", "-f", dir.File("Modelfile"));
        Assert.True(r.ExitCode == 0, r.ToString());
        string err = r.PlainStderr;
        Assert.Contains("gathering model components", err);
        Assert.Contains($"copying file {StoriesDigest} 100%", err);
        Assert.Contains("parsing GGUF", err);
        Assert.Contains($"using existing layer {StoriesDigest}", err);
        Assert.Contains("writing manifest", err);
        Assert.Contains("success", err);
        Assert.Equal("", r.Stdout);
        Assert.True(await server.ModelExistsAsync("created-model:latest"));
    }

    [Fact]
    public async Task Create_reads_Modelfile_from_the_working_directory_by_default()
    {
        using var dir = new TempDir("corral-cli-create-");
        File.WriteAllText(dir.File("Modelfile"), $"FROM {CliServer.StoriesPath}\n");
        var r = await CliProcess.RunAsync(server.Host, _home.Path, ["create", "cwd-model"], workingDirectory: dir.Path);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(await server.ModelExistsAsync("cwd-model:latest"));
    }

    [Fact]
    public async Task Create_quantizes_with_a_progress_bar()
    {
        using var dir = new TempDir("corral-cli-create-");
        File.WriteAllText(dir.File("Modelfile"), $"FROM {RepoPaths.SharedFile("models", "llama-tiny-F16.gguf")}\n");
        var r = await Corral("create", "quantized-model", "-f", dir.File("Modelfile"), "-q", "q8_0");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"quantizing F16 model to Q8_0 +100% ▕█+▏ ", r.PlainStderr);
        Assert.Contains("success", r.PlainStderr);
    }

    [Theory]
    [InlineData("FROM x\nBOGUS y\n", "Error: (line 2): command must be one of \"from\", \"license\", \"template\", \"system\", \"adapter\", \"draft\", \"renderer\", \"parser\", \"parameter\", \"message\", or \"requires\"\n")]
    [InlineData("SYSTEM hi\n", "Error: no FROM line\n")]
    [InlineData("FROM x\nMESSAGE robot hi\n", "Error: (line 2): message role must be one of \"system\", \"user\", or \"assistant\"\n")]
    [InlineData("FROM x\nPARAMETER bogus 1\n", "Error: unknown parameter 'bogus'\n")]
    [InlineData("FROM x\nPARAMETER top_k many\n", "Error: invalid int value [many]\n")]
    public async Task Create_reports_modelfile_errors(string modelfile, string error)
    {
        using var dir = new TempDir("corral-cli-create-");
        File.WriteAllText(dir.File("Modelfile"), modelfile);
        var r = await Corral("create", "broken", "-f", dir.File("Modelfile"));
        Assert.Equal(1, r.ExitCode);
        Assert.EndsWith(error, r.PlainStderr);
    }

    [Fact]
    public async Task Create_rejects_bad_names_and_quantization_types()
    {
        var bad = await Corral("create", "bad name!");
        Assert.Equal(1, bad.ExitCode);
        Assert.Equal("Error: invalid model name: bad name!\n", bad.Stderr);

        using var dir = new TempDir("corral-cli-create-");
        File.WriteAllText(dir.File("Modelfile"), $"FROM {CliServer.StoriesPath}\n");
        var q = await Corral("create", "q-model", "-f", dir.File("Modelfile"), "-q", "q9_9");
        Assert.Equal(1, q.ExitCode);
        Assert.EndsWith("Error: unsupported quantization type Q9_9 - supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0\n", q.PlainStderr);

        // Without a Modelfile upstream falls back to "FROM ." in the working directory: an empty folder has no weights.
        using var emptyDir = new TempDir("corral-cli-empty-");
        var empty = await CliProcess.RunAsync(server.Host, _home.Path, ["create", "empty-model"], workingDirectory: emptyDir.Path);
        Assert.Equal(1, empty.ExitCode);
        Assert.EndsWith("Error: no Modelfile or safetensors files found\n", empty.PlainStderr);
    }

    [Fact]
    public async Task Show_rejects_several_selectors()
    {
        var r = await Corral("show", "stories", "--license", "--system");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("Error: only one of '--license', '--modelfile', '--parameters', '--system', or '--template' can be specified\n", r.Stderr);
    }

    [NeedsRoutesFact("/api/show")]
    public async Task Show_prints_the_model_tables()
    {
        var r = await Corral("show", "stories");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("  Model\n    architecture    ", r.Stdout);
        Assert.Matches(@"\n    architecture {4,}llama {4,}\n", r.Stdout);
        Assert.Matches(@"\n    parameters {4,}\S+ {4,}\n", r.Stdout);
        Assert.Contains("  Parameters\n    num_predict    12    \n    temperature    0     \n\n", r.Stdout);
        Assert.Contains("  System\n    You tell short stories.    \n\n", r.Stdout);
    }

    [NeedsRoutesFact("/api/show")]
    public async Task Show_selectors_print_raw_fields()
    {
        var system = await Corral("show", "stories", "--system");
        Assert.Equal("You tell short stories.", system.Stdout);
        var parameters = await Corral("show", "stories", "--parameters");
        Assert.Matches(@"^num_predict +12\ntemperature +0\n$", parameters.Stdout);
        var modelfile = await Corral("show", "stories", "--modelfile");
        Assert.Contains("\nFROM ", modelfile.Stdout);
        var license = await Corral("show", "stories", "--license");
        Assert.Equal("\n", license.Stdout);
        var missing = await Corral("show", "no-such-model");
        Assert.Equal(1, missing.ExitCode);
        Assert.Matches(@"^Error: model .no-such-model(:latest)?. not found\n$", missing.Stderr);
    }

    [NeedsRoutesFact("/api/show", "/api/copy", "/api/delete")]
    public async Task Copy_and_remove()
    {
        var cp = await Corral("cp", "stories", "stories-copy");
        Assert.True(cp.ExitCode == 0, cp.ToString());
        Assert.Equal("copied 'stories' to 'stories-copy'\n", cp.Stdout);
        Assert.True(await server.ModelExistsAsync("stories-copy:latest"));

        var rm = await Corral("rm", "stories-copy");
        Assert.True(rm.ExitCode == 0, rm.ToString());
        Assert.Equal("deleted 'stories-copy'\n", rm.Stdout);
        Assert.DoesNotContain("Warning", rm.PlainStderr);
        Assert.False(await server.ModelExistsAsync("stories-copy:latest"));

        var again = await Corral("rm", "stories-copy");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("not found", again.PlainStderr);
        var badCopy = await Corral("cp", "no-such-model", "x");
        Assert.Equal(1, badCopy.ExitCode);
        Assert.Equal("Error: model \"no-such-model\" not found\n", badCopy.Stderr);
    }

    [NeedsRoutesFact("/api/show", "/api/ps")]
    public async Task Ps_lists_a_loaded_model_until_it_is_stopped()
    {
        // A blob of its own: the scheduler keys loaded models by their weights file, as upstream's does.
        await server.CreateModelAsync("ps-model", new System.Text.Json.Nodes.JsonObject { ["parameters"] = new System.Text.Json.Nodes.JsonObject { ["num_predict"] = 2 } },
            RepoPaths.SharedFile("models", "llama-tiny-F16.gguf"));
        var run = await Corral("run", "ps-model", "Once", "--keepalive", "10m");
        Assert.True(run.ExitCode == 0, run.ToString());
        var ps = await Corral("ps");
        var lines = ps.Stdout.Split('\n');
        Assert.Matches(@"^NAME {4,}ID {14}SIZE {4,}PROCESSOR {4,}CONTEXT {4,}UNTIL {4,}$", lines[0]);
        Assert.Matches(@"^ps-model:latest {4,}[0-9a-f]{12} {4}[0-9.]+ [KMG]?B {4,}100% CPU {4,}\d+ {4,}(9|10) minutes from now {4,}$",
            Assert.Single(lines, l => l.StartsWith("ps-model", StringComparison.Ordinal)));

        var stop = await Corral("stop", "ps-model");
        Assert.True(stop.ExitCode == 0, stop.ToString());
        Assert.Equal("", stop.Stdout);
        Assert.DoesNotContain("ps-model", (await Corral("ps")).Stdout);

        var unknown = await Corral("stop", "no-such-model");
        Assert.Equal(1, unknown.ExitCode);
        Assert.EndsWith("Error: couldn't find model \"no-such-model\" to stop\n", unknown.PlainStderr);
    }
}
