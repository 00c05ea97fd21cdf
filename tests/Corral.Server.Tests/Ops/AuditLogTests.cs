using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Corral.Config;
using Corral.Server.Observability;
using Corral.Server.Security;
using Corral.Server.Tests.Infrastructure;
using Corral.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Corral.Server.Tests.Ops.OpsHttp;

namespace Corral.Server.Tests.Ops;

/// <summary>CORRAL_AUDIT_LOG: one JSON line per request with key name, client, model, status, time, tokens and bytes; safe under load and disk failure.</summary>
public sealed class AuditLogTests : IDisposable
{
    private readonly TempDir _dir = new("corral-audit-");

    public void Dispose() => _dir.Dispose();

    private static string Stories => RepoPaths.SharedFile("models", "stories260K.gguf");

    /// <summary>The file's lines once it has at least <paramref name="count"/> of them (the writer is asynchronous).</summary>
    private static async Task<List<JsonObject>> LinesAsync(string path, int count)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var lines = File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0).ToList() : [];
            if (lines.Count >= count) return lines.Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
            if (watch.Elapsed > TimeSpan.FromSeconds(15)) throw new TimeoutException($"{path} has {lines.Count} lines, expected {count}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Off_no_audit_log_and_no_metrics_route()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Null(server.Server.App.Services.GetService<AuditLog>());
        Assert.Null(server.Server.App.Services.GetService<PrometheusExporter>());
        var metrics = await SendAsync(server.Http, "GET", "/metrics");
        Assert.Equal(404, metrics.Status);
        Assert.Equal("404 page not found", metrics.Text);
    }

    [Fact]
    public async Task A_generate_request_is_one_line_with_key_model_status_tokens_and_bytes()
    {
        string path = Path.Combine(_dir.Path, "logs", "audit.jsonl"); // the folder is created
        const string secret = "sk-audit-secret-123";
        await using var server = await TestServer.StartAsync(new Dictionary<string, string>
        {
            [AuditLog.Variable] = path,
            [ApiKeySet.Variable] = "alice:" + secret + ",ro:bob:bob-secret",
        });
        server.Http.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        await server.CreateModelAsync("audited", Stories); // two lines: blob upload and create
        var before = DateTimeOffset.UtcNow;
        var body = new JsonObject
        {
            ["model"] = "audited", ["prompt"] = "Once upon a time", ["stream"] = false,
            ["options"] = new JsonObject { ["num_predict"] = 6, ["temperature"] = 0 },
        };
        using var resp = await server.Http.PostAsync("/api/generate", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        byte[] answer = await resp.Content.ReadAsByteArrayAsync();
        var after = DateTimeOffset.UtcNow;
        Assert.Equal(200, (int)resp.StatusCode);
        var reply = JsonNode.Parse(answer)!;

        var lines = await LinesAsync(path, 3);
        var line = Assert.Single(lines, l => (string?)l["path"] == "/api/generate");
        Assert.Equal(["time", "key", "client", "method", "path", "model", "status", "duration_ms", "prompt_tokens", "eval_tokens", "bytes_out"],
            line.Select(p => p.Key));
        Assert.InRange(DateTimeOffset.Parse((string)line["time"]!), before.AddSeconds(-1), after.AddSeconds(1));
        Assert.Equal("alice", (string?)line["key"]);
        Assert.Equal("127.0.0.1", (string?)line["client"]);
        Assert.Equal("POST", (string?)line["method"]);
        Assert.Equal("audited", (string?)line["model"]);
        Assert.Equal(200, (int)line["status"]!);
        Assert.True((double)line["duration_ms"]! > 0);
        Assert.Equal((int)reply["prompt_eval_count"]!, (int)line["prompt_tokens"]!);
        Assert.Equal((int)reply["eval_count"]!, (int)line["eval_tokens"]!);
        Assert.Equal(6, (int)line["eval_tokens"]!);
        Assert.Equal(answer.Length, (long)line["bytes_out"]!);

        var create = Assert.Single(lines, l => (string?)l["path"] == "/api/create");
        Assert.Equal("audited", (string?)create["model"]);
        Assert.False(create.ContainsKey("prompt_tokens"));
        Assert.Single(lines, l => ((string?)l["path"])!.StartsWith("/api/blobs/sha256:", StringComparison.Ordinal) && !l.ContainsKey("model"));

        // Refusals are audited without a key name; the secret never reaches the file.
        server.Http.DefaultRequestHeaders.Authorization = new("Bearer", "wrong");
        Assert.Equal(401, (await SendAsync(server.Http, "GET", "/api/tags")).Status);
        var refused = (await LinesAsync(path, 4))[3];
        Assert.Equal(401, (int)refused["status"]!);
        Assert.False(refused.ContainsKey("key"));
        Assert.True((long)refused["bytes_out"]! > 0);
        // A read-only key refused on a changing route is named.
        Assert.Equal(403, (await SendAsync(server.Http, "POST", "/api/pull", new JsonObject { ["model"] = "x" }, Bearer("bob-secret"))).Status);
        var forbidden = (await LinesAsync(path, 5))[4];
        Assert.Equal(403, (int)forbidden["status"]!);
        Assert.Equal("bob", (string?)forbidden["key"]);
        Assert.Equal("x", (string?)forbidden["model"]);
        Assert.DoesNotContain(secret, File.ReadAllText(path));
        Assert.DoesNotContain("bob-secret", File.ReadAllText(path));
    }

    [Fact]
    public async Task Streamed_answers_and_models_named_after_a_long_field_are_recorded()
    {
        string path = _dir.File("audit.jsonl");
        await using var server = await TestServer.StartAsync(new Dictionary<string, string> { [AuditLog.Variable] = path });
        await server.CreateModelAsync("streamed", Stories);

        // The model key comes after more than the peeked bytes: the route still gets the whole body, and the audit
        // line names the model that served it.
        var body = new JsonObject
        {
            ["padding"] = new string('x', RequestModelPeek.Limit + 100),
            ["prompt"] = "Once upon a time",
            ["model"] = "streamed",
            ["options"] = new JsonObject { ["num_predict"] = 5, ["temperature"] = 0 },
        };
        using var resp = await server.Http.PostAsync("/api/generate", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        byte[] streamed = await resp.Content.ReadAsByteArrayAsync();
        Assert.Equal(200, (int)resp.StatusCode);
        var last = JsonNode.Parse(Encoding.UTF8.GetString(streamed).TrimEnd('\n').Split('\n')[^1])!;
        Assert.True((bool)last["done"]!);

        var line = Assert.Single(await LinesAsync(path, 3), l => (string?)l["path"] == "/api/generate");
        Assert.StartsWith("streamed", (string?)line["model"]);
        Assert.Equal((int)last["prompt_eval_count"]!, (int)line["prompt_tokens"]!);
        Assert.Equal(5, (int)line["eval_tokens"]!);
        Assert.Equal(streamed.Length, (long)line["bytes_out"]!);
        Assert.False(line.ContainsKey("key"));
    }

    [Fact]
    public async Task Many_concurrent_requests_give_whole_lines_and_rotation_reopens_the_path()
    {
        string path = _dir.File("audit.jsonl");
        await using var server = await TestServer.StartAsync(new Dictionary<string, string> { [AuditLog.Variable] = path });
        await Task.WhenAll(Enumerable.Range(0, 64).Select(i => SendAsync(server.Http, "POST", "/api/show", new JsonObject { ["model"] = "m" + i })));
        var lines = await LinesAsync(path, 64);
        Assert.Equal(64, lines.Count);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => "m" + i).Order(), lines.Select(l => (string)l["model"]!).Order());
        Assert.All(lines, l => Assert.Equal("/api/show", (string?)l["path"]));

        // logrotate without copytruncate: the file is renamed away and the next batch goes to a new one.
        File.Move(path, path + ".1");
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags")).Status);
        var fresh = Assert.Single(await LinesAsync(path, 1));
        Assert.Equal("/api/tags", (string?)fresh["path"]);
        Assert.Equal(64, File.ReadAllLines(path + ".1").Length);

        // copytruncate: the file shrinks under the writer, which reopens it rather than leaving a hole.
        File.WriteAllText(path, "");
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/version")).Status);
        var afterTruncate = Assert.Single(await LinesAsync(path, 1));
        Assert.Equal("/api/version", (string?)afterTruncate["path"]);
        Assert.DoesNotContain('\0', File.ReadAllText(path));
    }

    [Fact]
    public async Task A_failing_disk_is_reported_once_and_requests_are_still_served()
    {
        if (!File.Exists("/dev/full")) return; // Linux's always-full device
        await using var server = await LoggedServer.StartAsync(new() { [AuditLog.Variable] = "/dev/full" });
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags")).Status);
            await Task.Delay(30); // separate batches, each failing
        }
        var audit = server.Server.App.Services.GetRequiredService<AuditLog>();
        var watch = Stopwatch.StartNew();
        while (audit.Dropped < 5 && watch.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        Assert.Equal(5, audit.Dropped);
        var errors = server.Logs.Records.Where(r => r.Category == "Corral.Audit" && r.Level == LogLevel.Error).ToList();
        var error = Assert.Single(errors);
        Assert.StartsWith("audit log: cannot write to /dev/full: ", error.Message);
    }

    [Fact]
    public void A_path_that_cannot_be_opened_stops_the_start()
    {
        string file = _dir.File("not-a-folder");
        File.WriteAllText(file, "");
        string path = Path.Combine(file, "audit.jsonl");
        var config = EnvConfig.FromDictionary(new Dictionary<string, string> { ["OLLAMA_HOST"] = "127.0.0.1:0", [AuditLog.Variable] = path }, homeDirectory: _dir.Path);
        var e = Assert.Throws<OpsConfigurationException>(() => CorralServer.Create(config, _ => { }));
        Assert.StartsWith($"CORRAL_AUDIT_LOG: cannot open '{path}' for appending: ", e.Message);
    }

    [Theory]
    [InlineData("""{"model":"a","prompt":"p"}""", true, "a")]
    [InlineData("""{"Model":"a"}""", true, "a")]
    [InlineData("""{"name":"n"}""", true, "n")]
    [InlineData("""{"name":"n","model":"m"}""", true, "m")]
    [InlineData("""{"options":{"model":"inner"},"messages":[{"model":"x"}],"model":"outer"}""", true, "outer")]
    [InlineData("""{"source":"a","destination":"b"}""", true, null)]
    [InlineData("""{"model":"a","prompt":"cut of""", false, "a")]
    [InlineData("""{"prompt":"cut of""", false, null)]
    [InlineData("""not json""", true, null)]
    [InlineData("""["model"]""", true, null)]
    [InlineData("""{"model":3}""", true, null)]
    public void The_peek_finds_the_top_level_model(string json, bool complete, string? model)
    {
        Assert.Equal(model, RequestModelPeek.FindModel(Encoding.UTF8.GetBytes(json), complete));
    }
}
