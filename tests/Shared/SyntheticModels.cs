using System.Diagnostics;
using System.Security.Cryptography;

namespace Corral.Testing;

/// <summary>
/// Synthetic GGUF models made on demand by <c>../shared/tools/synth_gguf.py</c> (byte-identical on every
/// machine) and cached under <see cref="RepoPaths.Cache"/>/models. Every file is checked against
/// <c>golden/SHA256SUMS</c> before first use. Safe to call from many threads and many test processes at once:
/// generation runs under a lock file and publishes by rename.
/// </summary>
internal static class SyntheticModels
{
    /// <summary>Known models: file stem → (synth_gguf.py shape, vocabulary source relative to ../shared).</summary>
    private static readonly Dictionary<string, (string Shape, string VocabFrom)> s_recipes = new(StringComparer.Ordinal)
    {
        ["llama-tiny-F16"] = ("llama-tiny", "models/stories260K.gguf"),
        ["llama3-tiny-F16"] = ("llama3-tiny", "vocab/ggml-vocab-llama-bpe.gguf"),
        ["qwen2-tiny-F16"] = ("qwen2-tiny", "vocab/ggml-vocab-qwen2.gguf"),
        ["qwen3-tiny-F16"] = ("qwen3-tiny", "vocab/ggml-vocab-qwen2.gguf"),
        ["gemma2-tiny-F16"] = ("gemma2-tiny", "models/stories260K.gguf"),
        ["gemma3-tiny-F16"] = ("gemma3-tiny", "models/stories260K.gguf"),
        ["phi3-tiny-F16"] = ("phi3-tiny", "vocab/ggml-vocab-phi-3.gguf"),
        ["qwen2-0.5b-F16"] = ("qwen2-0.5b", "vocab/ggml-vocab-qwen2.gguf"),
    };

    private static readonly object s_gate = new();
    private static readonly TimeSpan s_generationTimeout = TimeSpan.FromMinutes(30);

    /// <summary>The names <see cref="Get"/> accepts.</summary>
    public static IReadOnlyCollection<string> Names => s_recipes.Keys;

    /// <summary>
    /// Path of the verified synthetic model <paramref name="name"/> (e.g. <c>qwen2-tiny-F16</c>, with or
    /// without <c>.gguf</c>), generating it first if needed. Throws when Python is missing, the generator
    /// fails, or the digest differs from <c>golden/SHA256SUMS</c>.
    /// </summary>
    public static string Get(string name)
    {
        string stem = name.EndsWith(".gguf", StringComparison.Ordinal) ? name[..^5] : name;
        if (!s_recipes.TryGetValue(stem, out var recipe))
            throw new ArgumentException($"unknown synthetic model '{name}'; known: {string.Join(", ", s_recipes.Keys)}", nameof(name));
        string fileName = stem + ".gguf";
        string expected = ExpectedSha256(fileName)
            ?? throw new InvalidOperationException($"golden/SHA256SUMS has no digest for {fileName}");

        string dir = Path.Combine(RepoPaths.Cache, "models");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, fileName);
        string stamp = path + ".sha256";
        if (IsVerified(path, stamp, expected)) return path;

        lock (s_gate)
        {
            using var fileLock = AcquireLock(path + ".lock");
            if (IsVerified(path, stamp, expected)) return path;

            string temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            try
            {
                Generate(recipe.Shape, RepoPaths.SharedFile(recipe.VocabFrom.Split('/')), temp);
                string actual = Sha256File(temp);
                if (actual != expected)
                    throw new InvalidOperationException(
                        $"synth_gguf.py produced {fileName} with sha256 {actual}, but golden/SHA256SUMS expects {expected}. " +
                        "The generator or its inputs changed; the goldens no longer describe this model.");
                File.Move(temp, path, overwrite: true);
                File.WriteAllText(stamp, $"{expected} {new FileInfo(path).Length}\n");
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            return path;
        }
    }

    /// <summary>The digest <c>golden/SHA256SUMS</c> lists for <paramref name="fileName"/> (lower-case hex), or null.</summary>
    public static string? ExpectedSha256(string fileName)
    {
        foreach (var line in File.ReadLines(RepoPaths.SharedFile("golden", "SHA256SUMS")))
        {
            var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && parts[1].TrimStart('*') == fileName) return parts[0].ToLowerInvariant();
        }
        return null;
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Sha256File(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>A published file is trusted when its stamp (written only after verification) matches the digest and size.</summary>
    private static bool IsVerified(string path, string stamp, string expected)
    {
        if (!File.Exists(path) || !File.Exists(stamp)) return false;
        var parts = File.ReadAllText(stamp).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 2 && parts[0] == expected && long.TryParse(parts[1], out long size) && size == new FileInfo(path).Length;
    }

    /// <summary>An exclusive lock file (flock on Unix) shared by every test process.</summary>
    private static FileStream AcquireLock(string lockPath)
    {
        var deadline = DateTime.UtcNow + s_generationTimeout;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
        }
    }

    private static void Generate(string shape, string vocabFrom, string outPath)
    {
        var psi = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(RepoPaths.SharedFile("tools", "synth_gguf.py"));
        psi.ArgumentList.Add("--shape");
        psi.ArgumentList.Add(shape);
        psi.ArgumentList.Add("--vocab-from");
        psi.ArgumentList.Add(vocabFrom);
        psi.ArgumentList.Add(outPath);

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("python3 did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("python3 is needed to generate synthetic models but could not be started: " + e.Message, e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(s_generationTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"synth_gguf.py --shape {shape} did not finish within {s_generationTimeout}");
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException(
                    $"synth_gguf.py --shape {shape} failed with exit code {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }
    }
}
