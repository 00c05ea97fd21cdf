using System.Text.Json;

namespace Corral.Store;

/// <summary>An <c>options</c> value of the wrong JSON type: <c>option "num_ctx" must be of type integer</c>.</summary>
public sealed class OptionTypeException(string message) : StoreException(message);

/// <summary>
/// Effective generation and load options (api.md §2.6): defaults, then the model's Modelfile parameters, then the
/// request's <c>options</c>, applied with upstream's JSON typing. <see cref="ExplicitKeys"/> records which keys were set
/// by a model or request (the scheduler treats unset <c>num_batch</c>/<c>draft_num_predict</c> specially).
/// </summary>
public sealed class ModelOptions
{
    // Load-time (runner) options.
    public int NumCtx { get; set; }
    public int NumBatch { get; set; } = 512;
    /// <summary>-1 = automatic offload, 0 = CPU only.</summary>
    public int NumGpu { get; set; } = -1;
    public int? MainGpu { get; set; }
    public bool? UseMmap { get; set; }
    /// <summary>0 = let the runtime decide.</summary>
    public int NumThread { get; set; }
    public int DraftNumPredict { get; set; } = 4;

    // Sampling / prediction options.
    public int NumKeep { get; set; } = 4;
    /// <summary>-1 = random.</summary>
    public long Seed { get; set; } = -1;
    /// <summary>-1 = until a stop condition.</summary>
    public int NumPredict { get; set; } = -1;
    public int TopK { get; set; } = 40;
    public float TopP { get; set; } = 0.9f;
    public float MinP { get; set; }
    public float TypicalP { get; set; } = 1.0f;
    public int RepeatLastN { get; set; } = 64;
    public float Temperature { get; set; } = 0.8f;
    public float RepeatPenalty { get; set; } = 1.0f;
    public float PresencePenalty { get; set; }
    public float FrequencyPenalty { get; set; }
    public IReadOnlyList<string>? Stop { get; set; }

    /// <summary>Keys applied from a model or request, in application order (no duplicates).</summary>
    public IReadOnlyCollection<string> ExplicitKeys => _explicit;

    private HashSet<string> _explicit = new(StringComparer.Ordinal);

    /// <summary>Upstream's defaults; <paramref name="contextLength"/> is <c>OLLAMA_CONTEXT_LENGTH</c> (0 = decided later).</summary>
    public static ModelOptions CreateDefault(int contextLength = 0) => new() { NumCtx = contextLength };

    public bool IsExplicit(string key) => _explicit.Contains(key);

    public ModelOptions Clone()
    {
        var c = (ModelOptions)MemberwiseClone();
        c._explicit = new HashSet<string>(_explicit, StringComparer.Ordinal);
        return c;
    }

    /// <summary>
    /// Applies a JSON object of options (request <c>options</c>). Null values are ignored; unknown keys are reported to
    /// <paramref name="onUnknownKey"/> (upstream logs <c>invalid option provided</c>) and ignored; wrong types throw
    /// <see cref="OptionTypeException"/>. A non-object (or null) applies nothing.
    /// </summary>
    public void Apply(JsonElement options, Action<string>? onUnknownKey = null)
    {
        if (options.ValueKind != JsonValueKind.Object) return;
        Apply(options.EnumerateObject().Select(p => new KeyValuePair<string, JsonElement>(p.Name, p.Value)), onUnknownKey);
    }

    /// <summary>Applies decoded key/value pairs (a model's params layer or request options).</summary>
    public void Apply(IEnumerable<KeyValuePair<string, JsonElement>> values, Action<string>? onUnknownKey = null)
    {
        foreach (var (key, value) in values)
        {
            if (!OptionKinds.TryGetKind(key, out var kind))
            {
                onUnknownKey?.Invoke(key);
                continue;
            }
            if (value.ValueKind == JsonValueKind.Null) continue;
            switch (kind)
            {
                case OptionKind.Integer:
                    SetInteger(key, ReadInteger(key, value));
                    break;
                case OptionKind.Float:
                    if (value.ValueKind != JsonValueKind.Number) throw TypeError(key, "float32");
                    SetFloat(key, (float)value.GetDouble());
                    break;
                case OptionKind.Boolean:
                    if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw TypeError(key, "boolean");
                    UseMmap = value.GetBoolean();
                    break;
                case OptionKind.StringList:
                    if (value.ValueKind != JsonValueKind.Array) throw TypeError(key, "array");
                    var list = new List<string>();
                    foreach (var item in value.EnumerateArray())
                    {
                        if (item.ValueKind != JsonValueKind.String)
                            throw new OptionTypeException($"option {GoFormat.Quote(key)} must be of an array of strings");
                        list.Add(item.GetString()!);
                    }
                    Stop = list;
                    break;
            }
            _explicit.Add(key);
        }
    }

    private static OptionTypeException TypeError(string key, string type) => new($"option {GoFormat.Quote(key)} must be of type {type}");

    // JSON numbers arrive as float64 and are truncated toward zero (saturating where Go's conversion is undefined).
    private static long ReadInteger(string key, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number) throw TypeError(key, "integer");
        if (value.TryGetInt64(out long exact)) return exact;
        double d = Math.Truncate(value.GetDouble());
        return d >= long.MaxValue ? long.MaxValue : d <= long.MinValue ? long.MinValue : (long)d;
    }

    private static int Saturate(long v) => (int)Math.Clamp(v, int.MinValue, int.MaxValue);

    private void SetInteger(string key, long v)
    {
        switch (key)
        {
            case "num_ctx": NumCtx = Saturate(v); break;
            case "num_batch": NumBatch = Saturate(v); break;
            case "num_gpu": NumGpu = Saturate(v); break;
            case "main_gpu": MainGpu = Saturate(v); break;
            case "num_thread": NumThread = Saturate(v); break;
            case "draft_num_predict": DraftNumPredict = Saturate(v); break;
            case "num_keep": NumKeep = Saturate(v); break;
            case "seed": Seed = v; break;
            case "num_predict": NumPredict = Saturate(v); break;
            case "top_k": TopK = Saturate(v); break;
            case "repeat_last_n": RepeatLastN = Saturate(v); break;
        }
    }

    private void SetFloat(string key, float v)
    {
        switch (key)
        {
            case "top_p": TopP = v; break;
            case "min_p": MinP = v; break;
            case "typical_p": TypicalP = v; break;
            case "temperature": Temperature = v; break;
            case "repeat_penalty": RepeatPenalty = v; break;
            case "presence_penalty": PresencePenalty = v; break;
            case "frequency_penalty": FrequencyPenalty = v; break;
        }
    }
}
