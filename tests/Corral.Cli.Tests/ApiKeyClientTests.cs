using System.Net.Http.Headers;
using Corral.Cli.Tests.Infrastructure;

namespace Corral.Cli.Tests;

/// <summary>The CLI against a server with <c>CORRAL_API_KEYS</c>: it presents <c>CORRAL_API_KEY</c> or <c>OLLAMA_API_KEY</c> as a bearer token.</summary>
public sealed class ApiKeyClientTests : IAsyncLifetime
{
    private const string Secret = "cli-secret";
    private readonly ClientHome _home = new();
    private CliServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await CliServer.StartNewAsync(withModel: false, new Dictionary<string, string> { ["CORRAL_API_KEYS"] = "cli:" + Secret });
        _server.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
        await _server.CreateModelAsync(CliServer.Model, new() { ["parameters"] = new System.Text.Json.Nodes.JsonObject { ["temperature"] = 0, ["num_predict"] = 4 } });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _home.Dispose();
    }

    private Task<CliResult> Corral(Dictionary<string, string>? env, params string[] args) => CliProcess.RunAsync(_server.Host, _home.Path, args, env: env);

    [Fact]
    public async Task Without_a_key_the_server_refusal_is_shown()
    {
        var r = await Corral(null, "list");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Error: missing API key", r.PlainStderr);
    }

    [Fact]
    public async Task CORRAL_API_KEY_is_sent_as_a_bearer_token()
    {
        var r = await Corral(new() { ["CORRAL_API_KEY"] = Secret, ["OLLAMA_API_KEY"] = "wrong" }, "list");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("stories:latest", r.Stdout);
    }

    [Fact]
    public async Task OLLAMA_API_KEY_works_too()
    {
        var r = await Corral(new() { ["OLLAMA_API_KEY"] = Secret }, "list");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("stories:latest", r.Stdout);
    }

    [NeedsRoutesFact("/api/show")]
    public async Task Run_generates_with_a_key()
    {
        var r = await Corral(new() { ["CORRAL_API_KEY"] = Secret }, "run", CliServer.Model, "Once upon a time");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.NotEmpty(r.Stdout.Trim());
    }
}
