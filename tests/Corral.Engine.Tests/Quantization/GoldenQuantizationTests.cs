using Corral.Engine.Quantization;
using Corral.Testing;

namespace Corral.Engine.Tests.Quantization;

/// <summary>
/// Whole output files must equal llama-quantize's byte for byte: the sha256 is compared with
/// golden/SHA256SUMS, and on a mismatch the stored reference file (where there is one) is diffed to name
/// the first differing tensor and byte.
/// </summary>
public class GoldenQuantizationTests
{
    public static TheoryData<string> LlamaTinyTypes =>
        ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K_M", "Q4_K_S", "Q4_K_M", "Q5_K_M", "Q6_K", "IQ4_NL"];

    [Theory]
    [MemberData(nameof(LlamaTinyTypes))]
    public void LlamaTinyMatchesLlamaQuantize(string type) =>
        AssertMatchesGolden(RepoPaths.SharedFile("models", "llama-tiny-F16.gguf"), "llama-tiny", type);

    /// <summary>An F32 source whose 172-wide rows force the F16 and Q8_0 fallbacks.</summary>
    [Theory]
    [InlineData("Q8_0")]
    [InlineData("Q4_0")]
    public void Stories260KMatchesLlamaQuantize(string type) =>
        AssertMatchesGolden(RepoPaths.SharedFile("models", "stories260K.gguf"), "stories260K", type);

    [Theory]
    [InlineData("qwen2-tiny", "Q8_0")]
    [InlineData("qwen2-tiny", "Q4_K_M")]
    [InlineData("qwen3-tiny", "Q8_0")]
    [InlineData("qwen3-tiny", "Q4_K_M")]
    public void SyntheticModelsMatchLlamaQuantize(string model, string type) =>
        AssertMatchesGolden(SyntheticModels.Get(model + "-F16"), model, type);

    /// <summary>
    /// The Qwen2.5-0.5B-shaped model (~1 GB F16, ne0 = 896 exercises the Q5_0/Q8_0 fallbacks and the tied
    /// embedding). Slow: about 4–5 s per type with 2 threads on this 2-core machine, plus ~10 s to generate
    /// the model once into .build/test-cache (bench/quantize-bench.sh times the same runs).
    /// </summary>
    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("Q8_0")]
    [InlineData("Q4_K_M")]
    public void Qwen2HalfBillionMatchesLlamaQuantize(string type) =>
        AssertMatchesGolden(SyntheticModels.Get("qwen2-0.5b-F16"), "qwen2-0.5b", type);

    internal static void AssertMatchesGolden(string source, string model, string type, int threads = 2)
    {
        string goldenName = $"{model}-{type}.gguf";
        string expected = SyntheticModels.ExpectedSha256(goldenName)
            ?? throw new InvalidOperationException($"golden/SHA256SUMS has no line for {goldenName}");
        using var dir = new TempDir("corral-quant-");
        string output = dir.File(goldenName);

        ModelQuantizer.Quantize(source, output, LlamaFileTypes.Parse(type), threads: threads);

        string actual = SyntheticModels.Sha256File(output);
        if (actual == expected) return;
        string reference = RepoPaths.SharedFile("models", goldenName);
        string detail = File.Exists(reference)
            ? GgufDiff.Describe(reference, output)
            : "(no stored reference file to diff against)";
        Assert.Fail($"{goldenName}: sha256 {actual}, expected {expected}\n{detail}");
    }
}
