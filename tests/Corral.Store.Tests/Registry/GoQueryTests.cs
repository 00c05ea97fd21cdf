using Corral.Store.Registry;

namespace Corral.Store.Tests.Registry;

public sealed class GoQueryTests
{
    [Theory]
    [InlineData("repository:library/llama3.2:pull", "repository%3Alibrary%2Fllama3.2%3Apull")]
    [InlineData("a b+c", "a+b%2Bc")]
    [InlineData("AZaz09-_.~", "AZaz09-_.~")]
    [InlineData("é", "%C3%A9")]
    [InlineData("=&?#", "%3D%26%3F%23")]
    public void Escape_matches_go_QueryEscape(string input, string expected)
    {
        Assert.Equal(expected, GoQuery.Escape(input));
        Assert.Equal(input, GoQuery.Unescape(expected));
    }

    [Fact]
    public void Encode_sorts_keys_and_keeps_value_order()
    {
        var encoded = GoQuery.Encode([new("ts", "1"), new("scope", "b"), new("nonce", "n"), new("scope", "a"), new("service", "s")]);
        Assert.Equal("nonce=n&scope=b&scope=a&service=s&ts=1", encoded);
    }

    [Fact]
    public void WithQuery_merges_with_existing_parameters()
    {
        var url = GoQuery.WithQuery(new Uri("https://example.com/token?z=1&a=x%20y"), [new("m", "v")]);
        Assert.Equal("https://example.com/token?a=x+y&m=v&z=1", url.AbsoluteUri);
    }
}
