using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Corral.Server.Observability;

/// <summary>
/// Corral's <see cref="System.Diagnostics.Metrics"/> instruments, on the process-wide <c>Corral</c> meter. Recording
/// costs almost nothing while nobody listens; <c>CORRAL_METRICS=1</c> attaches the Prometheus exporter, and any other
/// listener (dotnet-counters, OpenTelemetry) can subscribe to the meter by name. Instrument names are the Prometheus
/// names without the <c>_total</c> a counter gets on export. Measurements are per request or per completion, never per
/// token.
/// </summary>
public static class CorralMetrics
{
    public const string MeterName = "Corral";

    public static readonly Meter Meter = new(MeterName, CorralVersion.Corral);

    /// <summary>Seconds; from a fast local answer to a long generation.</summary>
    private static readonly double[] s_latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    public static readonly Counter<long> HttpRequests = Meter.CreateCounter<long>(
        "corral_http_requests", "{request}", "HTTP requests answered, by route pattern, method, status and (with API keys) key name.");

    public static readonly Histogram<double> HttpRequestDuration = Meter.CreateHistogram(
        "corral_http_request_duration_seconds", "s", "Time from a request's arrival to the end of its response, by route pattern, method and status.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_latencyBuckets });

    public static readonly Counter<long> PromptTokens = Meter.CreateCounter<long>(
        "corral_prompt_tokens", "{token}", "Prompt tokens of completions (what responses report as prompt_eval_count), by model.");

    public static readonly Counter<long> PromptTokensEvaluated = Meter.CreateCounter<long>(
        "corral_prompt_tokens_evaluated", "{token}", "Prompt tokens actually evaluated, not taken from the prefix cache, by model.");

    public static readonly Counter<long> GeneratedTokens = Meter.CreateCounter<long>(
        "corral_generated_tokens", "{token}", "Tokens generated (eval_count), by model.");

    public static readonly Counter<long> Completions = Meter.CreateCounter<long>(
        "corral_completions", "{completion}", "Completions run, by model.");

    public static readonly Histogram<double> TimeToFirstToken = Meter.CreateHistogram(
        "corral_time_to_first_token_seconds", "s", "From a request's arrival (queueing, model load and prompt evaluation included) to its first generated token, by model.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_latencyBuckets });

    /// <summary>One answered request (called by the observation middleware).</summary>
    public static void RecordRequest(string route, string method, int status, string? keyName, TimeSpan elapsed)
    {
        var statusText = StatusText(status);
        if (keyName is null) HttpRequests.Add(1, new("route", route), new("method", method), new("status", statusText));
        else HttpRequests.Add(1, new("route", route), new("method", method), new("status", statusText), new("key", keyName));
        HttpRequestDuration.Record(elapsed.TotalSeconds, new("route", route), new("method", method), new("status", statusText));
    }

    /// <summary>
    /// The generation pipeline's hook: call when a completion starts on <paramref name="model"/>, then
    /// <see cref="CompletionObservation.FirstToken"/> and <see cref="CompletionObservation.Finished"/>.
    /// </summary>
    public static CompletionObservation StartCompletion(string model) => new(model, RequestUsage.Current);

    private static readonly string[] s_statusTexts = Enumerable.Range(0, 600).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static string StatusText(int status) => (uint)status < (uint)s_statusTexts.Length ? s_statusTexts[status] : status.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One completion's measurements; feeds the metrics and the current request's <see cref="RequestUsage"/>.</summary>
public sealed class CompletionObservation
{
    private readonly string _model;
    private readonly RequestUsage? _usage;
    private readonly long _start;
    private bool _firstTokenSeen;

    internal CompletionObservation(string model, RequestUsage? usage)
    {
        _model = model;
        _usage = usage;
        _start = usage?.StartTimestamp ?? Stopwatch.GetTimestamp();
    }

    /// <summary>The first token arrived (later calls do nothing).</summary>
    public void FirstToken()
    {
        if (_firstTokenSeen) return;
        _firstTokenSeen = true;
        CorralMetrics.TimeToFirstToken.Record(Stopwatch.GetElapsedTime(_start).TotalSeconds, new KeyValuePair<string, object?>("model", _model));
    }

    /// <summary>The completion ended with these counts (<paramref name="promptTokens"/> as the response reports them).</summary>
    public void Finished(int promptTokens, int promptEvaluated, int generated)
    {
        var model = new KeyValuePair<string, object?>("model", _model);
        CorralMetrics.Completions.Add(1, model);
        CorralMetrics.PromptTokens.Add(promptTokens, model);
        CorralMetrics.PromptTokensEvaluated.Add(promptEvaluated, model);
        CorralMetrics.GeneratedTokens.Add(generated, model);
        _usage?.AddCompletion(_model, promptTokens, generated);
    }
}
