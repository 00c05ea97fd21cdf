using System.Diagnostics.CodeAnalysis;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>llama.cpp's <c>llama_ftype</c>: the value of <c>general.file_type</c> (engine.md §2.8).</summary>
public enum LlamaFileType : uint
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q8_0 = 7,
    Q5_0 = 8,
    Q5_1 = 9,
    Q2_K = 10,
    Q3_K_S = 11,
    Q3_K_M = 12,
    Q3_K_L = 13,
    Q4_K_S = 14,
    Q4_K_M = 15,
    Q5_K_S = 16,
    Q5_K_M = 17,
    Q6_K = 18,
    IQ2_XXS = 19,
    IQ2_XS = 20,
    Q2_K_S = 21,
    IQ3_XS = 22,
    IQ3_XXS = 23,
    IQ1_S = 24,
    IQ4_NL = 25,
    IQ3_S = 26,
    IQ3_M = 27,
    IQ2_S = 28,
    IQ2_M = 29,
    IQ4_XS = 30,
    IQ1_M = 31,
    BF16 = 32,
    TQ1_0 = 36,
    TQ2_0 = 37,
    MXFP4_MOE = 38,
    NVFP4 = 39,
    Q1_0 = 40,
    Q2_0 = 41,

    /// <summary>Not stored in files; llama.cpp's marker for a type it had to guess.</summary>
    Guessed = 1024,
}

/// <summary>Names, parsing and base tensor types of <see cref="LlamaFileType"/>.</summary>
public static class LlamaFileTypes
{
    /// <summary>The file types <see cref="ModelQuantizer"/> can produce, in the order error messages list them.</summary>
    public static IReadOnlyList<LlamaFileType> SupportedTargets { get; } =
    [
        LlamaFileType.F32, LlamaFileType.F16, LlamaFileType.BF16,
        LlamaFileType.Q8_0, LlamaFileType.Q4_0, LlamaFileType.Q4_1, LlamaFileType.Q5_0, LlamaFileType.Q5_1,
        LlamaFileType.Q2_K, LlamaFileType.Q3_K_S, LlamaFileType.Q3_K_M, LlamaFileType.Q3_K_L,
        LlamaFileType.Q4_K_S, LlamaFileType.Q4_K_M, LlamaFileType.Q5_K_S, LlamaFileType.Q5_K_M, LlamaFileType.Q6_K,
        LlamaFileType.IQ4_NL, LlamaFileType.IQ4_XS,
    ];

    /// <summary>Short names that mean a medium K-quant mix, as llama-quantize and Ollama accept them.</summary>
    private static readonly (string Alias, LlamaFileType Type)[] s_aliases =
    [
        ("Q3_K", LlamaFileType.Q3_K_M),
        ("Q4_K", LlamaFileType.Q4_K_M),
        ("Q5_K", LlamaFileType.Q5_K_M),
    ];

    /// <summary>The display name Ollama and llama.cpp use (<c>Q4_K_M</c>, <c>F16</c>, …).</summary>
    public static string Name(LlamaFileType type) => Enum.IsDefined(type) ? type.ToString() : $"unknown({(uint)type})";

    public static bool IsSupportedTarget(LlamaFileType type) => SupportedTargets.Contains(type);

    /// <summary>
    /// Parses a quantization name case-insensitively (<c>q4_K_M</c>, <c>Q8_0</c>, <c>f16</c>, alias <c>q4_K</c>).
    /// Only names in <see cref="SupportedTargets"/> (and their aliases) are accepted.
    /// </summary>
    public static bool TryParse(string? name, out LlamaFileType type)
    {
        type = default;
        if (string.IsNullOrWhiteSpace(name)) return false;
        string trimmed = name.Trim();
        foreach (var (alias, aliased) in s_aliases)
        {
            if (string.Equals(alias, trimmed, StringComparison.OrdinalIgnoreCase))
            {
                type = aliased;
                return true;
            }
        }
        foreach (var candidate in SupportedTargets)
        {
            if (string.Equals(Name(candidate), trimmed, StringComparison.OrdinalIgnoreCase))
            {
                type = candidate;
                return true;
            }
        }
        return false;
    }

    /// <summary>Parses like <see cref="TryParse"/>; an unknown name throws with the list of supported names.</summary>
    public static LlamaFileType Parse(string? name)
    {
        if (TryParse(name, out var type)) return type;
        throw new QuantizationException(UnsupportedMessage(name));
    }

    /// <summary>Ollama's wording, with Corral's (longer) list of supported types.</summary>
    internal static string UnsupportedMessage(string? name) =>
        $"unsupported quantization type {name?.Trim().ToUpperInvariant()} - supported types are {string.Join(", ", SupportedTargets.Select(Name))}";

    /// <summary>
    /// llama_ftype_get_default_type: the tensor type most weights of a file type get, or false for a file
    /// type with no single base type.
    /// </summary>
    public static bool TryGetBaseType(LlamaFileType type, [NotNullWhen(true)] out GgmlType? baseType)
    {
        baseType = type switch
        {
            LlamaFileType.F32 => GgmlType.F32,
            LlamaFileType.F16 => GgmlType.F16,
            LlamaFileType.BF16 => GgmlType.BF16,
            LlamaFileType.Q4_0 => GgmlType.Q4_0,
            LlamaFileType.Q4_1 => GgmlType.Q4_1,
            LlamaFileType.Q5_0 => GgmlType.Q5_0,
            LlamaFileType.Q5_1 => GgmlType.Q5_1,
            LlamaFileType.Q8_0 => GgmlType.Q8_0,
            LlamaFileType.Q1_0 => GgmlType.Q1_0,
            LlamaFileType.Q2_0 => GgmlType.Q2_0,
            LlamaFileType.MXFP4_MOE => GgmlType.MXFP4,
            LlamaFileType.NVFP4 => GgmlType.NVFP4,
            LlamaFileType.Q2_K or LlamaFileType.Q2_K_S => GgmlType.Q2_K,
            LlamaFileType.IQ3_XS => GgmlType.IQ3_S,
            LlamaFileType.Q3_K_S or LlamaFileType.Q3_K_M or LlamaFileType.Q3_K_L => GgmlType.Q3_K,
            LlamaFileType.Q4_K_S or LlamaFileType.Q4_K_M => GgmlType.Q4_K,
            LlamaFileType.Q5_K_S or LlamaFileType.Q5_K_M => GgmlType.Q5_K,
            LlamaFileType.Q6_K => GgmlType.Q6_K,
            LlamaFileType.TQ1_0 => GgmlType.TQ1_0,
            LlamaFileType.TQ2_0 => GgmlType.TQ2_0,
            LlamaFileType.IQ2_XXS => GgmlType.IQ2_XXS,
            LlamaFileType.IQ2_XS => GgmlType.IQ2_XS,
            LlamaFileType.IQ2_S => GgmlType.IQ2_XS,
            LlamaFileType.IQ2_M => GgmlType.IQ2_S,
            LlamaFileType.IQ3_XXS => GgmlType.IQ3_XXS,
            LlamaFileType.IQ1_S => GgmlType.IQ1_S,
            LlamaFileType.IQ1_M => GgmlType.IQ1_M,
            LlamaFileType.IQ4_NL => GgmlType.IQ4_NL,
            LlamaFileType.IQ4_XS => GgmlType.IQ4_XS,
            LlamaFileType.IQ3_S or LlamaFileType.IQ3_M => GgmlType.IQ3_S,
            _ => null,
        };
        return baseType != null;
    }
}
