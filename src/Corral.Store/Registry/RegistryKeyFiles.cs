namespace Corral.Store.Registry;

/// <summary>
/// The key pair files under <c>~/.ollama</c> of the server user (runtime.md §1.7, §9 step 1): <c>id_ed25519</c> (OpenSSH
/// private key, mode 0600) and <c>id_ed25519.pub</c> (authorized-keys line plus newline, mode 0644).
/// </summary>
public static class RegistryKeyFiles
{
    public const string PrivateKeyFileName = "id_ed25519";
    public const string PublicKeyFileName = "id_ed25519.pub";

    /// <summary><c>&lt;home&gt;/.ollama/id_ed25519</c>.</summary>
    public static string PrivateKeyPath(string homeDirectory) => Path.Combine(homeDirectory, ".ollama", PrivateKeyFileName);

    /// <summary><c>&lt;home&gt;/.ollama/id_ed25519.pub</c>.</summary>
    public static string PublicKeyPath(string homeDirectory) => Path.Combine(homeDirectory, ".ollama", PublicKeyFileName);

    /// <summary>
    /// Creates the key pair if the private key is missing, printing upstream's messages to <paramref name="output"/>:
    /// <c>Couldn't find '&lt;path&gt;'. Generating new private key.</c>, then <c>Your new public key is: </c>, a blank
    /// line and the public key line. Returns true when a key was created. An existing key is left alone.
    /// </summary>
    public static bool EnsureKeyPair(string homeDirectory, TextWriter? output = null)
    {
        string privatePath = PrivateKeyPath(homeDirectory);
        if (File.Exists(privatePath)) return false;
        output?.Write($"Couldn't find '{privatePath}'. Generating new private key.\n");
        var key = RegistryKey.Generate();
        Directory.CreateDirectory(Path.GetDirectoryName(privatePath)!);
        WriteNew(privatePath, key.ToOpenSshPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string publicLine = key.PublicKeyLine + "\n";
        WriteNew(PublicKeyPath(homeDirectory), publicLine,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        output?.Write($"Your new public key is: \n\n{publicLine}\n");
        output?.Flush();
        return true;
    }

    /// <summary>Loads the server's private key (read on every signing, as upstream does, so a replaced key takes effect).</summary>
    public static RegistryKey Load(string homeDirectory) => RegistryKey.Load(PrivateKeyPath(homeDirectory));

    // The file is created with its final mode so the private key is never readable by others, even briefly.
    private static void WriteNew(string path, string text, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
        using (var fs = new FileStream(path, options))
        using (var w = new StreamWriter(fs, new System.Text.UTF8Encoding(false)))
            w.Write(text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode); // an existing file keeps its old mode otherwise
    }
}
