using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Corral.Server.Observability;
using Corral.Server.Security;
using Corral.Server.Tests.Infrastructure;
using Corral.Testing;
using static Corral.Server.Tests.Ops.OpsHttp;

namespace Corral.Server.Tests.Ops;

/// <summary>
/// A scrape in the Prometheus text format 0.0.4, checked line by line as it is parsed: every sample belongs to a family
/// declared by a <c># TYPE</c> line before it, names and labels are well formed, values are numbers.
/// </summary>
internal sealed partial class Scrape
{
    public readonly Dictionary<string, string> Types = new(StringComparer.Ordinal);
    public readonly List<(string Name, Dictionary<string, string> Labels, double Value)> Samples = [];

    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""\G([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)""")]
    private static partial Regex LabelPair();

    public static Scrape Parse(string text)
    {
        Assert.EndsWith("\n", text);
        var scrape = new Scrape();
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal)) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Equal(4, parts.Length);
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram" });
                Assert.True(scrape.Types.TryAdd(parts[2], parts[3]), $"family {parts[2]} declared twice");
                continue;
            }
            var m = SampleLine().Match(line);
            Assert.True(m.Success, $"not a sample line: {line}");
            string name = m.Groups[1].Value;
            string family = scrape.Types.ContainsKey(name) ? name : Regex.Replace(name, "_(bucket|sum|count)$", "");
            Assert.True(scrape.Types.ContainsKey(family), $"sample {name} has no # TYPE before it");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            string labelText = m.Groups[2].Value;
            int at = 0;
            while (at < labelText.Length)
            {
                var pair = LabelPair().Match(labelText, at);
                Assert.True(pair.Success, $"bad labels in: {line}");
                labels.Add(pair.Groups[1].Value, Regex.Unescape(pair.Groups[2].Value));
                at += pair.Length;
            }
            string value = m.Groups[3].Value;
            double v = value == "+Inf" ? double.PositiveInfinity : double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
            scrape.Samples.Add((name, labels, v));
        }
        return scrape;
    }

    /// <summary>The value of the sample whose labels include all of <paramref name="labels"/> (0 when there is none).</summary>
    public double Value(string name, params (string Key, string Value)[] labels) =>
        Matching(name, labels).Select(s => s.Value).DefaultIfEmpty(0).Sum();

    public IEnumerable<(string Name, Dictionary<string, string> Labels, double Value)> Matching(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value));
}

/// <summary>CORRAL_METRICS: GET /metrics in the Prometheus text format; counters move with a generate request.</summary>
public class MetricsTests
{
    private static Dictionary<string, string> On => new() { [MetricsEndpoint.Variable] = "1" };

    private static async Task<Scrape> ScrapeAsync(HttpClient http, params (string, string)[] headers)
    {
        var reply = await SendAsync(http, "GET", "/metrics", null, headers);
        Assert.Equal(200, reply.Status);
        Assert.Equal(PrometheusExporter.ContentType, reply.ContentType);
        return Scrape.Parse(reply.Text);
    }

    [Fact]
    public async Task Counters_histograms_and_gauges_move_with_a_generate_request()
    {
        await using var server = await TestServer.StartAsync(On);
        await server.CreateModelAsync("metered", RepoPaths.SharedFile("models", "stories260K.gguf"));
        var before = await ScrapeAsync(server.Http);
        foreach (var family in new[] { "corral_http_requests_total", "corral_prompt_tokens_total", "corral_generated_tokens_total" })
            Assert.Equal("counter", before.Types[family]);
        foreach (var family in new[] { "corral_http_request_duration_seconds", "corral_time_to_first_token_seconds" })
            Assert.Equal("histogram", before.Types[family]);
        foreach (var family in new[] { "corral_loaded_models", "corral_model_memory_bytes", "corral_queue_depth", "corral_active_sequences" })
            Assert.Equal("gauge", before.Types[family]);

        var (status, reply, text) = await server.PostAsync("/api/generate", new JsonObject
        {
            ["model"] = "metered", ["prompt"] = "Once upon a time", ["stream"] = false,
            ["options"] = new JsonObject { ["num_predict"] = 7, ["temperature"] = 0 },
        });
        Assert.True(status == 200, text);
        var after = await ScrapeAsync(server.Http);

        // Token counters are labelled by the loaded model's name; nothing else in the process runs this model.
        var generated = Assert.Single(after.Matching("corral_generated_tokens_total"), s => s.Labels["model"].StartsWith("metered", StringComparison.Ordinal));
        var model = ("model", generated.Labels["model"]);
        Assert.Equal((int)reply!["eval_count"]!, after.Value("corral_generated_tokens_total", model) - before.Value("corral_generated_tokens_total", model));
        Assert.Equal((int)reply["prompt_eval_count"]!, after.Value("corral_prompt_tokens_total", model) - before.Value("corral_prompt_tokens_total", model));
        Assert.InRange(after.Value("corral_prompt_tokens_evaluated_total", model) - before.Value("corral_prompt_tokens_evaluated_total", model), 1, (int)reply["prompt_eval_count"]!);
        Assert.Equal(1, after.Value("corral_completions_total", model) - before.Value("corral_completions_total", model));
        Assert.Equal(1, after.Value("corral_time_to_first_token_seconds_count", model) - before.Value("corral_time_to_first_token_seconds_count", model));
        double ttft = after.Value("corral_time_to_first_token_seconds_sum", model) - before.Value("corral_time_to_first_token_seconds_sum", model);
        Assert.InRange(ttft, 0, (long)reply["total_duration"]! / 1e9 + 1);

        // Request counters (process-wide: other tests may add to them, never take away).
        (string, string)[] generate = [("route", "/api/generate"), ("method", "POST"), ("status", "200")];
        Assert.True(after.Value("corral_http_requests_total", generate) >= before.Value("corral_http_requests_total", generate) + 1);
        Assert.True(after.Value("corral_http_request_duration_seconds_count", generate) >= 1);
        Assert.True(after.Value("corral_http_requests_total", ("route", "/metrics"), ("method", "GET"), ("status", "200")) >= 1);
        AssertHistogramsAreCumulative(after);

        // This server's own gauges.
        Assert.True(after.Value("corral_loaded_models") >= 1);
        Assert.True(after.Value("corral_model_memory_bytes", model) > new FileInfo(RepoPaths.SharedFile("models", "stories260K.gguf")).Length);
        Assert.Equal(0, after.Value("corral_active_sequences", model));
        Assert.Equal(0, after.Value("corral_queue_depth"));
        Assert.Equal(1, after.Value("corral_build_info", ("version", CorralVersion.Corral), ("ollama_version", CorralVersion.Ollama)));
        Assert.True(after.Value("process_resident_memory_bytes") > 0);
    }

    private static void AssertHistogramsAreCumulative(Scrape scrape)
    {
        foreach (var (family, _) in scrape.Types.Where(t => t.Value == "histogram"))
        {
            var bySeries = scrape.Matching(family + "_bucket")
                .GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key).Select(l => l.Key + "=" + l.Value)));
            foreach (var series in bySeries)
            {
                var buckets = series.ToList();
                Assert.Equal("+Inf", buckets[^1].Labels["le"]);
                for (int i = 1; i < buckets.Count; i++)
                {
                    Assert.True(buckets[i].Value >= buckets[i - 1].Value, $"{family} {series.Key}: buckets decrease");
                    Assert.True(double.Parse(buckets[i - 1].Labels["le"], CultureInfo.InvariantCulture) < (buckets[i].Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(buckets[i].Labels["le"], CultureInfo.InvariantCulture)));
                }
                var labels = buckets[0].Labels.Where(l => l.Key != "le").Select(l => (l.Key, l.Value)).ToArray();
                Assert.Equal(buckets[^1].Value, scrape.Matching(family + "_count", labels).Single(s => s.Labels.Count == labels.Length).Value);
            }
        }
    }

    [Fact]
    public async Task With_keys_the_route_needs_one_and_requests_carry_the_key_name()
    {
        var env = On;
        env[ApiKeySet.Variable] = "ops:ops-secret,ro:prometheus:scrape-secret";
        await using var server = await TestServer.StartAsync(env);
        var refused = await SendAsync(server.Http, "GET", "/metrics");
        Assert.Equal(401, refused.Status);
        Assert.Equal(200, (await SendAsync(server.Http, "GET", "/api/tags", null, Bearer("ops-secret"))).Status);
        var scrape = await ScrapeAsync(server.Http, Bearer("scrape-secret"));
        Assert.True(scrape.Value("corral_http_requests_total", ("route", "/api/tags"), ("key", "ops"), ("status", "200")) >= 1);
        Assert.True(scrape.Value("corral_http_requests_total", ("route", "/metrics"), ("status", "401")) >= 1);
        // Requests without a route share one label value, so scanners cannot grow the label set.
        Assert.Equal(404, (await SendAsync(server.Http, "GET", "/no/such/thing", null, Bearer("ops-secret"))).Status);
        var again = await ScrapeAsync(server.Http, Bearer("scrape-secret"));
        Assert.True(again.Value("corral_http_requests_total", ("route", RequestObservationMiddleware.UnmatchedRoute), ("status", "404")) >= 1);
        Assert.DoesNotContain(again.Samples, s => s.Labels.Values.Any(v => v.Contains("no/such", StringComparison.Ordinal)));
    }

    [Fact]
    public void Label_values_and_help_are_escaped()
    {
        Assert.Equal("""a="x\\y\"z\nw",b="plain" """.TrimEnd(), PrometheusExporter.Labels(("b", "plain"), ("a", "x\\y\"z\nw")));
        var sb = new StringBuilder();
        PrometheusExporter.WriteHeader(sb, "m", "gauge", "line\nbreak");
        PrometheusExporter.WriteSample(sb, "m", "", 1.5);
        PrometheusExporter.WriteSample(sb, "m", "", double.PositiveInfinity);
        Assert.Equal("# HELP m line\\nbreak\n# TYPE m gauge\nm 1.5\nm +Inf\n", sb.ToString());
    }
}
