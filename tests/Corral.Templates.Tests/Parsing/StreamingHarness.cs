using System.Text.Json.Nodes;
using Corral.Templates.Parsing;

namespace Corral.Templates.Tests.Parsing;

/// <summary>Runs an output through a fresh parser under different chunkings and collects the totals.</summary>
internal static class StreamingHarness
{
    public sealed record Totals(string Content, string Thinking, IReadOnlyList<ParsedToolCall> Calls)
    {
        public string CallsText => string.Join("; ", Calls.Select(c => $"{c.Index}:{c.Name}{c.Arguments.ToJsonString()}"));
    }

    public static Totals Run(Func<OutputParser> create, IEnumerable<string> chunks)
    {
        var parser = create();
        string content = "", thinking = "";
        var calls = new List<ParsedToolCall>();
        foreach (var chunk in chunks.Append(null))
        {
            var r = chunk == null ? parser.Finish() : parser.Add(chunk);
            content += r.Content;
            thinking += r.Thinking;
            calls.AddRange(r.ToolCalls);
        }
        return new Totals(content, thinking, calls);
    }

    /// <summary>
    /// The whole output in one chunk, split in two at every position, and one character at a time must all give the
    /// same totals: since emitted content is never taken back, any partial markup leaked at some boundary would show.
    /// </summary>
    public static Totals AssertChunkingInvariant(Func<OutputParser> create, string output)
    {
        var whole = Run(create, [output]);
        for (int i = 1; i < output.Length; i++)
        {
            var split = Run(create, [output[..i], output[i..]]);
            AssertSame(whole, split, $"split at {i}");
        }
        AssertSame(whole, Run(create, output.Select(c => c.ToString())), "char by char");
        return whole;
    }

    private static void AssertSame(Totals expected, Totals actual, string how)
    {
        Assert.True(expected.Content == actual.Content, $"{how}: content {Quote(actual.Content)} != {Quote(expected.Content)}");
        Assert.True(expected.Thinking == actual.Thinking, $"{how}: thinking {Quote(actual.Thinking)} != {Quote(expected.Thinking)}");
        Assert.True(expected.CallsText == actual.CallsText, $"{how}: calls {actual.CallsText} != {expected.CallsText}");
    }

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    public static JsonArray Tools(params string[] names) =>
        new(names.Select(n => (JsonNode)new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = n } }).ToArray());
}
