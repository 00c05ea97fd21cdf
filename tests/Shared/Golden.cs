using System.Text.Json;

namespace Corral.Testing;

/// <summary>One case of a ../shared/golden/*.json file: what llama.cpp produced for a prompt.</summary>
internal sealed record GoldenCase(string Prompt, int[] PromptTokens, int[] Generated, string Text, bool TextLossy, (int Token, float Logit)[][] TopLogits)
{
    /// <summary>Reference gap between the two largest logits before generated token <paramref name="step"/>.</summary>
    public float TopGap(int step) => TopLogits[step].Length < 2 ? float.PositiveInfinity : TopLogits[step][0].Logit - TopLogits[step][1].Logit;
}

internal static class Golden
{
    /// <summary>Reference top-2 gap below which another argmax is numerically tolerable (DEVELOPERS.md).</summary>
    public const float TieTolerance = 0.02f;

    public static IReadOnlyList<GoldenCase> Load(string name)
    {
        var path = RepoPaths.SharedFile("golden", name.EndsWith(".json", StringComparison.Ordinal) ? name : name + ".json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var cases = new List<GoldenCase>();
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            var top = c.GetProperty("top_logits").EnumerateArray()
                .Select(step => step.EnumerateArray().Select(p => (p[0].GetInt32(), p[1].GetSingle())).ToArray())
                .ToArray();
            cases.Add(new GoldenCase(
                c.GetProperty("prompt").GetString()!,
                c.GetProperty("prompt_tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                c.GetProperty("generated").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                c.GetProperty("text").GetString()!,
                c.TryGetProperty("text_lossy", out var lossy) && lossy.GetBoolean(),
                top));
        }
        return cases;
    }

    /// <summary>
    /// Compares generated tokens with the reference under the tolerance rule: the first differing
    /// step must have a reference top-2 gap below <paramref name="tieTolerance"/> (default <see cref="TieTolerance"/>);
    /// comparison stops there. Returns the number of steps that matched exactly, or throws with a description of the failure.
    /// </summary>
    public static int AssertMatches(GoldenCase expected, IReadOnlyList<int> actual, string label, float tieTolerance = TieTolerance)
    {
        int n = Math.Min(expected.Generated.Length, actual.Count);
        for (int i = 0; i < n; i++)
        {
            if (expected.Generated[i] == actual[i]) continue;
            float gap = expected.TopGap(i);
            if (gap < tieTolerance) return i;
            throw new Xunit.Sdk.XunitException(
                $"{label}: step {i} generated token {actual[i]} but llama.cpp chose {expected.Generated[i]} " +
                $"(reference top-2 gap {gap:F4} ≥ {tieTolerance}); reference top logits: " +
                string.Join(", ", expected.TopLogits[i].Take(4).Select(p => $"{p.Token}:{p.Logit:F4}")));
        }
        if (actual.Count != expected.Generated.Length)
            throw new Xunit.Sdk.XunitException($"{label}: generated {actual.Count} tokens, llama.cpp generated {expected.Generated.Length}");
        return n;
    }
}
