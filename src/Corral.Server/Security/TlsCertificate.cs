using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Corral.Server.Security;

/// <summary>
/// <c>CORRAL_TLS_CERT</c> + <c>CORRAL_TLS_KEY</c>: PEM files (the certificate, optionally followed by its chain, and an
/// unencrypted PKCS#8, PKCS#1 or SEC1 private key), loaded once at startup. Anything unusable stops the start with a
/// message naming the variable and the file.
/// </summary>
public static class TlsCertificate
{
    public const string CertVariable = "CORRAL_TLS_CERT";
    public const string KeyVariable = "CORRAL_TLS_KEY";

    /// <summary>The server certificate with its private key; null when neither variable is set (plain HTTP, as Ollama).</summary>
    /// <exception cref="OpsConfigurationException">Only one variable set, a missing file, or PEM that does not hold a matching certificate and key.</exception>
    public static X509Certificate2? Load(string certPath, string keyPath)
    {
        if (certPath.Length == 0 && keyPath.Length == 0) return null;
        if (certPath.Length == 0 || keyPath.Length == 0)
        {
            string missing = certPath.Length == 0 ? CertVariable : KeyVariable;
            throw new OpsConfigurationException($"{CertVariable} and {KeyVariable} must be set together to serve HTTPS; {missing} is empty");
        }
        RequireFile(CertVariable, certPath);
        RequireFile(KeyVariable, keyPath);
        string keyText = ReadText(KeyVariable, keyPath);
        if (keyText.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal))
            throw new OpsConfigurationException($"{KeyVariable}: '{keyPath}' is encrypted; give Corral an unencrypted key (openssl pkey -in {keyPath} -out key.pem) and protect the file with permissions");
        try
        {
            return X509Certificate2.CreateFromPemFile(certPath, keyPath);
        }
        catch (ArgumentException)
        {
            throw new OpsConfigurationException(
                $"{CertVariable}/{KeyVariable}: cannot load a certificate and its private key from '{certPath}' and '{keyPath}': the private key does not belong to the certificate");
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new OpsConfigurationException(
                $"{CertVariable}/{KeyVariable}: cannot load a certificate and its private key from '{certPath}' and '{keyPath}': {e.Message.TrimEnd('.')}");
        }
    }

    private static void RequireFile(string variable, string path)
    {
        if (!File.Exists(path)) throw new OpsConfigurationException($"{variable}: no such file '{path}'");
    }

    private static string ReadText(string variable, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OpsConfigurationException($"{variable}: cannot read '{path}': {e.Message}");
        }
    }
}
