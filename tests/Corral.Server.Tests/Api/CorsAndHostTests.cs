using Corral.Server.Http;
using Corral.Server.Tests.Infrastructure;

namespace Corral.Server.Tests.Api;

/// <summary>CORS against <c>OLLAMA_ORIGINS</c> and the DNS-rebinding Host guard on a loopback listener (api.md §1.8–1.9).</summary>
public class CorsAndHostTests
{
    private static async Task<(int Status, string Body, HttpResponseMessage Response)> Send(TestServer server, HttpMethod method, string? origin = null, string? host = null, string path = "/api/version")
    {
        return await server.SendAsync(method, path, configure: r =>
        {
            if (origin != null) r.Headers.TryAddWithoutValidation("Origin", origin);
            if (host != null) r.Headers.Host = host;
            if (method == HttpMethod.Options) r.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        });
    }

    private static string? Header(HttpResponseMessage r, string name) =>
        r.Headers.TryGetValues(name, out var v) ? string.Join(",", v) : r.Content.Headers.TryGetValues(name, out var c) ? string.Join(",", c) : null;

    [Theory]
    [InlineData("http://localhost")]
    [InlineData("http://localhost:3000")]
    [InlineData("https://127.0.0.1:8443")]
    [InlineData("http://0.0.0.0:5173")]
    [InlineData("app://obsidian.md")]
    [InlineData("file://")]
    [InlineData("tauri://localhost")]
    [InlineData("vscode-webview://abc")]
    [InlineData("vscode-file://vscode-app")]
    public async Task BuiltInOriginsAreAllowedAndEchoed(string origin)
    {
        await using var server = await TestServer.StartAsync();
        var (status, body, resp) = await Send(server, HttpMethod.Get, origin);
        Assert.Equal(200, status);
        Assert.Contains("version", body);
        Assert.Equal(origin, Header(resp, "Access-Control-Allow-Origin"));
        Assert.Equal("Origin", Header(resp, "Vary"));
        Assert.Null(Header(resp, "Access-Control-Allow-Credentials"));
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("http://localhost.evil.example")]
    [InlineData("chrome-extension://abcdef")]
    [InlineData("HTTP://LOCALHOST")]
    public async Task OtherOriginsAreRefusedWithAnEmpty403(string origin)
    {
        await using var server = await TestServer.StartAsync();
        var (status, body, resp) = await Send(server, HttpMethod.Get, origin);
        Assert.Equal(403, status);
        Assert.Equal("", body);
        Assert.Null(Header(resp, "Access-Control-Allow-Origin"));
        (status, _, _) = await Send(server, HttpMethod.Options, origin);
        Assert.Equal(403, status);
    }

    [Fact]
    public async Task PreflightAnswers204WithUpstreamsHeaders()
    {
        await using var server = await TestServer.StartAsync();
        var (status, body, resp) = await Send(server, HttpMethod.Options, "http://localhost:3000", path: "/v1/chat/completions");
        Assert.Equal(204, status);
        Assert.Equal("", body);
        Assert.Equal("http://localhost:3000", Header(resp, "Access-Control-Allow-Origin"));
        Assert.Equal("GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS", Header(resp, "Access-Control-Allow-Methods"));
        Assert.Equal(CorsAndHostMiddleware.AllowHeaders, Header(resp, "Access-Control-Allow-Headers"));
        Assert.StartsWith("Authorization,Content-Type,User-Agent,Accept,X-Requested-With,Openai-Beta,X-Stainless-Arch,", Header(resp, "Access-Control-Allow-Headers"));
        Assert.Equal("43200", Header(resp, "Access-Control-Max-Age"));
        Assert.Equal("Origin,Access-Control-Request-Method,Access-Control-Request-Headers", Header(resp, "Vary"));
    }

    [Fact]
    public async Task ConfiguredOriginsExactWildcardAndExtensions()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string>
        {
            ["OLLAMA_ORIGINS"] = "https://My.App,https://*.example.com,chrome-extension://*,example.org,http://a*b*c",
        });
        async Task<int> StatusFor(string origin) => (await Send(server, HttpMethod.Get, origin)).Status;
        Assert.Equal(200, await StatusFor("https://my.app"));     // configured value lower-cased
        Assert.Equal(403, await StatusFor("https://My.App"));     // the incoming Origin is not
        Assert.Equal(200, await StatusFor("https://api.example.com"));
        Assert.Equal(403, await StatusFor("https://example.com.evil"));
        Assert.Equal(200, await StatusFor("chrome-extension://abcdef"));
        Assert.Equal(403, await StatusFor("example.org"));         // invalid entry skipped (upstream would not start)
        Assert.Equal(403, await StatusFor("http://aXbYc"));        // two stars: skipped
        Assert.Equal(200, await StatusFor("http://localhost:1"));  // built-ins still there
    }

    [Fact]
    public async Task StarAllowsEveryOriginWithoutVary()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string> { ["OLLAMA_ORIGINS"] = "*" });
        var (status, _, resp) = await Send(server, HttpMethod.Get, "https://anything.example");
        Assert.Equal(200, status);
        Assert.Equal("*", Header(resp, "Access-Control-Allow-Origin"));
        Assert.Null(Header(resp, "Vary"));
        (status, _, resp) = await Send(server, HttpMethod.Options, "https://anything.example");
        Assert.Equal(204, status);
        Assert.Equal("*", Header(resp, "Access-Control-Allow-Origin"));
        Assert.Null(Header(resp, "Vary"));
    }

    [Fact]
    public async Task SameOriginRequestsGetNoCorsHeaders()
    {
        await using var server = await TestServer.StartAsync();
        string host = server.Url.Authority;
        var (status, _, resp) = await Send(server, HttpMethod.Get, "http://" + host);
        Assert.Equal(200, status);
        Assert.Null(Header(resp, "Access-Control-Allow-Origin"));
        (status, _, resp) = await Send(server, HttpMethod.Get);
        Assert.Equal(200, status);
        Assert.Null(Header(resp, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("localhost:11434", 200)]
    [InlineData("LOCALHOST", 200)]
    [InlineData("127.0.0.1:80", 200)]
    [InlineData("[::1]:11434", 200)]
    [InlineData("10.1.2.3", 200)]
    [InlineData("192.168.0.7:8080", 200)]
    [InlineData("172.20.0.1", 200)]
    [InlineData("0.0.0.0", 200)]
    [InlineData("app.localhost", 200)]
    [InlineData("printer.local", 200)]
    [InlineData("db.internal:5432", 200)]
    [InlineData("evil.example", 403)]
    [InlineData("evil.example:11434", 403)]
    [InlineData("8.8.8.8", 403)]
    [InlineData("localhost.evil.example", 403)]
    public async Task LoopbackListenerChecksTheHostHeader(string host, int expected)
    {
        await using var server = await TestServer.StartAsync();
        var (status, body, _) = await Send(server, HttpMethod.Get, host: host);
        Assert.Equal(expected, status);
        if (expected == 403) Assert.Equal("", body);
    }

    [Fact]
    public async Task NameBasedHostsAnswerOptionsAt204AndTheMachineNameIsAllowed()
    {
        await using var server = await TestServer.StartAsync();
        var (status, _, _) = await Send(server, HttpMethod.Options, host: "localhost");
        Assert.Equal(204, status);
        (status, _, _) = await Send(server, HttpMethod.Get, host: System.Net.Dns.GetHostName().ToUpperInvariant());
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task ANonLoopbackListenerAcceptsAnyHost()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string> { ["OLLAMA_HOST"] = "0.0.0.0:0" });
        var (status, _, _) = await Send(server, HttpMethod.Get, host: "evil.example");
        Assert.Equal(200, status);
    }
}
