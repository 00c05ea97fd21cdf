using System.Diagnostics;
using System.Text.Json;
using Corral.Engine.Inference;
using Corral.Server.Generation;
using Corral.Server.Http;
using Corral.Server.Scheduling;
using Corral.Store;

namespace Corral.Server.Embeddings;

/// <summary>Pooled vectors for a batch of inputs, with the counters of the final object.</summary>
public sealed record EmbedResult(float[][] Vectors, int PromptTokens, TimeSpan TotalDuration, TimeSpan LoadDuration);

/// <summary>What one embedding request asks for, whichever route it came from.</summary>
public sealed record EmbedInput
{
    public required IReadOnlyList<string> Texts { get; init; }
    /// <summary>Cut inputs longer than the context (token level) instead of refusing them.</summary>
    public bool Truncate { get; init; } = true;
    public TimeSpan? KeepAlive { get; init; }
    public JsonElement? Options { get; init; }
    /// <summary>Runner failures answer this status: 400 on /api/embed, 500 on the legacy /api/embeddings (api.md §7).</summary>
    public int FailureStatus { get; init; } = 400;
}

/// <summary>
/// Embeddings over the shared scheduler and runner (api.md §4.5–4.6, engine.md §9): each text is tokenized
/// (BOS/EOS as the vocabulary says, special tokens parsed, as llama-server does), fitted to the context,
/// evaluated in the model's runner beside any generation, and pooled as the GGUF's <c>pooling_type</c> says.
/// Generative models have no pooling type; Corral mean-pools their final-norm hidden states (upstream's
/// runner refuses them) so every completion model also gives usable sentence vectors.
/// </summary>
public static class EmbedPipeline
{
    public const string InputTooLongMessage = "the input length exceeds the context length";

    public static async Task<EmbedResult> RunAsync(CorralServer server, StoredModel stored, EmbedInput input, CancellationToken cancellation)
    {
        var started = Stopwatch.StartNew();
        var options = RequestResolution.Options(server, stored, input.Options);
        var spec = ModelLoading.Spec(server, stored, options.NumCtx, options.IsExplicit("num_batch") ? options.NumBatch : null, options.NumThread);
        using var lease = await server.Scheduler.AcquireAsync(spec, input.KeepAlive, cancellation);
        if (input.Texts.Count == 0) return new EmbedResult([], 0, started.Elapsed, lease.LoadDuration);

        var model = lease.Model;
        var pooling = PoolingOf(model);
        int ctx = model.Options.ContextLength;
        var prompts = new int[input.Texts.Count][];
        for (int i = 0; i < prompts.Length; i++)
        {
            var tokens = model.Tokenizer.Encode(input.Texts[i], addSpecial: true, parseSpecial: true);
            if (tokens.Length > ctx)
            {
                if (!input.Truncate) throw ApiException.BadRequest(InputTooLongMessage);
                tokens = tokens[..ctx];
            }
            if (tokens.Length == 0) throw new ApiException(input.FailureStatus, "the input produced no tokens");
            prompts[i] = tokens;
        }

        var observation = Observability.CorralMetrics.StartCompletion(model.Name);
        var streams = prompts.Select(p => model.Runner.Submit(new GenerationRequest { PromptTokens = p, Pooling = pooling }, cancellation)).ToArray();
        var vectors = new float[streams.Length][];
        for (int i = 0; i < streams.Length; i++)
        {
            var stats = await streams[i].Completion;
            switch (stats.Reason)
            {
                case FinishReason.Cancelled:
                    throw new OperationCanceledException(cancellation);
                case FinishReason.Error or FinishReason.Length:
                    throw new ApiException(input.FailureStatus, stats.Error ?? "embedding failed");
            }
            vectors[i] = stats.Embedding ?? throw new ApiException(input.FailureStatus, "the runner returned no embedding");
        }
        lease.Dispose(); // before the reply, so keep_alive 0 has unloaded by the time the client reads it
        int promptTokens = prompts.Sum(p => p.Length);
        observation.Finished(promptTokens, promptTokens, generated: 0);
        return new EmbedResult(vectors, promptTokens, started.Elapsed, lease.LoadDuration);
    }

    /// <summary>The GGUF's pooling type; none (generative models) pools by mean.</summary>
    public static PoolingType PoolingOf(LoadedModel model) => model.Model.Hyperparameters.PoolingType switch
    {
        2 => PoolingType.Cls,
        3 => PoolingType.Last,
        4 => throw ApiException.BadRequest("rank pooling (reranker models) does not produce embeddings"),
        _ => PoolingType.Mean,
    };

    /// <summary>
    /// Upstream's normalisation: f32 sum of squares, each value multiplied by <c>(float)(1 / max(√sum, 1e-12))</c>
    /// computed in double. NaN or infinity anywhere is an error.
    /// </summary>
    public static float[] L2Normalize(ReadOnlySpan<float> v)
    {
        float sum = 0;
        foreach (var x in v)
        {
            if (!float.IsFinite(x)) throw ApiException.BadRequest("embedding contains NaN or Inf values");
            sum += x * x;
        }
        float scale = (float)(1.0 / Math.Max(Math.Sqrt(sum), 1e-12));
        var result = new float[v.Length];
        for (int i = 0; i < v.Length; i++) result[i] = v[i] * scale;
        return result;
    }

    /// <summary><c>dimensions</c>: a positive value below the native size keeps that many leading values, re-normalised.</summary>
    public static float[] Shorten(float[] normalized, int? dimensions) =>
        dimensions is > 0 and var d && d < normalized.Length ? L2Normalize(normalized.AsSpan(0, d)) : normalized;
}
