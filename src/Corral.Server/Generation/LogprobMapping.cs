using System.Text;
using Corral.Server.Api;
using Corral.Server.Scheduling;

namespace Corral.Server.Generation;

/// <summary>Turns engine log-probabilities into the API's <c>logprobs</c> entries (api.md §2.8).</summary>
public static class LogprobMapping
{
    public static List<Logprob>? Map(LoadedModel model, TextChunk chunk)
    {
        if (chunk.Logprobs is not { Count: > 0 } list) return null;
        var result = new List<Logprob>(list.Count);
        foreach (var (token, lp, top) in list)
        {
            var entry = Entry(model, token, lp);
            if (top is { Length: > 0 }) entry.TopLogprobs = top.Select(t => Entry(model, t.Token, t.Logprob)).ToList();
            result.Add(entry);
        }
        return result;
    }

    private static Logprob Entry(LoadedModel model, int token, float logprob)
    {
        var bytes = model.Tokenizer.TokenToPiece(token, special: true).ToArray();
        return new Logprob
        {
            Token = Encoding.UTF8.GetString(bytes),
            Value = logprob,
            Bytes = bytes.Length > 0 ? bytes.Select(b => (int)b).ToArray() : null,
        };
    }
}
