using Corral.Store;

namespace Corral.Store.Tests.Names;

public class ModelNameTests
{
    private static readonly string Part80 = new('8', 80);
    private static readonly string Part350 = new('3', 350);

    [Theory]
    [InlineData("registry.ollama.ai/library/dolphin-mistral:7b-v2.6-dpo-laser-q6_K", "registry.ollama.ai", "library", "dolphin-mistral", "7b-v2.6-dpo-laser-q6_K", "")]
    [InlineData("scheme://host:port/namespace/model:tag", "host:port", "namespace", "model", "tag", "scheme")]
    [InlineData("http://localhost:5000/me/m:v1", "localhost:5000", "me", "m", "v1", "http")]
    [InlineData("host/namespace/model:tag", "host", "namespace", "model", "tag", "")]
    [InlineData("host:port/namespace/model:tag", "host:port", "namespace", "model", "tag", "")]
    [InlineData("host/namespace/model", "host", "namespace", "model", "", "")]
    [InlineData("host:5000/ns/m", "host:5000", "ns", "m", "", "")]
    [InlineData("namespace/model", "", "namespace", "model", "", "")]
    [InlineData("model", "", "", "model", "", "")]
    [InlineData("model:tag", "", "", "model", "tag", "")]
    [InlineData("h/nn/mm:t", "h", "nn", "mm", "t", "")]
    [InlineData("a/b/c/d:t", "a/b", "c", "d", "t", "")]
    public void ParseBare_SplitsPartsFromTheRight(string input, string host, string ns, string model, string tag, string scheme)
    {
        var n = ModelName.ParseBare(input);
        Assert.Equal(host, n.Host);
        Assert.Equal(ns, n.Namespace);
        Assert.Equal(model, n.Model);
        Assert.Equal(tag, n.Tag);
        Assert.Equal(scheme, n.Scheme);
    }

    [Theory]
    [InlineData("model:", "", "", "model", ModelName.MissingPart)]
    [InlineData("/model", "", ModelName.MissingPart, "model", "")]
    [InlineData("ns//m", "ns", ModelName.MissingPart, "m", "")]
    [InlineData("ns/", "", "ns", ModelName.MissingPart, "")]
    [InlineData(":tag", "", "", ModelName.MissingPart, "tag")]
    [InlineData("//", ModelName.MissingPart, ModelName.MissingPart, ModelName.MissingPart, "")]
    public void ParseBare_EmptySideOfASeparatorIsTheMissingSentinel(string input, string host, string ns, string model, string tag)
    {
        var n = ModelName.ParseBare(input);
        Assert.Equal((host, ns, model, tag), (n.Host, n.Namespace, n.Model, n.Tag));
        Assert.False(n.IsValid);
        Assert.False(ModelName.Parse(input).IsValid);
    }

    [Theory]
    [InlineData("xx", "registry.ollama.ai/library/xx:latest")]
    [InlineData("ns/m", "registry.ollama.ai/ns/m:latest")]
    [InlineData("h/ns/m", "h/ns/m:latest")]
    [InlineData("m:7b", "registry.ollama.ai/library/m:7b")]
    [InlineData("host:5000/ns/m", "host:5000/ns/m:latest")]
    public void Parse_FillsDefaults(string input, string full)
    {
        var n = ModelName.Parse(input);
        Assert.True(n.IsValid);
        Assert.Equal(full, n.ToString());
        Assert.Equal(full, n.DisplayFull);
    }

    [Fact]
    public void Parse_DefaultSchemeIsHttpsAndAnExplicitSchemeIsKept()
    {
        Assert.Equal("https", ModelName.Parse("m").Scheme);
        Assert.Equal("http", ModelName.Parse("http://h/n/m").Scheme);
        Assert.Equal("http://h", ModelName.Parse("http://h/n/m").RegistryBaseUrl);
        Assert.Equal("https://registry.ollama.ai", ModelName.Parse("m").RegistryBaseUrl);
    }

    public static TheoryData<string, bool> Validity() => new()
    {
        { "", false },
        { "_why/_the/_lucky:_stiff", true },
        { "h/n/m:t", true },
        { "host/namespace/model:tag", true },
        { "host/namespace/model", false },
        { "namespace/model", false },
        { "model", false },
        { Part80 + "/" + Part80 + "/" + Part80 + ":" + Part80, true },
        { Part350 + "/" + Part80 + "/" + Part80 + ":" + Part80, true },
        { new string('3', 351) + "/" + Part80 + "/" + Part80 + ":" + Part80, false },
        { "h/" + Part80 + "8/m:t", false },
        { "h/n/" + Part80 + "8:t", false },
        { "h/n/m:" + Part80 + "8", false },
        { "h/nn/mm:t", true },
        { "m", false },
        { "n/m:", false },
        { "h/n/m", false },
        { "@t", false },
        { "m@d", false },
        { "h/n/m@sha256:abc", false },
        { "^", false },
        { "mm:", false },
        { "/nn/mm", false },
        { "//", false },
        { "//mm", false },
        { "hh//", false },
        { "//mm:@", false },
        { "00@", false },
        { "@", false },
        { "-hh/nn/mm:tt", false },
        { "hh/-nn/mm:tt", false },
        { "hh/nn/-mm:tt", false },
        { "hh/nn/mm:-tt", false },
        { ".hh/nn/mm:tt", false },
        { "hh/nn/mm:.tt", false },
        { "host:https/namespace/model:tag", true },
        { "host/name:space/model:tag", false },
        { "host/name.space/model:tag", false },
        { "host/name-space_1/mo.del-x_y:t.a-g_1", true },
        { "HOST/NS/MODEL:TAG", true },
        { "h/n/modèle:t", false },
        { "h/n/m:t ", false },
        { "h/n/m m:t", false },
    };

    [Theory]
    [MemberData(nameof(Validity))]
    public void IsValid_RequiresAllFourPartsValid(string input, bool valid)
    {
        var n = ModelName.ParseBare(input);
        Assert.Equal(valid, n.IsValid);
        if (valid) Assert.Equal(input, n.ToString()); // valid bare names round-trip through ToString
    }

    [Theory]
    [InlineData(ModelNamePart.Host, "", false)]
    [InlineData(ModelNamePart.Host, "a", true)]
    [InlineData(ModelNamePart.Host, "a.", true)]
    [InlineData(ModelNamePart.Host, "a.b", true)]
    [InlineData(ModelNamePart.Host, "a:123", true)]
    [InlineData(ModelNamePart.Host, "a:123/aa/bb", false)]
    [InlineData(ModelNamePart.Host, "_a", true)]
    [InlineData(ModelNamePart.Namespace, "bb", true)]
    [InlineData(ModelNamePart.Namespace, "a.", false)]
    [InlineData(ModelNamePart.Namespace, "a:b", false)]
    [InlineData(ModelNamePart.Model, "-h", false)]
    [InlineData(ModelNamePart.Model, "h-", true)]
    [InlineData(ModelNamePart.Model, "llama3.2", true)]
    [InlineData(ModelNamePart.Model, "m:x", false)]
    [InlineData(ModelNamePart.Tag, "7b-q4_K_M", true)]
    [InlineData(ModelNamePart.Tag, "a:b", false)]
    [InlineData(ModelNamePart.Tag, ModelName.MissingPart, false)]
    public void IsValidPart_FollowsTheCharacterTable(ModelNamePart kind, string s, bool valid)
    {
        Assert.Equal(valid, ModelName.IsValidPart(kind, s));
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("a", true)]
    [InlineData("a:b", false)]
    [InlineData("a/b", false)]
    [InlineData("a/b:c/d@sha256-100", false)]
    [InlineData("himynameisjoe", true)]
    [InlineData("himynameisreallyreallyreallyreallylongbutitshouldstillbevalid", true)]
    public void IsValidNamespace(string s, bool valid) => Assert.Equal(valid, ModelName.IsValidNamespace(s));

    [Theory]
    [InlineData("registry.ollama.ai/library/model:latest", "model:latest")]
    [InlineData("registry.ollama.ai/library/model:tag", "model:tag")]
    [InlineData("registry.ollama.ai/namespace/model:tag", "namespace/model:tag")]
    [InlineData("REGISTRY.ollama.AI/LIBRARY/Model:Tag", "Model:Tag")]
    [InlineData("Registry.Ollama.AI/Me/m:t", "Me/m:t")]
    [InlineData("host/namespace/model:tag", "host/namespace/model:tag")]
    [InlineData("host/library/model:tag", "host/library/model:tag")]
    [InlineData("example.com:5000/ns/m:v1", "example.com:5000/ns/m:v1")]
    public void DisplayShortest_DropsOnlyDefaultsAndAlwaysKeepsTheTag(string input, string shortest)
    {
        Assert.Equal(shortest, ModelName.ParseBare(input).DisplayShortest);
    }

    [Fact]
    public void DisplayShortest_OfADefaultedName()
    {
        Assert.Equal("llama3.2:latest", ModelName.Parse("llama3.2").DisplayShortest);
        Assert.Equal("me/m:1b", ModelName.Parse("me/m:1b").DisplayShortest);
        Assert.Equal("example.com/ns/m:latest", ModelName.Parse("example.com/ns/m").DisplayShortest);
    }

    [Fact]
    public void ManifestRelativePath_UsesTheOsSeparatorAndKeepsPortsAndCase()
    {
        Assert.Equal(Path.Combine("registry.ollama.ai", "library", "llama3.2", "latest"), ModelName.Parse("llama3.2").ManifestRelativePath);
        Assert.Equal(Path.Combine("localhost:5000", "ns", "M", "T"), ModelName.Parse("localhost:5000/ns/M:T").ManifestRelativePath);
        Assert.Equal(Path.Combine("host", "namespace", "model", "latest"), ModelName.Parse("host/namespace/model").ManifestRelativePath);
    }

    [Fact]
    public void ManifestRelativePath_RefusesInvalidNames()
    {
        Assert.Throws<InvalidOperationException>(() => ModelName.Parse("m:").ManifestRelativePath);
        Assert.Throws<InvalidOperationException>(() => ModelName.ParseBare("m").ManifestRelativePath);
    }

    [Fact]
    public void RepositoryPath_IsNamespaceSlashModel()
    {
        Assert.Equal("library/llama3.2", ModelName.Parse("llama3.2:1b").RepositoryPath);
        Assert.Equal("me/m", ModelName.Parse("h.example/me/m").RepositoryPath);
    }

    [Fact]
    public void FromManifestPath_AcceptsOnlyFourValidParts()
    {
        var sep = Path.DirectorySeparatorChar;
        var n = ModelName.FromManifestPath($"host{sep}namespace{sep}model{sep}tag");
        Assert.NotNull(n);
        Assert.Equal("host/namespace/model:tag", n!.ToString());
        Assert.Equal("host:port", ModelName.FromManifestPath($"host:port{sep}namespace{sep}model{sep}tag")!.Host);
        Assert.Null(ModelName.FromManifestPath($"namespace{sep}model{sep}tag"));
        Assert.Null(ModelName.FromManifestPath($"model{sep}tag"));
        Assert.Null(ModelName.FromManifestPath("model"));
        Assert.Null(ModelName.FromManifestPath($"..{sep}..{sep}model{sep}tag"));
        Assert.Null(ModelName.FromManifestPath($"{sep}namespace{sep}.{sep}tag"));
        Assert.Null(ModelName.FromManifestPath($".{sep}.{sep}.{sep}."));
        Assert.Null(ModelName.FromManifestPath($"{sep}path{sep}to{sep}random{sep}file"));
    }

    [Fact]
    public void Equality_IsCaseInsensitiveOverTheFourPartsAndIgnoresTheScheme()
    {
        var a = ModelName.Parse("LLaMA3.2:Latest");
        var b = ModelName.Parse("llama3.2");
        var c = ModelName.Parse("http://registry.ollama.ai/library/llama3.2:latest");
        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(b, c);
        Assert.False(a.EqualsExact(b));
        Assert.True(b.EqualsExact(c));
        Assert.NotEqual(ModelName.Parse("llama3.2:1b"), b);
        Assert.Contains(ModelName.Parse("LLAMA3.2"), new HashSet<ModelName> { b });
    }

    [Fact]
    public void ValidNamesNeverContainDotDotOrOverlongParts()
    {
        // The property the upstream fuzz test checks, over a generated sample of strings.
        var rng = new Random(1234);
        const string alphabet = "ab.:/-_@Z09 ";
        for (int i = 0; i < 20000; i++)
        {
            var chars = new char[rng.Next(0, 14)];
            for (int j = 0; j < chars.Length; j++) chars[j] = alphabet[rng.Next(alphabet.Length)];
            var s = new string(chars);
            var n = ModelName.ParseBare(s);
            if (!n.IsValid) continue;
            foreach (var part in new[] { n.Host, n.Namespace, n.Model, n.Tag })
            {
                Assert.NotEqual("..", part);
                Assert.True(part.Length <= 350);
            }
            Assert.Equal(s, n.ToString());
        }
    }
}
