using System.Diagnostics;
using Corral.Server.Api;
using Corral.Server.Http;
using Corral.Server.Scheduling;

namespace Corral.Server.Generation;

/// <summary>
/// The /api/chat flow (api.md §4.4, runtime.md §10.3) independent of the wire format; the native route,
/// the OpenAI chat translator and the Anthropic messages translator run it with their own sinks.
/// </summary>
public static class ChatPipeline
{
    public static async Task RunAsync(CorralServer server, ChatRequest req, IResponseSink sink, CancellationToken cancellation)
    {
        var started = Stopwatch.StartNew();
        var stored = RequestResolution.ResolveModel(server, req.Model, ModelRoute.Chat);
        if (req.TopLogprobs is < 0 or > 20) throw ApiException.BadRequest("top_logprobs must be between 0 and 20");
        var keepAlive = RequestResolution.KeepAlive(req.KeepAlive);
        var grammar = StructuredOutput.For(req.Format, req.Options);
        var options = RequestResolution.Options(server, stored, req.Options);
        foreach (var m in req.Messages ?? []) m.Role = m.Role.ToLowerInvariant();
        ModelCapabilities.RequireVisionForImages(server.Store, stored, req.Messages?.Any(m => m.Images is { Count: > 0 }) == true);

        var spec = ModelLoading.Spec(server, stored, options.NumCtx, options.IsExplicit("num_batch") ? options.NumBatch : null, options.NumThread);
        if (req.Messages is not { Count: > 0 })
        {
            await GeneratePipeline.LoadOnly(server, spec, keepAlive, sink, cancellation);
            return;
        }

        var think = PromptRendering.ParseThink(req.Think);
        var tools = PromptRendering.ParseTools(req.Tools);
        using var lease = await server.Scheduler.AcquireAsync(spec, keepAlive, cancellation);
        var prompting = ModelPrompting.For(stored, lease.Model.Model.File, server.Config.GoTemplate);
        if (tools != null && !prompting.SupportsTools)
            throw ApiException.BadRequest($"{stored.Name.DisplayFull} does not support tools");
        think = PromptRendering.ResolveThink(think, prompting, req.Model!);
        var (prompt, dropped, promptTokens) = PromptRendering.RenderChat(prompting, stored, req.Messages, tools, think, lease.Model,
            lease.Model.Options.ContextLength, req.Truncate != false);
        if (req.DebugRenderOnly == true)
        {
            await sink.DebugAsync(prompt, req.Messages.Sum(m => m.Images?.Count ?? 0), cancellation);
            return;
        }
        var input = new GenerationInput
        {
            Prompt = prompt,
            PromptTokens = promptTokens,
            Options = options,
            Truncate = req.Truncate != false,
            Shift = req.Shift != false,
            TopLogprobs = req.Logprobs == true ? req.TopLogprobs ?? 0 : -1,
            Constraint = grammar == null ? null
                : StructuredOutput.Constraint(grammar, lease.Model, think.Enabled && prompting.SupportsThinking ? prompting.ThinkingTags.Close : null),
        };
        var parsing = OutputParsing.For(prompting, prompt, think, tools);
        var result = await TextGeneration.RunAsync(lease.Model, input,
            chunk => sink.ChunkAsync(parsing.Add(chunk.Text, LogprobMapping.Map(lease.Model, chunk)), cancellation),
            cancellation);
        await sink.ChunkAsync(parsing.Finish(), cancellation);
        var final = GeneratePipeline.Final(result, started, lease) with { TruncatedMessages = dropped };
        lease.Dispose(); // before the final object: with keep_alive 0 the model is unloaded when the client reads it
        await sink.DoneAsync(final, cancellation);
    }
}
