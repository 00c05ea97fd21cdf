using System.Text.RegularExpressions;
using Corral.Store.Registry;
using Corral.Testing;

namespace Corral.Store.Tests.Registry;

public sealed class RegistryChallengeTests
{
    [Fact]
    public void Parses_bearer_challenge()
    {
        var c = RegistryChallenge.Parse("Bearer realm=\"https://registry.ollama.ai/v2/token\",service=\"registry.ollama.ai\",scope=\"repository:library/llama3.2:pull\"");
        Assert.Equal("https://registry.ollama.ai/v2/token", c.Realm);
        Assert.Equal("registry.ollama.ai", c.Service);
        Assert.Equal("repository:library/llama3.2:pull", c.Scope);
    }

    [Fact]
    public void A_quote_not_followed_by_a_comma_belongs_to_the_value()
    {
        var c = RegistryChallenge.Parse("Bearer realm=\"http://h/t\",scope=\"a\"b\"");
        Assert.Equal("a\"b", c.Scope);
        Assert.Equal("", c.Service);
    }

    [Fact]
    public void Token_url_adds_sorted_service_scopes_ts_and_nonce()
    {
        var c = new RegistryChallenge("https://registry.ollama.ai/v2/token", "registry.ollama.ai", "repository:library/a:pull repository:library/b:pull");
        var nonce = Enumerable.Range(0, 16).Select(i => (byte)(i * 17)).ToArray();
        var url = c.TokenUrl(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), nonce);
        Assert.Equal(
            "https://registry.ollama.ai/v2/token?nonce=ABEiM0RVZneImaq7zN3u_w&scope=repository%3Alibrary%2Fa%3Apull&scope=repository%3Alibrary%2Fb%3Apull&service=registry.ollama.ai&ts=1700000000",
            url.AbsoluteUri);
    }

    [Fact]
    public void Random_nonce_is_16_bytes_base64url_without_padding()
    {
        var url = new RegistryChallenge("http://127.0.0.1:5000/token", "s", "x").TokenUrl();
        var nonce = Regex.Match(url.Query, "nonce=([^&]*)").Groups[1].Value;
        Assert.Matches("^[A-Za-z0-9_-]{22}$", nonce);
    }

    [Fact]
    public void Signed_string_uses_the_empty_body_constant_from_the_spec()
    {
        // The spec spells out the constant; read it rather than copying it.
        string spec = File.ReadAllText(RepoPaths.SharedFile("spec", "runtime.md"));
        string constant = Regex.Match(spec, "the constant\\s*`([A-Za-z0-9+/=]+)`").Groups[1].Value;
        Assert.NotEmpty(constant);
        var url = new Uri("https://registry.ollama.ai/v2/token?nonce=n&scope=s&service=r&ts=1");
        Assert.Equal($"GET,{url.AbsoluteUri},{constant}", RegistryTransport.SignedTokenRequest(url));
    }

    [Fact]
    public void Realm_must_be_an_absolute_http_url()
    {
        var e = Assert.Throws<RegistryException>(() => new RegistryChallenge("/token", "s", "x").TokenUrl());
        Assert.Contains("invalid realm", e.Message);
    }
}
