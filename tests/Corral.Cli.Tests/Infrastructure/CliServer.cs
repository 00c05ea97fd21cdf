using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Corral.Config;
using Corral.Server;
using Corral.Testing;

namespace Corral.Cli.Tests.Infrastructure;

/// <summary>
/// A real Corral server on 127.0.0.1 (an ephemeral port) over a temporary store, holding the tiny stories260K model
/// as <c>stories</c> (greedy, 12 tokens per answer) — the server every CLI process test talks to.
/// </summary>
public sealed class CliServer : IAsyncLifetime
{
    public const string Model = "stories";
    private readonly TempDir _dir = new("corral-cli-server-");
    private CorralServer? _server;

    public Uri Url { get; private set; } = null!;

    /// <summary><c>host:port</c> for <c>OLLAMA_HOST</c>.</summary>
    public string Host => $"{Url.Host}:{Url.Port}";

    public HttpClient Http { get; private set; } = null!;

    public string ModelsDirectory => Path.Combine(_dir.Path, "models");

    public static string StoriesPath => RepoPaths.SharedFile("models", "stories260K.gguf");

    public Task InitializeAsync() => StartAsync(withModel: true, extraEnvironment: null);

    /// <summary>A server of its own (for tests that need two), optionally without the <c>stories</c> model.</summary>
    public static async Task<CliServer> StartNewAsync(bool withModel, IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        var server = new CliServer();
        await server.StartAsync(withModel, extraEnvironment);
        return server;
    }

    private async Task StartAsync(bool withModel, IReadOnlyDictionary<string, string>? extraEnvironment)
    {
        var vars = new Dictionary<string, string>
        {
            ["OLLAMA_HOST"] = "127.0.0.1:0",
            ["OLLAMA_MODELS"] = ModelsDirectory,
        };
        if (extraEnvironment is not null) foreach (var (k, v) in extraEnvironment) vars[k] = v;
        _server = CorralServer.Create(EnvConfig.FromDictionary(vars, homeDirectory: _dir.Path), logging: _ => { });
        Url = await _server.StartAsync();
        Http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromMinutes(2) };
        if (!withModel) return;
        await CreateModelAsync(Model, new JsonObject
        {
            ["parameters"] = new JsonObject { ["temperature"] = 0, ["num_predict"] = 12 },
            ["system"] = "You tell short stories.",
        });
    }

    /// <summary>What <c>/api/generate</c> answers (not streamed) for a prompt with the model's own options.</summary>
    public async Task<JsonObject> GenerateAsync(string model, string prompt)
    {
        var body = new JsonObject { ["model"] = model, ["prompt"] = prompt, ["stream"] = false };
        using var resp = await Http.PostAsync("/api/generate", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await resp.Content.ReadAsStringAsync();
        if (!resp.IsSuccessStatusCode) throw new InvalidOperationException($"generate failed: {(int)resp.StatusCode} {text}");
        return (JsonObject)JsonNode.Parse(text)!;
    }

    /// <summary>Imports a GGUF (stories260K unless given) as <paramref name="name"/> through <c>/api/blobs</c> + <c>/api/create</c>.</summary>
    public async Task CreateModelAsync(string name, JsonObject? extra = null, string? ggufPath = null)
    {
        byte[] bytes = await File.ReadAllBytesAsync(ggufPath ?? StoriesPath);
        string digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        using (var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/blobs/" + digest)))
        {
            if (head.StatusCode != HttpStatusCode.OK)
            {
                using var up = await Http.PostAsync("/api/blobs/" + digest, new ByteArrayContent(bytes));
                up.EnsureSuccessStatusCode();
            }
        }
        var body = new JsonObject
        {
            ["model"] = name,
            ["files"] = new JsonObject { [Path.GetFileName(ggufPath ?? StoriesPath)] = digest },
            ["stream"] = false,
        };
        if (extra is not null) foreach (var (k, v) in extra) body[k] = v?.DeepClone();
        using var resp = await Http.PostAsync("/api/create", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        if (!resp.IsSuccessStatusCode) throw new InvalidOperationException($"create {name} failed: {(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
    }

    public async Task<bool> ModelExistsAsync(string name)
    {
        var tags = JsonNode.Parse(await Http.GetStringAsync("/api/tags"))!;
        return tags["models"]!.AsArray().Any(m => m!["name"]!.GetValue<string>() == name);
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        _dir.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class CliServerCollection : ICollectionFixture<CliServer>
{
    public const string Name = "cli server";
}
