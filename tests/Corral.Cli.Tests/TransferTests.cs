using Corral.Cli.Tests.Infrastructure;

namespace Corral.Cli.Tests;

/// <summary>
/// <c>pull</c> and <c>push</c> with their progress UI, between two real servers: A holds <c>stories</c> and serves its
/// store as a registry (push enabled), B starts empty.
/// </summary>
public sealed class TransferTests : IAsyncLifetime
{
    private CliServer _registry = null!;
    private CliServer _client = null!;
    private readonly ClientHome _home = new();

    public async Task InitializeAsync()
    {
        if (!Requirements.HasRoute("/api/pull")) return;
        _registry = await CliServer.StartNewAsync(withModel: true, new Dictionary<string, string> { ["CORRAL_REGISTRY_PUSH"] = "1" });
        _client = await CliServer.StartNewAsync(withModel: false);
    }

    public async Task DisposeAsync()
    {
        if (_registry is not null) await _registry.DisposeAsync();
        if (_client is not null) await _client.DisposeAsync();
        _home.Dispose();
    }

    private Task<CliResult> Corral(params string[] args) => CliProcess.RunAsync(_client.Host, _home.Path, args);

    [NeedsRoutesFact("/api/pull", "/api/push", "/api/copy", "/v2/")]
    public async Task Pull_shows_bars_then_push_skips_blobs_the_registry_has()
    {
        string source = $"{_registry.Host}/library/stories:latest";
        var pull = await Corral("pull", source, "--insecure");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        string err = pull.PlainStderr;
        Assert.Contains("pulling manifest", err);
        Assert.Matches(@"pulling [0-9a-f]{12}: 100% ▕█+▏ 1\.2 MB", err);
        Assert.Contains("verifying sha256 digest", err);
        Assert.Contains("writing manifest", err);
        Assert.Contains("success", err);
        Assert.True(await _client.ModelExistsAsync(source));

        string target = $"{_registry.Host}/library/pushed:latest";
        Assert.Equal(0, (await Corral("cp", source, target)).ExitCode);
        var push = await Corral("push", target, "--insecure");
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Contains("retrieving manifest", push.PlainStderr);
        Assert.Matches(@"pushing [0-9a-f]{12}\S* +100% ", push.PlainStderr);
        Assert.Contains("pushing manifest", push.PlainStderr);
        Assert.Equal($"\nYou can find your model at:\n\n\t{target}\n", push.Stdout);
        Assert.True(await _registry.ModelExistsAsync($"{_registry.Host}/library/pushed:latest") || await _registry.ModelExistsAsync("pushed:latest"));
    }

    [NeedsRoutesFact("/api/pull")]
    public async Task Pulling_an_unknown_model_fails_with_the_registry_error()
    {
        var r = await Corral("pull", $"{_registry.Host}/library/no-such-model:latest", "--insecure");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("pulling manifest", r.PlainStderr);
        Assert.Matches(@"Error: pull model manifest: .+\n$", r.PlainStderr);
    }

    [NeedsRoutesFact("/api/pull", "/api/show", "/v2/")]
    public async Task Run_pulls_a_missing_model_then_answers()
    {
        string source = $"{_registry.Host}/library/stories:latest";
        var r = await Corral("run", source, "Once", "--insecure");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("pulling manifest", r.PlainStderr);
        Assert.Contains("success", r.PlainStderr);
        string expected = (await _registry.GenerateAsync("stories", "Once"))["response"]!.GetValue<string>();
        Assert.Equal(expected + "\n\n", r.Stdout);
    }
}
