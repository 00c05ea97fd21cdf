using Corral.Engine.Inference;
using Corral.Engine.Sampling;
using Corral.Server.Http;
using Corral.Server.Scheduling;
using Corral.Store;

namespace Corral.Server.Generation;

/// <summary>One piece of streamed output.</summary>
public readonly record struct TextChunk(string Text, IReadOnlyList<(int Token, float Logprob, (int Token, float Logprob)[]? Top)>? Logprobs);

/// <summary>Everything a completion needs once the prompt is rendered.</summary>
public sealed record GenerationInput
{
    /// <summary>Rendered prompt text (tokenized with special tokens parsed, BOS as the vocabulary says).</summary>
    public string? Prompt { get; init; }
    /// <summary>Prompt tokens prepended to <see cref="Prompt"/> (the deprecated <c>context</c> field).</summary>
    public int[]? ContextTokens { get; init; }
    /// <summary><see cref="Prompt"/> already tokenized (special tokens parsed, BOS as the vocabulary says), when the caller had to.</summary>
    public int[]? PromptTokens { get; init; }
    public required ModelOptions Options { get; init; }
    public bool Truncate { get; init; } = true;
    public bool Shift { get; init; } = true;
    public ITokenConstraint? Constraint { get; init; }
    public int TopLogprobs { get; init; } = -1;
}

/// <summary>Final counters of a completion.</summary>
public sealed record GenerationResult
{
    public required int[] PromptTokens { get; init; }
    public required List<int> OutputTokens { get; init; }
    public required GenerationStats Stats { get; init; }
    public required string DoneReason { get; init; }
    /// <summary>Prompt tokens dropped to fit the context before generation.</summary>
    public int Truncated { get; init; }
}

/// <summary>
/// Runs one completion on a loaded model: tokenizes, fits the prompt to the context the way upstream
/// does (keep num_keep, drop the middle) but says so, streams detokenized text through the stop-sequence
/// filter, and reports upstream's done reasons.
/// </summary>
public static class TextGeneration
{
    public const string PromptTooLongMessage =
        "the prompt is longer than the context length currently available to the model; shorten the prompt, adjust the context length in settings, or use a model with a longer context length";

    public static int[] Tokenize(LoadedModel model, GenerationInput input)
    {
        if (input.PromptTokens is { } encoded && !string.IsNullOrEmpty(input.Prompt) && input.ContextTokens is not { Length: > 0 }) return encoded;
        var tokens = new List<int>();
        if (input.ContextTokens is { Length: > 0 } ctx) tokens.AddRange(ctx);
        if (!string.IsNullOrEmpty(input.Prompt))
        {
            // The deprecated context already carries BOS; do not add another.
            bool addSpecial = tokens.Count == 0;
            model.Tokenizer.Encode(input.Prompt, tokens, addSpecial, parseSpecial: true);
        }
        return tokens.ToArray();
    }

    /// <summary>Fits <paramref name="tokens"/> into <paramref name="numCtx"/>; returns the tokens and how many were dropped.</summary>
    public static (int[] Tokens, int Dropped) FitToContext(int[] tokens, int numCtx, int numKeep, bool addsBos, bool truncate, bool shift)
    {
        if (tokens.Length < numCtx) return (tokens, 0);
        if (!truncate || !shift) throw ApiException.BadRequest(PromptTooLongMessage);
        int keep = numKeep < 0 ? tokens.Length : numKeep + (addsBos ? 1 : 0);
        keep = Math.Min(keep, numCtx - 1);
        int target = numCtx - Math.Max((numCtx - keep) / 2, 1);
        int dropped = tokens.Length - target;
        var result = new int[target];
        tokens.AsSpan(0, keep).CopyTo(result);
        tokens.AsSpan(keep + dropped).CopyTo(result.AsSpan(keep));
        return (result, dropped);
    }

    public static async Task<GenerationResult> RunAsync(LoadedModel model, GenerationInput input, Func<TextChunk, Task> emit, CancellationToken cancellation)
    {
        var o = input.Options;
        var vocab = model.Tokenizer.Vocabulary;
        var raw = Tokenize(model, input);
        if (raw.Length == 0 && vocab.Bos >= 0) raw = [vocab.Bos];
        if (raw.Length == 0) throw ApiException.BadRequest("the prompt produced no tokens");
        int numCtx = model.Options.ContextLength;
        var (prompt, dropped) = FitToContext(raw, numCtx, o.NumKeep, vocab.AddBos, input.Truncate, input.Shift);

        var request = new GenerationRequest
        {
            PromptTokens = prompt,
            Sampling = o.ToSampling(),
            NumPredict = o.NumPredict,
            NumKeep = o.NumKeep,
            ShiftContext = input.Shift,
            Constraint = input.Constraint,
            TopLogprobs = input.TopLogprobs,
        };
        var observation = Observability.CorralMetrics.StartCompletion(model.Name);
        var stream = model.Runner.Submit(request, cancellation);
        var detok = model.Tokenizer.CreateStreamingDetokenizer();
        var stops = new StopSequenceFilter(o.Stop ?? []);
        var output = new List<int>();
        var logprobs = input.TopLogprobs >= 0 ? new List<(int, float, (int, float)[]?)>() : null;
        try
        {
            await foreach (var t in stream.Tokens.ReadAllAsync(CancellationToken.None))
            {
                if (output.Count == 0) observation.FirstToken();
                output.Add(t.Id);
                logprobs?.Add((t.Id, t.Logprob, t.Top));
                var text = stops.Push(detok.Append(t.Id));
                if (stops.Stopped) stream.Stop();
                if (text.Length > 0 || logprobs is { Count: > 0 })
                {
                    await emit(new TextChunk(text, logprobs?.ToArray()));
                    logprobs?.Clear();
                }
                if (stops.Stopped) break;
            }
        }
        catch (OperationCanceledException)
        {
            stream.Stop();
        }
        var stats = await stream.Completion;
        observation.Finished(prompt.Length, stats.PromptEvaluated, stats.Generated);
        if (stats.Reason == FinishReason.Error) throw ApiException.Internal(stats.Error ?? "generation failed");
        if (!stops.Stopped)
        {
            var tail = stops.Push(detok.Flush()) + stops.Flush();
            if (tail.Length > 0) await emit(new TextChunk(tail, null));
        }
        string reason = stats.Reason switch
        {
            FinishReason.Length => "length",
            _ => "stop",
        };
        return new GenerationResult { PromptTokens = prompt, OutputTokens = output, Stats = stats, DoneReason = reason, Truncated = dropped };
    }
}
