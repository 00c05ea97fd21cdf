using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Corral.Config;
using Corral.Server.Security;
using Corral.Server.Tests.Infrastructure;
using Corral.Testing;
using static Corral.Server.Tests.Ops.OpsHttp;

namespace Corral.Server.Tests.Ops;

/// <summary>CORRAL_TLS_CERT + CORRAL_TLS_KEY: HTTPS on OLLAMA_HOST's port with a certificate made in the test, and clear startup errors.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly TempDir _dir = new("corral-tls-");

    public void Dispose() => _dir.Dispose();

    /// <summary>A self-signed server certificate for 127.0.0.1/localhost written as PEM files.</summary>
    private (string CertPath, string KeyPath, X509Certificate2 Certificate) SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=corral-test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        var cert = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
        string certPath = _dir.File(name + ".crt"), keyPath = _dir.File(name + ".key");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath, cert);
    }

    /// <summary>A client that trusts exactly <paramref name="certificate"/>.</summary>
    private static HttpClient TrustingClient(Uri url, X509Certificate2 certificate) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented != null && presented.GetCertHashString() == certificate.GetCertHashString() },
    })
    { BaseAddress = url };

    private static Dictionary<string, string> Tls(string cert, string key) => new() { [TlsCertificate.CertVariable] = cert, [TlsCertificate.KeyVariable] = key };

    [Fact]
    public async Task Serves_HTTPS_with_the_configured_certificate()
    {
        var (cert, key, certificate) = SelfSigned("server");
        await using var server = await TestServer.StartAsync(Tls(cert, key));
        Assert.Equal("https", server.Url.Scheme);
        using var http = TrustingClient(server.Url, certificate);

        var root = await SendAsync(http, "GET", "/");
        Assert.Equal(200, root.Status);
        Assert.Equal("Ollama is running", root.Text);
        var version = await SendAsync(http, "GET", "/api/version");
        Assert.Equal(200, version.Status);
        Assert.Equal(CorralVersion.Ollama, (string?)version.Json!["version"]);

        // A client that does not trust the self-signed certificate refuses the connection.
        using var strict = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = server.Url };
        await Assert.ThrowsAsync<HttpRequestException>(() => strict.GetAsync("/"));
        // Plain HTTP on the same port gets no answer.
        using var plain = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{server.Url.Port}") };
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync("/"));
    }

    [Fact]
    public async Task Keys_travel_inside_TLS()
    {
        var (cert, key, certificate) = SelfSigned("keyed");
        var env = Tls(cert, key);
        env[ApiKeySet.Variable] = "ops:tls-secret";
        await using var server = await TestServer.StartAsync(env);
        using var http = TrustingClient(server.Url, certificate);
        Assert.Equal(401, (await SendAsync(http, "GET", "/api/tags")).Status);
        Assert.Equal(200, (await SendAsync(http, "GET", "/api/tags", null, Bearer("tls-secret"))).Status);
    }

    private OpsConfigurationException StartFails(Dictionary<string, string> env)
    {
        env["OLLAMA_HOST"] = "127.0.0.1:0";
        var config = EnvConfig.FromDictionary(env, homeDirectory: _dir.Path);
        return Assert.Throws<OpsConfigurationException>(() => CorralServer.Create(config, _ => { }));
    }

    [Fact]
    public void Unusable_certificate_settings_stop_the_start_with_a_clear_message()
    {
        var (cert, key, _) = SelfSigned("good");
        var (_, otherKey, _) = SelfSigned("other");
        string absent = _dir.File("absent.pem");

        Assert.Equal("CORRAL_TLS_CERT and CORRAL_TLS_KEY must be set together to serve HTTPS; CORRAL_TLS_KEY is empty",
            StartFails(new() { [TlsCertificate.CertVariable] = cert }).Message);
        Assert.Equal("CORRAL_TLS_CERT and CORRAL_TLS_KEY must be set together to serve HTTPS; CORRAL_TLS_CERT is empty",
            StartFails(new() { [TlsCertificate.KeyVariable] = key }).Message);
        Assert.Equal($"CORRAL_TLS_CERT: no such file '{absent}'", StartFails(Tls(absent, key)).Message);
        Assert.Equal($"CORRAL_TLS_KEY: no such file '{absent}'", StartFails(Tls(cert, absent)).Message);

        string garbage = _dir.File("garbage.pem");
        File.WriteAllText(garbage, "not a certificate\n");
        Assert.StartsWith($"CORRAL_TLS_CERT/CORRAL_TLS_KEY: cannot load a certificate and its private key from '{garbage}' and '{key}': ",
            StartFails(Tls(garbage, key)).Message);
        Assert.StartsWith($"CORRAL_TLS_CERT/CORRAL_TLS_KEY: cannot load a certificate and its private key from '{cert}' and '{garbage}': ",
            StartFails(Tls(cert, garbage)).Message);
        // The key of another certificate does not match.
        Assert.Equal($"CORRAL_TLS_CERT/CORRAL_TLS_KEY: cannot load a certificate and its private key from '{cert}' and '{otherKey}': the private key does not belong to the certificate",
            StartFails(Tls(cert, otherKey)).Message);

        string encrypted = _dir.File("encrypted.key");
        using (var k = ECDsa.Create(ECCurve.NamedCurves.nistP256))
            File.WriteAllText(encrypted, k.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));
        Assert.StartsWith($"CORRAL_TLS_KEY: '{encrypted}' is encrypted;", StartFails(Tls(cert, encrypted)).Message);
    }
}
