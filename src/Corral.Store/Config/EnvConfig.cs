using System.Globalization;
using System.Text.Json;

namespace Corral.Config;

/// <summary>One row of the effective configuration: what <c>serve --help</c> lists and the startup log prints.</summary>
public sealed record EnvVarInfo(string Name, string Value, string Description);

/// <summary>
/// Typed access to the <c>OLLAMA_*</c> environment (runtime.md §1). Every accessor re-reads the variable, as upstream
/// does; only <c>~/.ollama/server.json</c> is cached after its first read. Values go through <see cref="Var"/>
/// (trimmed, surrounding quotes stripped). Bools follow Go's <c>ParseBool</c> but any other non-empty string counts as
/// true; unsigned integers that do not parse are reported through the warning callback and fall back to the default.
/// Tests construct an instance over a dictionary instead of touching the process environment.
/// </summary>
public sealed class EnvConfig
{
    private readonly Func<string, string?> _getenv;
    private readonly Action<string>? _warn;
    private readonly string? _home;
    private readonly Lazy<bool> _serverJsonDisablesCloud;

    /// <param name="getenv">Reads one variable (null or empty = unset). Defaults to the process environment.</param>
    /// <param name="warn">Receives warnings (invalid unsigned values, bad <c>OLLAMA_HOST</c> ports, bad origins).</param>
    /// <param name="homeDirectory">The user home holding <c>.ollama/</c>; defaults to the current user's home.</param>
    public EnvConfig(Func<string, string?>? getenv = null, Action<string>? warn = null, string? homeDirectory = null)
    {
        _getenv = getenv ?? Environment.GetEnvironmentVariable;
        _warn = warn;
        _home = homeDirectory;
        _serverJsonDisablesCloud = new Lazy<bool>(ReadServerJsonDisablesCloud);
    }

    /// <summary>An instance over a fixed set of variables (everything else unset).</summary>
    public static EnvConfig FromDictionary(IReadOnlyDictionary<string, string> variables, Action<string>? warn = null, string? homeDirectory = null) =>
        new(k => variables.TryGetValue(k, out var v) ? v : null, warn, homeDirectory);

    /// <summary>The user home directory (<c>$HOME</c> on Unix).</summary>
    public string HomeDirectory => _home ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    // ---- generic readers ----

    /// <summary>The variable trimmed of whitespace, then of any leading/trailing <c>"</c> and <c>'</c> characters.</summary>
    public string Var(string key) => (_getenv(key) ?? "").Trim().Trim('"', '\'');

    /// <summary>Bool with default false.</summary>
    public bool Bool(string key) => BoolWithDefault(key) ?? false;

    /// <summary>Null when unset or empty; otherwise Go <c>ParseBool</c>, with any unparseable value counting as true.</summary>
    public bool? BoolWithDefault(string key)
    {
        string s = Var(key);
        if (s.Length == 0) return null;
        return !GoInt.TryParseBool(s, out bool b) || b;
    }

    /// <summary>A decimal unsigned integer; invalid values log <c>invalid environment variable, using default</c>.</summary>
    public ulong Uint(string key, ulong defaultValue)
    {
        string s = Var(key);
        if (s.Length == 0) return defaultValue;
        if (GoInt.TryParseUInt64(s, out ulong n)) return n;
        _warn?.Invoke($"invalid environment variable, using default key={key} value={s} default={defaultValue}");
        return defaultValue;
    }

    private int UintAsInt(string key, int defaultValue) => (int)Math.Min(Uint(key, (ulong)defaultValue), int.MaxValue);

    // ---- variables (runtime.md §1.2) ----

    /// <summary><c>OLLAMA_HOST</c>: bind address for <c>serve</c> and target of every CLI command.</summary>
    public OllamaHost Host => OllamaHost.Parse(Var("OLLAMA_HOST"), _warn);

    /// <summary><c>OLLAMA_ORIGINS</c> entries (split on <c>,</c> without trimming) followed by the built-in origins.</summary>
    public IReadOnlyList<string> AllowedOrigins => Origins.Build(Var("OLLAMA_ORIGINS"));

    /// <summary><c>OLLAMA_MODELS</c>, or <c>~/.ollama/models</c>.</summary>
    public string Models
    {
        get
        {
            string s = Var("OLLAMA_MODELS");
            return s.Length > 0 ? s : Path.Combine(HomeDirectory, ".ollama", "models");
        }
    }

    /// <summary><c>OLLAMA_KEEP_ALIVE</c> (default 5m; negative = forever).</summary>
    public GoDuration KeepAliveDuration => KeepAlive.ParseEnvironment(Var("OLLAMA_KEEP_ALIVE"));

    /// <summary><c>OLLAMA_LOAD_TIMEOUT</c> (default 5m; zero or negative = no timeout).</summary>
    public GoDuration LoadTimeout => KeepAlive.ParseLoadTimeout(Var("OLLAMA_LOAD_TIMEOUT"));

    /// <summary><c>OLLAMA_REMOTES</c>: hosts allowed as <c>remote_host</c> (default <c>ollama.com</c>).</summary>
    public IReadOnlyList<string> Remotes
    {
        get
        {
            string raw = Var("OLLAMA_REMOTES").Trim();
            return raw.Length == 0 ? ["ollama.com"] : raw.Split(',');
        }
    }

    /// <summary><c>OLLAMA_DEBUG</c> as a Go slog level: INFO 0; bool-true DEBUG -4; another integer n ≠ 0 gives -4·n (2 → TRACE -8).</summary>
    public int LogLevel
    {
        get
        {
            string s = Var("OLLAMA_DEBUG");
            if (s.Length == 0) return 0;
            if (GoInt.TryParseBool(s, out bool b) && b) return -4;
            if (GoInt.TryParseInt64(s, out long i) && i != 0) return (int)Math.Clamp(i * -4, int.MinValue, int.MaxValue);
            return 0;
        }
    }

    /// <summary>Go slog's name of a level: <c>DEBUG</c>, <c>INFO</c>, <c>WARN</c>, <c>ERROR</c>, with offsets like <c>DEBUG-4</c>.</summary>
    public static string LogLevelName(int level)
    {
        static string Named(string name, int delta) => delta == 0 ? name : name + (delta > 0 ? "+" : "") + delta.ToString(CultureInfo.InvariantCulture);
        if (level < 0) return Named("DEBUG", level + 4);
        if (level < 4) return Named("INFO", level);
        if (level < 8) return Named("WARN", level - 4);
        return Named("ERROR", level - 8);
    }

    public bool DebugLogRequests => Bool("OLLAMA_DEBUG_LOG_REQUESTS");

    /// <summary><c>OLLAMA_FLASH_ATTENTION</c>: null = auto.</summary>
    public bool? FlashAttention => BoolWithDefault("OLLAMA_FLASH_ATTENTION");

    /// <summary><c>OLLAMA_GO_TEMPLATE</c>: null = unset (the server may prefer the GGUF chat template).</summary>
    public bool? GoTemplate => BoolWithDefault("OLLAMA_GO_TEMPLATE");

    /// <summary><c>OLLAMA_KV_CACHE_TYPE</c>, lower-cased (empty = f16).</summary>
    public string KvCacheType => Var("OLLAMA_KV_CACHE_TYPE").ToLowerInvariant();

    public bool NoHistory => Bool("OLLAMA_NOHISTORY");

    /// <summary><c>CORRAL_MLOCK</c>: lock loaded weights in RAM (llama.cpp's <c>use_mlock</c>, which Ollama no longer exposes).</summary>
    public bool LockMemory => Bool("CORRAL_MLOCK");

    /// <summary><c>OLLAMA_NOPRUNE</c>: skip blob pruning at startup and after pull/create (delete always prunes).</summary>
    public bool NoPrune => Bool("OLLAMA_NOPRUNE");

    public bool SchedSpread => Bool("OLLAMA_SCHED_SPREAD");

    /// <summary><c>OLLAMA_CONTEXT_LENGTH</c>: default <c>num_ctx</c>; 0 = automatic by VRAM tier.</summary>
    public int ContextLength => UintAsInt("OLLAMA_CONTEXT_LENGTH", 0);

    public bool UseAuth => Bool("OLLAMA_AUTH");

    /// <summary><c>OLLAMA_VULKAN</c>: null = unset (default on).</summary>
    public bool? Vulkan => BoolWithDefault("OLLAMA_VULKAN");

    /// <summary><c>OLLAMA_IGPU_ENABLE</c>: null = auto.</summary>
    public bool? IntegratedGpu => BoolWithDefault("OLLAMA_IGPU_ENABLE");

    /// <summary><c>OLLAMA_NO_CLOUD</c> alone.</summary>
    public bool NoCloudEnv => Bool("OLLAMA_NO_CLOUD");

    /// <summary>Cloud disabled by <c>OLLAMA_NO_CLOUD</c> or <c>{"disable_ollama_cloud": true}</c> in <c>~/.ollama/server.json</c>.</summary>
    public bool NoCloud => NoCloudEnv || _serverJsonDisablesCloud.Value;

    /// <summary>Which setting disabled the cloud: <c>none</c>, <c>env</c>, <c>config</c> or <c>both</c> (for <c>/api/status</c>).</summary>
    public string NoCloudSource => (NoCloudEnv, _serverJsonDisablesCloud.Value) switch
    {
        (true, true) => "both",
        (true, false) => "env",
        (false, true) => "config",
        _ => "none",
    };

    public string LlmLibrary => Var("OLLAMA_LLM_LIBRARY");

    public string Editor => Var("OLLAMA_EDITOR");

    /// <summary><c>OLLAMA_NUM_PARALLEL</c> (default 1).</summary>
    public int NumParallel => UintAsInt("OLLAMA_NUM_PARALLEL", 1);

    /// <summary><c>OLLAMA_MAX_LOADED_MODELS</c> (0 = automatic).</summary>
    public int MaxLoadedModels => UintAsInt("OLLAMA_MAX_LOADED_MODELS", 0);

    /// <summary><c>OLLAMA_MAX_QUEUE</c> (default 512).</summary>
    public int MaxQueue => UintAsInt("OLLAMA_MAX_QUEUE", 512);

    /// <summary><c>OLLAMA_MAX_TRANSFER_STREAMS</c> (default 4).</summary>
    public int MaxTransferStreams => UintAsInt("OLLAMA_MAX_TRANSFER_STREAMS", 4);

    /// <summary><c>OLLAMA_GPU_OVERHEAD</c>: bytes of VRAM reserved per GPU.</summary>
    public ulong GpuOverhead => Uint("OLLAMA_GPU_OVERHEAD", 0);

    /// <summary><c>OLLAMA_CLOUD_BASE_URL</c>, default <c>https://ollama.com:443</c>.</summary>
    public string CloudBaseUrl
    {
        get
        {
            string s = Var("OLLAMA_CLOUD_BASE_URL");
            return s.Length > 0 ? s : "https://ollama.com:443";
        }
    }

    /// <summary><c>OLLAMA_EXPERIMENT</c>: comma-separated flags, trimmed, empty entries dropped.</summary>
    public IReadOnlyList<string> Experiments =>
        Var("OLLAMA_EXPERIMENT").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    // ---- listings ----

    /// <summary>
    /// The effective configuration with descriptions, as upstream's <c>AsMap</c>: the source of the startup
    /// <c>server config</c> log line and of the <c>Environment Variables:</c> help blocks. Sorted by name.
    /// </summary>
    public IReadOnlyList<EnvVarInfo> Describe()
    {
        var rows = new List<EnvVarInfo>
        {
            new("OLLAMA_DEBUG", LogLevelName(LogLevel), "Show additional debug information (e.g. OLLAMA_DEBUG=1)"),
            new("OLLAMA_DEBUG_LOG_REQUESTS", GoBool(DebugLogRequests), "Log inference request bodies and replay curl commands to a temp directory"),
            new("OLLAMA_GO_TEMPLATE", GoBool(GoTemplate ?? true), "Enable Modelfile TEMPLATE based rendering when available"),
            new("OLLAMA_FLASH_ATTENTION", GoBool(FlashAttention ?? false), "Enabled flash attention"),
            new("OLLAMA_KV_CACHE_TYPE", Var("OLLAMA_KV_CACHE_TYPE"), "Quantization type for the K/V cache (default: f16)"),
            new("OLLAMA_GPU_OVERHEAD", GpuOverhead.ToString(CultureInfo.InvariantCulture), "Reserve a portion of VRAM per GPU (bytes)"),
            new("OLLAMA_IGPU_ENABLE", Var("OLLAMA_IGPU_ENABLE"), "Enable integrated GPUs"),
            new("LLAMA_ARG_FIT", Var("LLAMA_ARG_FIT"), "Enable llama.cpp automatic fit of unset memory options (default \"on\")"),
            new("LLAMA_ARG_FIT_TARGET", Var("LLAMA_ARG_FIT_TARGET"), "Target free VRAM margin per device for llama.cpp fit (MiB)"),
            new("OLLAMA_HOST", Host.ToString(), "IP Address for the ollama server (default 127.0.0.1:11434)"),
            new("OLLAMA_KEEP_ALIVE", KeepAliveDuration.ToString(), "The duration that models stay loaded in memory (default \"5m\")"),
            new("OLLAMA_LLM_LIBRARY", LlmLibrary, "Set LLM library to bypass autodetection"),
            new("OLLAMA_LOAD_TIMEOUT", LoadTimeout.ToString(), "How long to allow model loads to stall before giving up (default \"5m\")"),
            new("OLLAMA_MAX_LOADED_MODELS", MaxLoadedModels.ToString(CultureInfo.InvariantCulture), "Maximum number of loaded models per GPU"),
            new("OLLAMA_MAX_TRANSFER_STREAMS", MaxTransferStreams.ToString(CultureInfo.InvariantCulture), "Maximum parallel transfer streams for safetensors model pulls/pushes (default 4)"),
            new("OLLAMA_MAX_QUEUE", MaxQueue.ToString(CultureInfo.InvariantCulture), "Maximum number of queued requests"),
            new("OLLAMA_MODELS", Models, "The path to the models directory"),
            new("OLLAMA_NO_CLOUD", GoBool(NoCloud), "Disable Ollama cloud features (remote inference and web search)"),
            new("OLLAMA_NOHISTORY", GoBool(NoHistory), "Do not preserve readline history"),
            new("OLLAMA_NOPRUNE", GoBool(NoPrune), "Do not prune model blobs on startup"),
            new("OLLAMA_NUM_PARALLEL", NumParallel.ToString(CultureInfo.InvariantCulture), "Maximum number of parallel requests"),
            new("OLLAMA_ORIGINS", "[" + string.Join(" ", AllowedOrigins) + "]", "A comma separated list of allowed origins"),
            new("OLLAMA_SCHED_SPREAD", GoBool(SchedSpread), "Always schedule model across all GPUs"),
            new("OLLAMA_CONTEXT_LENGTH", ContextLength.ToString(CultureInfo.InvariantCulture), "Context length to use unless otherwise specified (default: 4k/32k/256k based on VRAM)"),
            new("OLLAMA_EDITOR", Editor, "Path to editor for interactive prompt editing (Ctrl+G)"),
            new("OLLAMA_REMOTES", "[" + string.Join(" ", Remotes) + "]", "Allowed hosts for remote models (default \"ollama.com\")"),
            new("HTTP_PROXY", Var("HTTP_PROXY"), "HTTP proxy"),
            new("HTTPS_PROXY", Var("HTTPS_PROXY"), "HTTPS proxy"),
            new("NO_PROXY", Var("NO_PROXY"), "No proxy"),
        };
        if (!OperatingSystem.IsWindows())
        {
            rows.Add(new("http_proxy", Var("http_proxy"), "HTTP proxy"));
            rows.Add(new("https_proxy", Var("https_proxy"), "HTTPS proxy"));
            rows.Add(new("no_proxy", Var("no_proxy"), "No proxy"));
        }
        if (!OperatingSystem.IsMacOS())
        {
            rows.Add(new("CUDA_VISIBLE_DEVICES", Var("CUDA_VISIBLE_DEVICES"), "Set which NVIDIA devices are visible"));
            rows.Add(new("HIP_VISIBLE_DEVICES", Var("HIP_VISIBLE_DEVICES"), "Set which AMD devices are visible by numeric ID"));
            rows.Add(new("ROCR_VISIBLE_DEVICES", Var("ROCR_VISIBLE_DEVICES"), "Set which AMD devices are visible by UUID or numeric ID"));
            rows.Add(new("GGML_VK_VISIBLE_DEVICES", Var("GGML_VK_VISIBLE_DEVICES"), "Set which Vulkan devices are visible by numeric ID"));
            rows.Add(new("GPU_DEVICE_ORDINAL", Var("GPU_DEVICE_ORDINAL"), "Set which AMD devices are visible by numeric ID"));
            rows.Add(new("HSA_OVERRIDE_GFX_VERSION", Var("HSA_OVERRIDE_GFX_VERSION"), "Override the gfx used for all detected AMD GPUs"));
            rows.Add(new("OLLAMA_VULKAN", GoBool(Vulkan ?? true), "Enable Vulkan support"));
        }
        rows.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return rows;
    }

    /// <summary>The variables <c>serve --help</c> lists, in upstream's order.</summary>
    public static readonly IReadOnlyList<string> ServeHelpVariables =
    [
        "OLLAMA_DEBUG", "OLLAMA_HOST", "OLLAMA_CONTEXT_LENGTH", "OLLAMA_KEEP_ALIVE", "OLLAMA_MAX_LOADED_MODELS",
        "OLLAMA_MAX_TRANSFER_STREAMS", "OLLAMA_MAX_QUEUE", "OLLAMA_MODELS", "OLLAMA_NUM_PARALLEL", "OLLAMA_NO_CLOUD",
        "OLLAMA_NOPRUNE", "OLLAMA_ORIGINS", "OLLAMA_SCHED_SPREAD", "OLLAMA_FLASH_ATTENTION", "OLLAMA_KV_CACHE_TYPE",
        "OLLAMA_LLM_LIBRARY", "OLLAMA_GPU_OVERHEAD", "OLLAMA_IGPU_ENABLE", "LLAMA_ARG_FIT", "LLAMA_ARG_FIT_TARGET",
        "OLLAMA_LOAD_TIMEOUT",
    ];

    /// <summary>The variables <c>run --help</c> lists.</summary>
    public static readonly IReadOnlyList<string> RunHelpVariables = ["OLLAMA_EDITOR", "OLLAMA_HOST", "OLLAMA_NOHISTORY"];

    /// <summary>
    /// The help block appended to a command's usage: a blank line, <c>Environment Variables:</c>, then per variable six spaces, the name padded to
    /// 27 columns, three spaces and the description.
    /// </summary>
    public string FormatHelpBlock(IEnumerable<string> names)
    {
        var byName = Describe().ToDictionary(r => r.Name, StringComparer.Ordinal);
        var sb = new System.Text.StringBuilder("\nEnvironment Variables:\n");
        foreach (var name in names)
        {
            string description = byName.TryGetValue(name, out var row) ? row.Description : "";
            sb.Append("      ").Append(name.PadRight(27)).Append("   ").Append(description).Append('\n');
        }
        return sb.ToString();
    }

    private static string GoBool(bool b) => b ? "true" : "false";

    private bool ReadServerJsonDisablesCloud()
    {
        try
        {
            string path = Path.Combine(HomeDirectory, ".ollama", "server.json");
            if (!File.Exists(path)) return false;
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return false;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                // Go decodes struct fields case-insensitively.
                if (p.Name.Equals("disable_ollama_cloud", StringComparison.OrdinalIgnoreCase))
                    return p.Value.ValueKind == JsonValueKind.True;
            }
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return false; // upstream logs at debug level and carries on
        }
    }
}
