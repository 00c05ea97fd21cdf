using System.Diagnostics;
using Corral.Server.Api;
using Corral.Server.Http;
using Corral.Server.Scheduling;

namespace Corral.Server.Generation;

/// <summary>
/// The /api/generate flow (api.md §4.3, runtime.md §10.4) independent of the wire format: validation,
/// model resolution, load/unload-only requests, prompt rendering, completion, metrics. The native route
/// and the OpenAI <c>/v1/completions</c> translator both run it with their own sink.
/// </summary>
public static class GeneratePipeline
{
    public static async Task RunAsync(CorralServer server, GenerateRequest req, IResponseSink sink, CancellationToken cancellation)
    {
        var started = Stopwatch.StartNew();
        var stored = RequestResolution.ResolveModel(server, req.Model, ModelRoute.Generate);
        bool raw = req.Raw == true;
        if (raw && (!string.IsNullOrEmpty(req.Template) || !string.IsNullOrEmpty(req.System) || req.Context is { Length: > 0 }))
            throw ApiException.BadRequest("raw mode does not support template, system, or context");
        if (req.TopLogprobs is < 0 or > 20) throw ApiException.BadRequest("top_logprobs must be between 0 and 20");
        var keepAlive = RequestResolution.KeepAlive(req.KeepAlive);
        var grammar = StructuredOutput.For(req.Format, req.Options);
        var options = RequestResolution.Options(server, stored, req.Options);
        ModelCapabilities.RequireVisionForImages(server.Store, stored, req.Images is { Length: > 0 });

        var spec = ModelLoading.Spec(server, stored, options.NumCtx, options.IsExplicit("num_batch") ? options.NumBatch : null, options.NumThread);
        if (string.IsNullOrEmpty(req.Prompt) && string.IsNullOrEmpty(req.Suffix))
        {
            await LoadOnly(server, spec, keepAlive, sink, cancellation);
            return;
        }

        var think = PromptRendering.ParseThink(req.Think);
        using var lease = await server.Scheduler.AcquireAsync(spec, keepAlive, cancellation);
        var prompting = ModelPrompting.For(stored, lease.Model.Model.File, server.Config.GoTemplate);
        if (!string.IsNullOrEmpty(req.Suffix) && !prompting.SupportsInsert)
            throw ApiException.BadRequest($"{stored.Name.DisplayFull} does not support insert");
        think = raw ? think : PromptRendering.ResolveThink(think, prompting, req.Model!);
        string prompt = raw ? req.Prompt ?? "" : PromptRendering.RenderGenerate(prompting, stored, req, think, lease.Model);
        if (req.DebugRenderOnly == true)
        {
            await sink.DebugAsync(prompt, req.Images?.Length ?? 0, cancellation);
            return;
        }
        var input = new GenerationInput
        {
            Prompt = prompt,
            ContextTokens = raw ? null : req.Context,
            Options = options,
            Truncate = req.Truncate != false,
            Shift = req.Shift != false,
            TopLogprobs = req.Logprobs == true ? req.TopLogprobs ?? 0 : -1,
            Constraint = grammar == null ? null
                : StructuredOutput.Constraint(grammar, lease.Model, !raw && think.Enabled && prompting.SupportsThinking ? prompting.ThinkingTags.Close : null),
        };
        var parsing = raw ? OutputParsing.None : OutputParsing.For(prompting, prompt, think, null);
        var result = await TextGeneration.RunAsync(lease.Model, input,
            chunk => sink.ChunkAsync(parsing.Add(chunk.Text, LogprobMapping.Map(lease.Model, chunk)), cancellation),
            cancellation);
        await sink.ChunkAsync(parsing.Finish(), cancellation);
        var final = Final(result, started, lease) with { Context = [.. result.PromptTokens, .. result.OutputTokens] };
        lease.Dispose(); // before the final object: with keep_alive 0 the model is unloaded when the client reads it
        await sink.DoneAsync(final, cancellation);
    }

    /// <summary>Empty prompt/messages: unload with keep_alive 0, else just load (one object, done_reason load/unload).</summary>
    internal static async Task LoadOnly(CorralServer server, ModelLoadSpec spec, TimeSpan? keepAlive, IResponseSink sink, CancellationToken cancellation)
    {
        if (keepAlive == TimeSpan.Zero)
        {
            server.Scheduler.Unload(spec.Key);
            await sink.DoneAsync(new ResponseFinal { DoneReason = "unload" }, cancellation);
            return;
        }
        using var lease = await server.Scheduler.AcquireAsync(spec, keepAlive, cancellation);
        lease.Dispose();
        await sink.DoneAsync(new ResponseFinal { DoneReason = "load" }, cancellation);
    }

    internal static ResponseFinal Final(GenerationResult result, Stopwatch started, RunnerLease lease) => new()
    {
        DoneReason = result.DoneReason,
        TotalDuration = started.Elapsed,
        LoadDuration = lease.LoadDuration,
        // Ollama documents this as "number of tokens in the prompt"; a prefix served from the cache still counts
        // (clients use it for usage and context accounting), only prompt_eval_duration shrinks.
        PromptEvalCount = result.PromptTokens.Length,
        PromptEvalDuration = result.Stats.PromptDuration,
        EvalCount = result.Stats.Generated,
        EvalDuration = result.Stats.GenerationDuration,
        Truncated = result.Truncated,
    };
}
