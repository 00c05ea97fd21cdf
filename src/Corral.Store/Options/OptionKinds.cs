namespace Corral.Store;

/// <summary>How an option's value is typed (runtime.md §5.4, api.md §2.6).</summary>
public enum OptionKind
{
    /// <summary>int64 in Modelfiles; JSON numbers are truncated toward zero.</summary>
    Integer,
    /// <summary>float32.</summary>
    Float,
    /// <summary>A tri-state boolean (unset = automatic).</summary>
    Boolean,
    /// <summary>A list of strings (<c>stop</c>); Modelfile lines accumulate.</summary>
    StringList,
}

/// <summary>The valid option names (keys of API <c>options</c> and Modelfile <c>PARAMETER</c> names) and their kinds.</summary>
public static class OptionKinds
{
    /// <summary>All options in upstream's struct order: load-time (runner) options first, then sampling options.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, OptionKind>> All =
    [
        new("num_ctx", OptionKind.Integer),
        new("num_batch", OptionKind.Integer),
        new("num_gpu", OptionKind.Integer),
        new("main_gpu", OptionKind.Integer),
        new("use_mmap", OptionKind.Boolean),
        new("num_thread", OptionKind.Integer),
        new("draft_num_predict", OptionKind.Integer),
        new("num_keep", OptionKind.Integer),
        new("seed", OptionKind.Integer),
        new("num_predict", OptionKind.Integer),
        new("top_k", OptionKind.Integer),
        new("top_p", OptionKind.Float),
        new("min_p", OptionKind.Float),
        new("typical_p", OptionKind.Float),
        new("repeat_last_n", OptionKind.Integer),
        new("temperature", OptionKind.Float),
        new("repeat_penalty", OptionKind.Float),
        new("presence_penalty", OptionKind.Float),
        new("frequency_penalty", OptionKind.Float),
        new("stop", OptionKind.StringList),
    ];

    private static readonly Dictionary<string, OptionKind> ByName = All.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <summary>Options read when a model is loaded; a change forces a reload.</summary>
    public static readonly IReadOnlySet<string> LoadTime = new HashSet<string>(StringComparer.Ordinal)
        { "num_ctx", "num_batch", "num_gpu", "main_gpu", "use_mmap", "num_thread", "draft_num_predict" };

    /// <summary>Modelfile parameters that are accepted with <c>warning: parameter X is deprecated</c> and ignored.</summary>
    public static readonly IReadOnlySet<string> Deprecated = new HashSet<string>(StringComparer.Ordinal)
        { "penalize_newline", "low_vram", "f16_kv", "logits_all", "vocab_only", "use_mlock", "mirostat", "mirostat_tau", "mirostat_eta" };

    /// <summary>The kind of a (case-sensitive) option name.</summary>
    public static bool TryGetKind(string name, out OptionKind kind) => ByName.TryGetValue(name, out kind);
}
