using System.Diagnostics;
using System.Text;
using Corral.Store.Registry;
using Corral.Testing;

namespace Corral.Store.Tests.Registry;

public sealed class RegistryKeyTests
{
    // RFC 8032 §7.1, TEST 1 (empty message).
    private const string Rfc8032Seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    private const string Rfc8032Public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    private const string Rfc8032Signature = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    [Fact]
    public void Signs_like_rfc8032_test_vector()
    {
        var key = RegistryKey.FromSeed(Convert.FromHexString(Rfc8032Seed));
        Assert.Equal(Rfc8032Public, Convert.ToHexStringLower(key.PublicKey));
        Assert.Equal(Rfc8032Signature, Convert.ToHexStringLower(key.Sign([])));
    }

    [Fact]
    public void Public_key_line_is_ssh_wire_format()
    {
        var key = RegistryKey.FromSeed(Convert.FromHexString(Rfc8032Seed));
        var blob = Convert.FromBase64String(key.PublicKeyBase64);
        // string "ssh-ed25519" then string <32 bytes>
        Assert.Equal(4 + 11 + 4 + 32, blob.Length);
        Assert.Equal("ssh-ed25519", Encoding.ASCII.GetString(blob, 4, 11));
        Assert.Equal(Rfc8032Public, Convert.ToHexStringLower(blob.AsSpan(19)));
        Assert.StartsWith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", key.PublicKeyLine);
    }

    [Fact]
    public void OpenSsh_pem_round_trips_and_has_go_layout()
    {
        var key = RegistryKey.Generate();
        string pem = key.ToOpenSshPem();
        var lines = pem.Split('\n');
        Assert.Equal("-----BEGIN OPENSSH PRIVATE KEY-----", lines[0]);
        Assert.Equal("-----END OPENSSH PRIVATE KEY-----", lines[^2]);
        Assert.Equal("", lines[^1]);
        Assert.All(lines[1..^3], l => Assert.Equal(64, l.Length));
        var body = Convert.FromBase64String(string.Concat(lines[1..^2]));
        Assert.Equal("openssh-key-v1\0", Encoding.ASCII.GetString(body, 0, 15));

        var back = RegistryKey.ParseOpenSsh(pem);
        Assert.Equal(key.PublicKeyLine, back.PublicKeyLine);
        var data = "GET,https://example.com/token?x=1,abc"u8.ToArray();
        Assert.Equal(key.Sign(data), back.Sign(data)); // ed25519 is deterministic
    }

    [Fact]
    public void Signature_header_verifies_and_rejects_tampering()
    {
        var key = RegistryKey.Generate();
        var data = Encoding.UTF8.GetBytes("GET,http://127.0.0.1:1/token?nonce=a&scope=b&service=c&ts=1,x");
        string header = key.SignAuthorization(data);
        Assert.StartsWith(key.PublicKeyBase64 + ":", header);
        Assert.Equal(key.PublicKeyLine, RegistryKey.VerifyAuthorization(header, data));

        data[^1] ^= 1;
        Assert.Null(RegistryKey.VerifyAuthorization(header, data));
        Assert.Null(RegistryKey.VerifyAuthorization("garbage", data));
        Assert.Null(RegistryKey.VerifyAuthorization(RegistryKey.Generate().PublicKeyBase64 + header[header.IndexOf(':')..], data));
    }

    [Theory]
    [InlineData("not a key", "no \"OPENSSH PRIVATE KEY\" PEM block")]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----\n!!!!\n-----END OPENSSH PRIVATE KEY-----\n", "not valid base64")]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", "bad magic")]
    public void Bad_key_text_names_the_problem(string pem, string expected)
    {
        var e = Assert.Throws<FormatException>(() => RegistryKey.ParseOpenSsh(pem));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Load_of_missing_file_names_it()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<RegistryKeyException>(() => RegistryKey.Load(dir.File("id_ed25519")));
        Assert.StartsWith("Failed to load private key: ", e.Message);
        Assert.Contains("id_ed25519", e.Message);
    }

    [Fact]
    public void EnsureKeyPair_creates_files_with_upstream_messages_and_modes_once()
    {
        using var home = new TempDir();
        var output = new StringWriter();
        Assert.True(RegistryKeyFiles.EnsureKeyPair(home.Path, output));

        string priv = RegistryKeyFiles.PrivateKeyPath(home.Path), pub = RegistryKeyFiles.PublicKeyPath(home.Path);
        Assert.Equal(Path.Combine(home.Path, ".ollama", "id_ed25519"), priv);
        var key = RegistryKey.Load(priv);
        string pubText = File.ReadAllText(pub);
        Assert.Equal(key.PublicKeyLine + "\n", pubText);
        Assert.Equal($"Couldn't find '{priv}'. Generating new private key.\nYour new public key is: \n\n{key.PublicKeyLine}\n\n", output.ToString());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(priv));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(pub));
        }

        var again = new StringWriter();
        Assert.False(RegistryKeyFiles.EnsureKeyPair(home.Path, again));
        Assert.Equal("", again.ToString());
        Assert.Equal(key.PublicKeyLine, RegistryKeyFiles.Load(home.Path).PublicKeyLine);
    }

    // Interoperability with OpenSSH itself, when ssh-keygen is installed (it is on the CI image).
    [Fact]
    public async Task Keys_interoperate_with_ssh_keygen()
    {
        if (OperatingSystem.IsWindows() || !TryFindSshKeygen(out var keygen)) return;
        using var dir = new TempDir();

        // Ours → ssh-keygen derives the same public key.
        string ours = dir.File("ours");
        var key = RegistryKey.Generate();
        File.WriteAllText(ours, key.ToOpenSshPem());
        File.SetUnixFileMode(ours, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var (code, stdout) = await RunAsync(keygen, "-y", "-f", ours);
        Assert.Equal(0, code);
        Assert.Equal(key.PublicKeyLine, stdout.Trim());

        // ssh-keygen's (with a comment) → we load it and agree on the public key.
        string theirs = dir.File("theirs");
        (code, _) = await RunAsync(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "someone@example", "-f", theirs);
        Assert.Equal(0, code);
        var loaded = RegistryKey.Load(theirs);
        Assert.Equal("someone@example", loaded.Comment);
        Assert.StartsWith(loaded.PublicKeyLine + " ", File.ReadAllText(theirs + ".pub"));
    }

    private static bool TryFindSshKeygen(out string path)
    {
        path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "ssh-keygen")).FirstOrDefault(File.Exists) ?? "";
        return path.Length > 0;
    }

    private static async Task<(int Code, string Stdout)> RunAsync(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout);
    }
}
