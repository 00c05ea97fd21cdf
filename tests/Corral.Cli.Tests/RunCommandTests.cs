using Corral.Cli.Tests.Infrastructure;
using Corral.Config;

namespace Corral.Cli.Tests;

/// <summary><c>corral run</c> without a terminal: one prompt from arguments and/or piped input, <c>--verbose</c>, local GGUF files, errors.</summary>
[Collection(CliServerCollection.Name)]
public sealed class RunCommandTests(CliServer server) : IDisposable
{
    private readonly ClientHome _home = new();

    public void Dispose() => _home.Dispose();

    private Task<CliResult> Corral(string[] args, string? stdin = null) => CliProcess.RunAsync(server.Host, _home.Path, args, stdin);

    [NeedsRoutesFact("/api/show")]
    public async Task One_shot_prints_the_answer_then_a_blank_line()
    {
        var expected = await server.GenerateAsync("stories", "Once upon a time");
        var r = await Corral(["run", "stories", "Once", "upon", "a", "time"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(expected["response"]!.GetValue<string>() + "\n\n", r.Stdout);
        Assert.DoesNotContain("total duration", r.PlainStderr);
    }

    [NeedsRoutesFact("/api/show")]
    public async Task Piped_input_comes_before_the_prompt_arguments()
    {
        var expected = await server.GenerateAsync("stories", "Tom had a\n dog");
        var r = await Corral(["run", "stories", "dog"], stdin: "Tom had a\n");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(expected["response"]!.GetValue<string>() + "\n\n", r.Stdout);

        // Piped input alone is the whole prompt.
        var alone = await Corral(["run", "stories"], stdin: "Tom had a");
        Assert.Equal((await server.GenerateAsync("stories", "Tom had a"))["response"]!.GetValue<string>() + "\n\n", alone.Stdout);
    }

    [NeedsRoutesFact("/api/show")]
    public async Task Verbose_prints_the_timings_on_stderr()
    {
        var r = await Corral(["run", "stories", "Lily", "--verbose"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        string err = r.PlainStderr;
        Assert.Matches(@"total duration: {7}\d[\d.]*(ns|µs|ms|s)\n", err);
        Assert.Matches(@"prompt eval count: {4}\d+ token\(s\)\n", err);
        Assert.Matches(@"eval count: {11}12 token\(s\)\n", err);
        Assert.Matches(@"eval rate: {12}\d+\.\d\d tokens/s\n", err);
    }

    [NeedsRoutesFact("/api/show")]
    public async Task A_local_gguf_path_is_imported_by_digest_and_run()
    {
        using var dir = new Corral.Testing.TempDir("corral-cli-gguf-");
        string copy = dir.File("tiny story.gguf");
        File.Copy(CliServer.StoriesPath, copy);
        var r = await Corral(["run", copy, "Once"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.EndsWith("\n\n", r.Stdout);
        string digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(copy)));
        Assert.True(await server.ModelExistsAsync($"tiny-story:{digest[..12]}"));
        Assert.Contains($"copying file sha256:{digest} 100%", r.PlainStderr);

        // The second run finds the model by its digest-derived name and uploads nothing.
        var again = await Corral(["run", copy, "Once"]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("copying file", again.PlainStderr);
    }

    [NeedsRoutesFact("/api/show")]
    public async Task Bad_flags_and_missing_models_fail_clearly()
    {
        var think = await Corral(["run", "stories", "hi", "--think=loud"]);
        Assert.Equal("Error: invalid value for --think: \"loud\" (must be true, false, high, medium, low, or max)\n", think.Stderr);
        var keepAlive = await Corral(["run", "stories", "hi", "--keepalive", "5"]);
        Assert.Equal("Error: time: missing unit in duration \"5\"\n", keepAlive.Stderr);
        var invalid = await Corral(["run", "Not A Name!", "hi"]);
        Assert.Equal(1, invalid.ExitCode);
        Assert.StartsWith("Error: ", invalid.PlainStderr.Split('\n').Last(l => l.Length > 0));
    }

    [NeedsRoutesFact("/api/show", "/api/ps")]
    public async Task Keepalive_zero_unloads_after_answering()
    {
        await server.CreateModelAsync("keepalive-model");
        var r = await Corral(["run", "keepalive-model", "Once", "--keepalive", "0s"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("keepalive-model", await server.Http.GetStringAsync("/api/ps"));
    }

    [Fact]
    public void Keepalive_is_sent_as_the_go_client_sends_it()
    {
        Assert.Equal("\"5m0s\"", Commands.RunOptions.KeepAliveJson(GoDuration.Parse("5m")).ToJsonString());
        Assert.Equal("\"0s\"", Commands.RunOptions.KeepAliveJson(GoDuration.Zero).ToJsonString());
        Assert.Equal("-1", Commands.RunOptions.KeepAliveJson(GoDuration.Parse("-1m")).ToJsonString());
    }
}

/// <summary><c>corral run</c> on embedding models and <c>corral serve</c>.</summary>
[Collection(CliServerCollection.Name)]
public sealed class EmbeddingAndServeTests(CliServer server) : IDisposable
{
    private readonly ClientHome _home = new();

    public void Dispose() => _home.Dispose();

    [NeedsRoutesFact("/api/show", "/api/embed")]
    public async Task Embedding_models_print_the_vector_and_need_input()
    {
        // stories260K declared an embedding model through create's info override.
        await server.CreateModelAsync("embedder", new System.Text.Json.Nodes.JsonObject { ["info"] = new System.Text.Json.Nodes.JsonObject { ["capabilities"] = new System.Text.Json.Nodes.JsonArray("embedding") } });
        var r = await CliProcess.RunAsync(server.Host, _home.Path, ["run", "embedder", "a red ball", "--dimensions", "8"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var vector = System.Text.Json.Nodes.JsonNode.Parse(r.Stdout)!.AsArray();
        Assert.Equal(8, vector.Count);
        Assert.EndsWith("]\n", r.Stdout);
        double norm = Math.Sqrt(vector.Sum(v => v!.GetValue<double>() * v.GetValue<double>()));
        Assert.InRange(norm, 0.999, 1.001);

        var none = await CliProcess.RunAsync(server.Host, _home.Path, ["run", "embedder"]);
        Assert.Equal(1, none.ExitCode);
        Assert.Equal("Error: embedding models require input text. Usage: corral run embedder \"your text here\"\n", none.Stderr);
    }

    [Fact]
    public async Task Serve_answers_on_OLLAMA_HOST_until_interrupted()
    {
        int port;
        using (var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
        }
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(CliProcess.CorralDll);
        psi.ArgumentList.Add("serve");
        psi.Environment["OLLAMA_HOST"] = $"127.0.0.1:{port}";
        psi.Environment["OLLAMA_MODELS"] = Path.Combine(_home.Path, "models");
        psi.Environment["HOME"] = _home.Path;
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            string? answer = null;
            for (int i = 0; i < 300 && answer is null && !p.HasExited; i++)
            {
                try { answer = await http.GetStringAsync("/"); }
                catch (HttpRequestException) { await Task.Delay(100); }
            }
            Assert.Equal("Ollama is running", answer);
            var version = await CliProcess.RunAsync($"127.0.0.1:{port}", _home.Path, ["--version"]);
            Assert.Equal("corral version is 0.33.0\n", version.Stdout);
        }
        finally
        {
            if (!p.HasExited) System.Diagnostics.Process.Start("kill", ["-INT", p.Id.ToString()])!.WaitForExit();
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(cts.Token);
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}\n{await stdout}\n{await stderr}");
    }
}
