using System.Text.Json.Nodes;

namespace Corral.Store;

/// <summary>One progress line of pull/push/create (runtime.md §4.7); digest, total and completed are omitted when empty/zero.</summary>
public readonly record struct CreateProgress(string Status, string? Digest = null, long Total = 0, long Completed = 0);

/// <summary>What the quantizer is asked to do; it writes a complete GGUF to <see cref="OutputPath"/>.</summary>
/// <param name="SourcePath">The source GGUF blob (read-only).</param>
/// <param name="OutputPath">Where to write the result: a temp file inside <c>blobs/</c> that the store imports afterwards.</param>
/// <param name="SourceFileType">The source quantization level (F32, F16 or BF16).</param>
/// <param name="TargetFileType">The requested level (F32, F16, BF16, Q8_0, Q4_K_S or Q4_K_M).</param>
/// <param name="MediaType">Model or draft layer.</param>
/// <param name="ReportProgress">Call with the number of tensor bytes processed since the last call.</param>
public sealed record QuantizeJob(
    string SourcePath,
    string OutputPath,
    string SourceFileType,
    string TargetFileType,
    string MediaType,
    Action<long> ReportProgress);

/// <summary>Re-quantizes a GGUF (supplied by the server; the store does not quantize).</summary>
public delegate Task QuantizeModel(QuantizeJob job, CancellationToken cancellationToken);

/// <summary>A built-in template matched to a GGUF chat template (Ollama's template library), with its default parameters.</summary>
public sealed record DetectedTemplate(string Name, string Template, JsonObject? Parameters);

/// <summary>Services a create needs from outside the store. All are optional.</summary>
public sealed record CreateHooks
{
    /// <summary>Quantizes model/draft layers when a request asks for it; without it such requests fail clearly.</summary>
    public QuantizeModel? Quantize { get; init; }

    /// <summary>Validates a Go template: returns the parser's error text, or null when it parses (<c>template error: …</c> → 400).</summary>
    public Func<string, string?>? ValidateTemplate { get; init; }

    /// <summary>Maps a GGUF <c>tokenizer.chat_template</c> to a built-in template (status <c>using autodetected template X</c>).</summary>
    public Func<string, DetectedTemplate?>? DetectTemplate { get; init; }

    /// <summary>Pulls a <c>from</c> model that is not present locally, streaming pull progress.</summary>
    public Func<ModelName, Action<CreateProgress>, CancellationToken, Task>? PullBaseModel { get; init; }

    /// <summary>Where explicit <c>:cloud</c> bases point (<c>OLLAMA_CLOUD_BASE_URL</c>).</summary>
    public string CloudBaseUrl { get; init; } = "https://ollama.com:443";
}
