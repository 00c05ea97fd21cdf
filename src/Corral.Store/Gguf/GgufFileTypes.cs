namespace Corral.Store;

/// <summary>Names of llama.cpp file types (<c>general.file_type</c>) as Ollama reports them as "quantization level".</summary>
public static class GgufFileTypes
{
    private static readonly string?[] Names =
    [
        "F32", "F16", "Q4_0", "Q4_1", null, null, null, "Q8_0", "Q5_0", "Q5_1", "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L",
        "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "IQ2_XXS", "IQ2_XS", "Q2_K_S", "IQ3_XS", "IQ3_XXS", "IQ1_S",
        "IQ4_NL", "IQ3_S", "IQ3_M", "IQ2_S", "IQ2_M", "IQ4_XS", "IQ1_M", "BF16", null, null, null, "TQ1_0", "TQ2_0",
        "MXFP4_MOE", "NVFP4", "Q1_0",
    ];

    public const string Unknown = "unknown";

    /// <summary>The name of a file type id, or <c>unknown</c>.</summary>
    public static string Name(long fileType) =>
        fileType >= 0 && fileType < Names.Length && Names[fileType] is { } n ? n : Unknown;

    /// <summary>
    /// The quantization level of a GGUF whose <c>general.file_type</c> is <paramref name="fileType"/> (null when absent).
    /// Upstream reports <c>unknown</c> for F32 because it treats the value 0 as absent; Corral names it <c>F32</c> when the
    /// key is present.
    /// </summary>
    public static string Describe(long? fileType) => fileType is { } ft ? Name(ft) : Unknown;

    /// <summary>Whether the type is unquantized (the only sources quantization accepts).</summary>
    public static bool IsUnquantized(string name) => name is "F32" or "F16" or "BF16";

    /// <summary>
    /// Parses a requested quantization (<c>create --quantize</c>, any case): every file type Corral's quantizer writes,
    /// under Ollama's and llama.cpp's names (<c>q4_K_M</c>, alias <c>q4_K</c>, …). Upstream accepts only F32, F16, BF16,
    /// Q8_0, Q4_K_S and Q4_K_M because it shells out to a fixed llama-quantize list; anything else throws with upstream's
    /// wording and Corral's full list.
    /// </summary>
    public static string ParseQuantizeTarget(string requested)
    {
        if (Corral.Engine.Quantization.LlamaFileTypes.TryParse(requested, out var type) && Corral.Engine.Quantization.LlamaFileTypes.IsSupportedTarget(type))
            return Corral.Engine.Quantization.LlamaFileTypes.Name(type);
        throw new StoreException(
            $"unsupported quantization type {requested.Trim().ToUpperInvariant()} - supported types are {string.Join(", ", Corral.Engine.Quantization.LlamaFileTypes.SupportedTargets.Select(Corral.Engine.Quantization.LlamaFileTypes.Name))}");
    }
}
