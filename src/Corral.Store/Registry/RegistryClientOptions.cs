using System.Runtime.InteropServices;

namespace Corral.Store.Registry;

/// <summary>
/// Settings of a <see cref="RegistryClient"/>. The defaults are upstream's (runtime.md §4.4, §4.6); tests shrink part sizes,
/// retry delays and the stall timeout so parallel parts, resume and retries run on small blobs in milliseconds.
/// </summary>
public sealed record RegistryClientOptions
{
    /// <summary>Sent on every registry request. Registries gate some models on the client version, so it leads with
    /// <c>ollama/&lt;version&gt;</c> as upstream's does.</summary>
    public string UserAgent { get; init; } = UserAgentFor("0.0.0", "0.0.0");

    /// <summary>Loads the ed25519 key used to answer auth challenges; called on every signing (a replaced key takes effect).
    /// Null means challenges fail with a "Failed to load private key" error.</summary>
    public Func<RegistryKey>? KeyProvider { get; init; }

    /// <summary>Blobs are split into this many parts (before clamping to the min/max part size).</summary>
    public int PartCount { get; init; } = 16;

    public long MinPartSize { get; init; } = 100_000_000;

    public long MaxPartSize { get; init; } = 1_000_000_000;

    /// <summary>Parts transferred at once.</summary>
    public int MaxParallelParts { get; init; } = 16;

    /// <summary>Failed attempts per part (and per upload commit) before giving up with <c>max retries exceeded</c>.</summary>
    public int MaxRetries { get; init; } = 6;

    /// <summary>Sleep after failed attempt <c>n</c> (0-based): 1, 2, 4, 8, 16, 32 s upstream.</summary>
    public Func<int, TimeSpan> RetryDelay { get; init; } = attempt => TimeSpan.FromSeconds(Math.Pow(2, attempt));

    /// <summary>A part that receives no bytes for this long is restarted (without using up an attempt).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long finding a blob's direct (CDN) URL may keep retrying 5xx answers and network errors.</summary>
    public TimeSpan DirectUrlTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Cap of the <c>n²·10 ms</c> backoff between direct-URL attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a running transfer reports progress.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(60);

    /// <summary>How often a running part records its progress in its <c>-partial-N</c> file (besides after every attempt).</summary>
    public TimeSpan PartStateInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Receives upstream's informational lines (<c>downloading … in N … part(s)</c>, retries, stalls).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>
    /// <c>ollama/&lt;version&gt; (&lt;goarch&gt; &lt;goos&gt;) Go/go1.24.1 corral/&lt;corral version&gt;</c>: upstream's shape
    /// (what registries parse) followed by who we really are.
    /// </summary>
    public static string UserAgentFor(string ollamaVersion, string corralVersion)
    {
        string arch = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "amd64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "386",
            Architecture.Arm => "arm",
            var a => a.ToString().ToLowerInvariant(),
        };
        string os = OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "darwin" : OperatingSystem.IsWindows() ? "windows" : "unknown";
        return $"ollama/{ollamaVersion} ({arch} {os}) Go/go1.24.1 corral/{corralVersion}";
    }

    /// <summary>Part size for a blob of <paramref name="total"/> bytes: total/PartCount clamped to [MinPartSize, MaxPartSize].</summary>
    public long PartSizeFor(long total) => Math.Clamp(total / Math.Max(1, PartCount), Math.Max(1, MinPartSize), Math.Max(MinPartSize, MaxPartSize));
}
