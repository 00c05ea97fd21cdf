using System.Text.Json.Nodes;
using Corral.Server.Security;
using Corral.Server.Tests.Infrastructure;
using static Corral.Server.Tests.Ops.OpsHttp;

namespace Corral.Server.Tests.Ops;

/// <summary>CORRAL_RATE_LIMIT: off nothing is limited; on, a bucket per key (or client address), 429 with Retry-After in each surface's shape.</summary>
public class RateLimitTests
{
    [Fact]
    public async Task Off_nothing_is_limited()
    {
        await using var server = await TestServer.StartAsync();
        for (int i = 0; i < 40; i++) Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags")).Status);
    }

    [Fact]
    public async Task Over_the_limit_is_429_with_Retry_After_in_each_surfaces_shape()
    {
        // 3 per minute: a burst of 3, then one more every 20 s.
        await using var server = await TestServer.StartAsync(new Dictionary<string, string> { [RateLimitSpec.Variable] = "3/m" });
        for (int i = 0; i < 3; i++) Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags")).Status);

        var native = await SendAsync(server.Http, "GET", "/api/tags");
        Assert.Equal(429, native.Status);
        int retryAfter = int.Parse(native.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 20);
        Assert.Equal($"rate limit exceeded (3 requests per minute); retry in {retryAfter}s", (string?)native.Json!["error"]);

        // Management and inference routes count the same; each refusal speaks its surface's language.
        Assert.Equal(429, (await SendAsync(server.Http, "POST", "/api/generate", new JsonObject { ["model"] = "m", ["prompt"] = "p" })).Status);
        var openAi = await SendAsync(server.Http, "POST", "/v1/chat/completions", new JsonObject { ["model"] = "m" });
        Assert.Equal(429, openAi.Status);
        Assert.Equal("rate_limit_exceeded", (string?)openAi.Json!["error"]!["code"]);
        Assert.Equal("requests", (string?)openAi.Json["error"]!["type"]);
        Assert.True(openAi.Headers.Contains("Retry-After"));
        var anthropic = await SendAsync(server.Http, "POST", "/v1/messages", new JsonObject { ["model"] = "m" });
        Assert.Equal(429, anthropic.Status);
        Assert.Equal("rate_limit_error", (string?)anthropic.Json!["error"]!["type"]);
        var registry = await SendAsync(server.Http, "GET", "/v2/");
        Assert.Equal("TOOMANYREQUESTS", (string?)registry.Json!["errors"]![0]!["code"]);

        // The heartbeat is never limited.
        for (int i = 0; i < 5; i++) Assert.Equal(200, (await SendAsync(server.Http, "GET", "/")).Status);
    }

    [Fact]
    public async Task With_keys_each_key_has_its_own_bucket()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string>
        {
            [RateLimitSpec.Variable] = "2/h",
            [ApiKeySet.Variable] = "a:secret-a,b:secret-b",
        });
        var a = Bearer("secret-a");
        var b = Bearer("secret-b");
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags", null, a)).Status);
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags", null, a)).Status);
        var refused = await SendAsync(server.Http, "GET", "/api/tags", null, a);
        Assert.Equal(429, refused.Status);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single()), 1, 1800);
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags", null, b)).Status);
        // A wrong key is refused as unauthenticated and spends nobody's budget.
        for (int i = 0; i < 3; i++) Assert.Equal(401, (await SendAsync(server.Http, "GET", "/api/tags", null, Bearer("nope"))).Status);
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags", null, b)).Status);
        Assert.Equal(429, (await SendAsync(server.Http, "GET", "/api/tags", null, b)).Status);
    }

    [Theory]
    [InlineData("60/m", 60, 60)]
    [InlineData("1000/h", 1000, 3600)]
    [InlineData("10/30s", 10, 30)]
    [InlineData(" 5 / 2min ", 5, 120)]
    [InlineData("1/second", 1, 1)]
    public void Limits_parse(string value, int requests, int seconds)
    {
        var spec = RateLimitSpec.Parse(value)!;
        Assert.Equal(requests, spec.Requests);
        Assert.Equal(TimeSpan.FromSeconds(seconds), spec.Period);
    }

    [Theory]
    [InlineData("60")]
    [InlineData("0/m")]
    [InlineData("-1/m")]
    [InlineData("60/d")]
    [InlineData("60/0m")]
    [InlineData("many/m")]
    public void Unusable_limits_name_the_variable(string value)
    {
        var e = Assert.Throws<OpsConfigurationException>(() => RateLimitSpec.Parse(value));
        Assert.Equal($"CORRAL_RATE_LIMIT: '{value}' is not <requests>/<period> with a period of s, m or h (for example 60/m, 1000/h or 10/30s)", e.Message);
    }

    [Fact]
    public void Limits_describe_themselves()
    {
        Assert.Equal("60 requests per minute", RateLimitSpec.Parse("60/m")!.ToString());
        Assert.Equal("1 request per hour", RateLimitSpec.Parse("1/h")!.ToString());
        Assert.Equal("10 requests per 30 seconds", RateLimitSpec.Parse("10/30s")!.ToString());
        Assert.Null(RateLimitSpec.Parse(""));
    }
}
