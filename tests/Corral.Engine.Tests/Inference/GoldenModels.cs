using Corral.Engine.Quantization;
using Corral.Testing;

namespace Corral.Engine.Tests.Inference;

/// <summary>
/// Paths of the model files behind the goldens: stored ones from ../shared/models, synthetic F16 ones from
/// <see cref="SyntheticModels"/>, and quantized synthetic ones (<c>qwen2-tiny-Q8_0</c>, …) made from their F16 file by
/// our quantizer, which writes llama-quantize's bytes (checked against golden/SHA256SUMS before first use), cached
/// under .build/test-cache/models.
/// </summary>
internal static class GoldenModels
{
    private static readonly object s_gate = new();

    public static string Path(string golden)
    {
        if (golden == "stories260K-F32") return RepoPaths.SharedFile("models", "stories260K.gguf");
        string stored = RepoPaths.SharedFile("models", golden + ".gguf");
        if (File.Exists(stored)) return stored;
        if (golden.EndsWith("-F16", StringComparison.Ordinal)) return SyntheticModels.Get(golden);
        return Quantized(golden);
    }

    private static string Quantized(string golden)
    {
        int dash = golden.LastIndexOf('-');
        string source = SyntheticModels.Get(golden[..dash] + "-F16");
        var type = LlamaFileTypes.Parse(golden[(dash + 1)..]);
        string expected = SyntheticModels.ExpectedSha256(golden + ".gguf")
            ?? throw new InvalidOperationException($"golden/SHA256SUMS has no digest for {golden}.gguf");
        string dir = System.IO.Path.Combine(RepoPaths.Cache, "models");
        Directory.CreateDirectory(dir);
        string path = System.IO.Path.Combine(dir, golden + ".gguf");
        string stamp = path + ".sha256";
        lock (s_gate)
        {
            if (File.Exists(path) && File.Exists(stamp) && File.ReadAllText(stamp).Trim() == expected) return path;
            string temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            try
            {
                ModelQuantizer.Quantize(source, temp, type, threads: 2);
                string actual = SyntheticModels.Sha256File(temp);
                if (actual != expected)
                    throw new InvalidOperationException($"quantizing {source} to {type} gave sha256 {actual}, but golden/SHA256SUMS expects {expected}");
                File.Move(temp, path, overwrite: true);
                File.WriteAllText(stamp, expected + "\n");
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            return path;
        }
    }
}
