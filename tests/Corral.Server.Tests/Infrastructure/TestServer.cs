using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Corral.Config;
using Corral.Testing;

namespace Corral.Server.Tests.Infrastructure;

/// <summary>
/// A real Corral server on 127.0.0.1 (an ephemeral port) over a temporary model store, for tests that
/// speak HTTP to it exactly as clients do.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly TempDir _home;
    public CorralServer Server { get; }
    public Uri Url { get; }
    public HttpClient Http { get; }
    public string ModelsDirectory => Server.ModelsDirectory;

    private TestServer(TempDir home, CorralServer server, Uri url)
    {
        _home = home;
        Server = server;
        Url = url;
        Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(5) };
    }

    public static async Task<TestServer> StartAsync(IReadOnlyDictionary<string, string>? env = null)
    {
        var home = new TempDir("corral-server-");
        var vars = new Dictionary<string, string>
        {
            ["OLLAMA_HOST"] = "127.0.0.1:0",
            ["OLLAMA_MODELS"] = Path.Combine(home.Path, "models"),
        };
        if (env != null) foreach (var (k, v) in env) vars[k] = v;
        var config = EnvConfig.FromDictionary(vars, homeDirectory: home.Path);
        var server = CorralServer.Create(config, logging: _ => { });
        var url = await server.StartAsync();
        return new TestServer(home, server, url);
    }

    /// <summary>Uploads a file as a blob and returns its digest.</summary>
    public async Task<string> UploadBlobAsync(string path)
    {
        string digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        await using var fs = File.OpenRead(path);
        using var resp = await Http.PostAsync("/api/blobs/" + digest, new StreamContent(fs));
        if (!resp.IsSuccessStatusCode) throw new InvalidOperationException($"blob upload failed: {(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
        return digest;
    }

    /// <summary>Imports a GGUF file as model <paramref name="name"/> through /api/blobs + /api/create, as clients do.</summary>
    public async Task CreateModelAsync(string name, string ggufPath, JsonObject? extra = null)
    {
        string digest = await UploadBlobAsync(ggufPath);
        var body = new JsonObject
        {
            ["model"] = name,
            ["files"] = new JsonObject { [Path.GetFileName(ggufPath)] = digest },
            ["stream"] = false,
        };
        if (extra != null) foreach (var (k, v) in extra) body[k] = v?.DeepClone();
        using var resp = await Http.PostAsync("/api/create", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await resp.Content.ReadAsStringAsync();
        if (!resp.IsSuccessStatusCode) throw new InvalidOperationException($"create failed: {(int)resp.StatusCode} {text}");
    }

    public async Task<(int Status, JsonNode? Body, string Text)> PostAsync(string path, JsonNode body)
    {
        using var resp = await Http.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await resp.Content.ReadAsStringAsync();
        JsonNode? node = null;
        try { node = text.Length > 0 && text.TrimStart().StartsWith('{') && !text.Contains('\n') ? JsonNode.Parse(text) : null; } catch (System.Text.Json.JsonException) { }
        return ((int)resp.StatusCode, node, text);
    }

    /// <summary>POSTs and returns every NDJSON line as a JSON object.</summary>
    public async Task<(int Status, List<JsonObject> Lines)> PostStreamAsync(string path, JsonNode body)
    {
        using var resp = await Http.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        string text = await resp.Content.ReadAsStringAsync();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
        return ((int)resp.StatusCode, lines);
    }

    /// <summary>Runs a Node.js script from tests/clients with CORRAL_URL set; returns its stdout, failing on a non-zero exit.</summary>
    public async Task<string> RunNodeAsync(string script, IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        string dir = Path.Combine(RepoPaths.Root, "tests", "clients");
        if (!Directory.Exists(Path.Combine(dir, "node_modules")))
            throw new InvalidOperationException("tests/clients/node_modules is missing; run ./test.sh (it installs the npm clients)");
        var psi = new ProcessStartInfo("node", Path.Combine(dir, script))
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["CORRAL_URL"] = Url.ToString().TrimEnd('/');
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(true); throw new TimeoutException($"node {script} timed out; stderr: {await stderr}"); }
        if (p.ExitCode != 0) throw new Xunit.Sdk.XunitException($"node {script} exited {p.ExitCode}\nstdout: {await stdout}\nstderr: {await stderr}");
        return await stdout;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        _home.Dispose();
    }
}
