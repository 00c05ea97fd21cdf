using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corral.Server.Observability;

/// <summary>
/// <c>GET /metrics</c> (only with <c>CORRAL_METRICS=1</c>; Ollama has no such route): the exporter's counters and
/// histograms, then gauges read from this server's scheduler at scrape time (loaded models, their memory and active
/// sequences, requests queued for a load), build information and process figures.
/// </summary>
public static class MetricsEndpoint
{
    public const string Variable = "CORRAL_METRICS";
    public const string Path = "/metrics";

    public static void Map(IEndpointRouteBuilder app, CorralServer server, PrometheusExporter exporter)
    {
        app.MapGet(Path, async (HttpContext ctx) =>
        {
            var text = new StringBuilder(8 * 1024);
            exporter.WriteTo(text);
            WriteGauges(text, server);
            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            ctx.Response.ContentType = PrometheusExporter.ContentType;
            ctx.Response.ContentLength = bytes.Length;
            await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
        });
    }

    private static readonly double s_startTime = (Process.GetCurrentProcess().StartTime.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds;

    internal static void WriteGauges(StringBuilder o, CorralServer server)
    {
        var loaded = server.Scheduler.Snapshot();

        PrometheusExporter.WriteHeader(o, "corral_loaded_models", "gauge", "Models loaded in memory.");
        PrometheusExporter.WriteSample(o, "corral_loaded_models", "", loaded.Count);

        PrometheusExporter.WriteHeader(o, "corral_model_memory_bytes", "gauge", "Memory attributed to each loaded model: mapped weights plus KV cache.");
        foreach (var m in loaded) PrometheusExporter.WriteSample(o, "corral_model_memory_bytes", PrometheusExporter.Labels(("model", m.Name)), m.Size);

        PrometheusExporter.WriteHeader(o, "corral_active_sequences", "gauge", "Requests generating or waiting for a sequence slot in each loaded model.");
        foreach (var m in loaded) PrometheusExporter.WriteSample(o, "corral_active_sequences", PrometheusExporter.Labels(("model", m.Name)), m.Runner.ActiveCount);

        PrometheusExporter.WriteHeader(o, "corral_queue_depth", "gauge", "Requests waiting for a model to load (bounded by OLLAMA_MAX_QUEUE).");
        PrometheusExporter.WriteSample(o, "corral_queue_depth", "", server.Scheduler.PendingLoads);

        PrometheusExporter.WriteHeader(o, "corral_build_info", "gauge", "Corral's version and the Ollama API version it implements.");
        PrometheusExporter.WriteSample(o, "corral_build_info", PrometheusExporter.Labels(("version", CorralVersion.Corral), ("ollama_version", CorralVersion.Ollama)), 1);

        PrometheusExporter.WriteHeader(o, "process_resident_memory_bytes", "gauge", "Resident memory of the server process.");
        PrometheusExporter.WriteSample(o, "process_resident_memory_bytes", "", Environment.WorkingSet);
        PrometheusExporter.WriteHeader(o, "process_cpu_seconds_total", "counter", "CPU time the server process used, user and system.");
        PrometheusExporter.WriteSample(o, "process_cpu_seconds_total", "", Environment.CpuUsage.TotalTime.TotalSeconds);
        PrometheusExporter.WriteHeader(o, "process_start_time_seconds", "gauge", "Start time of the server process since the Unix epoch.");
        PrometheusExporter.WriteSample(o, "process_start_time_seconds", "", Math.Round(s_startTime, 3));
    }
}
