using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Corral.Server.Observability;

/// <summary>
/// What one HTTP request used, filled in as it runs: the model its body names (read by the audit log), and the tokens
/// of the completions it ran (reported by the generation pipeline through <see cref="CorralMetrics"/>). The pipelines
/// know nothing of HTTP, so the current request's usage travels with the async flow; it is also kept in
/// <see cref="HttpContext.Items"/> for code that has the context.
/// </summary>
public sealed class RequestUsage
{
    private static readonly AsyncLocal<RequestUsage?> s_current = new();
    private static readonly object s_item = new();

    private int _promptTokens;
    private int _evalTokens;
    private int _completions;
    private string? _servedModel;

    private RequestUsage(long startTimestamp, DateTimeOffset startTime)
    {
        StartTimestamp = startTimestamp;
        StartTime = startTime;
    }

    /// <summary>The usage of the request this code runs for; null outside an observed request.</summary>
    public static RequestUsage? Current => s_current.Value;

    /// <summary>The usage attached to <paramref name="context"/>, if the request is observed.</summary>
    public static RequestUsage? Of(HttpContext context) => context.Items.TryGetValue(s_item, out var u) ? u as RequestUsage : null;

    /// <summary>Starts observing a request: later code in this async flow sees it as <see cref="Current"/>.</summary>
    public static RequestUsage Begin(HttpContext context)
    {
        var usage = new RequestUsage(Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);
        context.Items[s_item] = usage;
        s_current.Value = usage;
        return usage;
    }

    /// <summary><see cref="Stopwatch"/> timestamp of the request's arrival (time to first token counts from it).</summary>
    public long StartTimestamp { get; }

    public DateTimeOffset StartTime { get; }

    /// <summary>The <c>model</c> (or <c>name</c>) the request body names, when it was read.</summary>
    public string? RequestedModel { get; set; }

    /// <summary>The loaded model that served the request's last completion.</summary>
    public string? ServedModel => Volatile.Read(ref _servedModel);

    /// <summary>True once a completion finished (the token counts below are then meaningful).</summary>
    public bool HasCompletions => Volatile.Read(ref _completions) > 0;

    public int PromptTokens => Volatile.Read(ref _promptTokens);

    public int EvalTokens => Volatile.Read(ref _evalTokens);

    internal void AddCompletion(string model, int promptTokens, int evalTokens)
    {
        Volatile.Write(ref _servedModel, model);
        Interlocked.Add(ref _promptTokens, promptTokens);
        Interlocked.Add(ref _evalTokens, evalTokens);
        Interlocked.Increment(ref _completions);
    }
}
