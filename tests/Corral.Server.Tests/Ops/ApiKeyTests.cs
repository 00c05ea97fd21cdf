using System.Text.Json.Nodes;
using Corral.Config;
using Corral.Server.Security;
using Corral.Server.Tests.Infrastructure;
using Corral.Testing;
using static Corral.Server.Tests.Ops.OpsHttp;

namespace Corral.Server.Tests.Ops;

/// <summary>CORRAL_API_KEYS: off it changes nothing; on, every route but the heartbeat needs a key, refused in each surface's error shape.</summary>
public class ApiKeyTests
{
    private static Dictionary<string, string> Keys(string value) => new() { [ApiKeySet.Variable] = value };

    [Fact]
    public async Task Off_any_or_no_credentials_are_accepted_as_Ollama_does()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags")).Status);
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags", null, Bearer("anything"))).Status);
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/version", null, XApiKey("anything"))).Status);
        var missing = await SendAsync(server.Http, "POST", "/api/show", new JsonObject { ["model"] = "nope" });
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task Heartbeat_needs_no_key()
    {
        await using var server = await TestServer.StartAsync(Keys("secret-1"));
        var get = await SendAsync(server.Http, "GET", "/");
        Assert.Equal(200, get.Status);
        Assert.Equal("Ollama is running", get.Text);
        Assert.Equal(200, (await SendAsync(server.Http, "HEAD", "/")).Status);
    }

    [Fact]
    public async Task Missing_key_is_401_in_each_surfaces_error_shape()
    {
        await using var server = await TestServer.StartAsync(Keys("secret-1"));

        var native = await SendAsync(server.Http, "GET", "/api/tags");
        Assert.Equal(401, native.Status);
        Assert.Equal("application/json; charset=utf-8", native.ContentType);
        Assert.Equal(ApiKeyMiddleware.MissingKeyMessage, (string?)native.Json!["error"]);
        Assert.Equal("Bearer", native.Headers.WwwAuthenticate.ToString());

        var openAi = await SendAsync(server.Http, "POST", "/v1/chat/completions", new JsonObject { ["model"] = "m" });
        Assert.Equal(401, openAi.Status);
        Assert.Equal("application/json", openAi.ContentType);
        Assert.EndsWith("\n", openAi.Text);
        var e = openAi.Json!["error"]!;
        Assert.Equal(ApiKeyMiddleware.MissingKeyMessage, (string?)e["message"]);
        Assert.Equal("invalid_request_error", (string?)e["type"]);
        Assert.Equal("invalid_api_key", (string?)e["code"]);
        Assert.True(e.AsObject().ContainsKey("param"));

        var anthropic = await SendAsync(server.Http, "POST", "/v1/messages", new JsonObject { ["model"] = "m" });
        Assert.Equal(401, anthropic.Status);
        Assert.Equal("error", (string?)anthropic.Json!["type"]);
        Assert.Equal("authentication_error", (string?)anthropic.Json["error"]!["type"]);
        Assert.Equal(ApiKeyMiddleware.MissingKeyMessage, (string?)anthropic.Json["error"]!["message"]);
        Assert.Matches("^req_[0-9a-f]{24}$", (string?)anthropic.Json["request_id"]);

        var registry = await SendAsync(server.Http, "GET", "/v2/");
        Assert.Equal(401, registry.Status);
        Assert.Equal("UNAUTHORIZED", (string?)registry.Json!["errors"]![0]!["code"]);

        // Unknown paths are refused too, before routing says 404: nothing about the server leaks without a key.
        Assert.Equal(401, (await SendAsync(server.Http, "GET", "/no/such/route")).Status);
        Assert.Equal(401, (await SendAsync(server.Http, "HEAD", "/api/tags")).Status);
    }

    [Fact]
    public async Task Wrong_key_is_401_and_either_header_carries_a_right_one()
    {
        await using var server = await TestServer.StartAsync(Keys("secret-1,secret-2"));
        var wrong = await SendAsync(server.Http, "GET", "/api/tags", null, Bearer("secret-3"));
        Assert.Equal(401, wrong.Status);
        Assert.Equal(ApiKeyMiddleware.InvalidKeyMessage, (string?)wrong.Json!["error"]);
        Assert.Equal(401, (await SendAsync(server.Http, "GET", "/api/tags", null, Bearer("secret-1x"))).Status);
        Assert.Equal(401, (await SendAsync(server.Http, "GET", "/api/tags", null, Bearer("secret-"))).Status);

        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags", null, Bearer("secret-1"))).Status);
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags", null, ("Authorization", "bearer secret-2"))).Status);
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags", null, XApiKey("secret-2"))).Status);
        // A non-bearer Authorization falls back to x-api-key (the Anthropic SDK sends only that one).
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags", null, ("Authorization", "Basic Zm9vOmJhcg=="), XApiKey("secret-1"))).Status);
        Assert.Equal(401, (await SendAsync(server.Http, "GET", "/api/tags", null, ("Authorization", "Basic Zm9vOmJhcg=="))).Status);
    }

    [Fact]
    public async Task Read_only_keys_run_inference_and_list_but_do_not_change_models()
    {
        await using var server = await TestServer.StartAsync(Keys("admin:full-secret,ro:viewer:view-secret"));
        const string digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
        var ro = Bearer("view-secret");
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags", null, ro)).Status);
        Assert.NotEqual(403, (await SendAsync(server.Http, "GET", "/api/ps", null, ro)).Status);
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/version", null, ro)).Status);
        // Allowed routes reach the route: the model is missing, which is not an access refusal.
        Assert.Equal(404, (await SendAsync(server.Http, "POST", "/api/show", new JsonObject { ["model"] = "nope" }, ro)).Status);
        Assert.Equal(404, (await SendAsync(server.Http, "POST", "/api/generate", new JsonObject { ["model"] = "nope", ["prompt"] = "hi" }, ro)).Status);
        Assert.Equal(404, (await SendAsync(server.Http, "POST", "/api/chat", new JsonObject { ["model"] = "nope", ["messages"] = new JsonArray() }, ro)).Status);
        Assert.NotEqual(403, (await SendAsync(server.Http, "POST", "/v1/chat/completions", new JsonObject { ["model"] = "nope" }, ro)).Status);

        var refused = new (string Method, string Path, JsonNode? Body)[]
        {
            ("POST", "/api/create", new JsonObject { ["model"] = "x", ["from"] = "y" }),
            ("DELETE", "/api/delete", new JsonObject { ["model"] = "x" }),
            ("POST", "/api/pull", new JsonObject { ["model"] = "x" }),
            ("POST", "/api/push", new JsonObject { ["model"] = "x" }),
            ("POST", "/api/copy", new JsonObject { ["source"] = "x", ["destination"] = "y" }),
            ("HEAD", "/api/blobs/" + digest, null),
            ("POST", "/api/blobs/" + digest, new JsonObject()),
            ("POST", "/v2/library/x/blobs/uploads/", null),
            ("PUT", "/v2/library/x/manifests/latest", new JsonObject()),
        };
        foreach (var (method, path, body) in refused)
        {
            var r = await SendAsync(server.Http, method, path, body, ro);
            Assert.True(r.Status == 403, $"{method} {path}: {r.Status} {r.Text}");
            if (method != "HEAD" && !path.StartsWith("/v2", StringComparison.Ordinal))
                Assert.Equal($"the API key 'viewer' is read-only and may not call {method} {path}", (string?)r.Json!["error"]);
        }
        var v2 = await SendAsync(server.Http, "PUT", "/v2/library/x/manifests/latest", new JsonObject(), ro);
        Assert.Equal("DENIED", (string?)v2.Json!["errors"]![0]!["code"]);

        // The full key passes the same routes on to their handlers.
        var full = Bearer("full-secret");
        Assert.Equal(404, (await SendAsync(server.Http, "POST", "/api/copy", new JsonObject { ["source"] = "x", ["destination"] = "y" }, full)).Status);
        Assert.Equal(404, (await SendAsync(server.Http, "HEAD", "/api/blobs/" + digest, null, full)).Status);
    }

    [Fact]
    public async Task Keys_from_a_file_with_names_comments_and_read_only_markers()
    {
        using var dir = new TempDir("corral-keys-");
        string file = Path.Combine(dir.Path, "keys");
        File.WriteAllText(file, "# operators\nalice:alice-secret\n\n  ro:dashboards:dash-secret  \nplain-secret\n");
        await using var server = await TestServer.StartAsync(Keys("@" + file));
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags", null, Bearer("alice-secret"))).Status);
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags", null, Bearer("plain-secret"))).Status);
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags", null, Bearer("dash-secret"))).Status);
        Assert.Equal(403, (await SendAsync(server.Http, "POST", "/api/pull", new JsonObject { ["model"] = "x" }, Bearer("dash-secret"))).Status);
        Assert.Equal(401, (await SendAsync(server.Http, "GET", "/api/tags", null, Bearer("# operators"))).Status);
        Assert.Equal(401, (await SendAsync(server.Http, "GET", "/api/tags", null, Bearer("alice"))).Status);
    }

    [Fact]
    public void Entries_parse_into_names_read_only_flags_and_secrets()
    {
        var set = ApiKeySet.Parse(" one , alice:two,ro:three, ro:bob:four:with:colons ,:five")!;
        Assert.Equal(["key1", "alice", "key3", "bob", "key5"], set.Keys.Select(k => k.Name));
        Assert.Equal([false, false, true, true, false], set.Keys.Select(k => k.ReadOnly));
        Assert.Equal("key1", set.Find("one")!.Name);
        Assert.Equal("alice", set.Find("two")!.Name);
        Assert.Equal("key3", set.Find("three")!.Name);
        Assert.Equal("bob", set.Find("four:with:colons")!.Name);
        Assert.Equal("key5", set.Find("five")!.Name);
        Assert.Null(set.Find("alice:two"));
        Assert.Null(set.Find(""));
        Assert.Null(ApiKeySet.Parse("   "));
    }

    [Theory]
    [InlineData("a,,b", "CORRAL_API_KEYS: entry 2 has no key")]
    [InlineData("a,b,", "CORRAL_API_KEYS: entry 3 has no key")]
    [InlineData("x:a,x:b", "CORRAL_API_KEYS: entry 2: the name 'x' is used twice")]
    [InlineData("a,b:a", "CORRAL_API_KEYS: entry 2 repeats the key of an earlier entry")]
    [InlineData("ro:", "CORRAL_API_KEYS: entry 1 has no key")]
    public void Unusable_entries_name_the_variable_and_the_entry(string value, string message)
    {
        var e = Assert.Throws<OpsConfigurationException>(() => ApiKeySet.Parse(value));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void A_missing_key_file_stops_the_start_with_its_path()
    {
        using var dir = new TempDir("corral-keys-");
        string missing = Path.Combine(dir.Path, "absent");
        var config = EnvConfig.FromDictionary(new Dictionary<string, string> { ["OLLAMA_HOST"] = "127.0.0.1:0", [ApiKeySet.Variable] = "@" + missing }, homeDirectory: dir.Path);
        var e = Assert.Throws<OpsConfigurationException>(() => CorralServer.Create(config, _ => { }));
        Assert.StartsWith($"CORRAL_API_KEYS: cannot read the key file '{missing}': ", e.Message);

        File.WriteAllText(missing, "# nothing yet\n\n");
        var empty = Assert.Throws<OpsConfigurationException>(() => ApiKeySet.Parse("@" + missing));
        Assert.Equal($"CORRAL_API_KEYS: '@{missing}' lists no keys", empty.Message);
    }

    [Fact]
    public async Task A_model_created_and_run_with_a_key()
    {
        await using var server = await TestServer.StartAsync(Keys("me:run-secret"));
        server.Http.DefaultRequestHeaders.Authorization = new("Bearer", "run-secret");
        await server.CreateModelAsync("keyed", RepoPaths.SharedFile("models", "stories260K.gguf"));
        var (status, body, text) = await server.PostAsync("/api/generate", new JsonObject
        {
            ["model"] = "keyed", ["prompt"] = "Once upon a time", ["stream"] = false,
            ["options"] = new JsonObject { ["num_predict"] = 4, ["temperature"] = 0 },
        });
        Assert.True(status == 200, text);
        Assert.Equal(4, (int)body!["eval_count"]!);
    }
}
