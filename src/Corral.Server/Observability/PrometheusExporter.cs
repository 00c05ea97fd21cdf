using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Corral.Server.Observability;

/// <summary>
/// Aggregates the <see cref="CorralMetrics"/> instruments in memory (a <see cref="MeterListener"/> on the <c>Corral</c>
/// meter) and writes them in the Prometheus text exposition format 0.0.4: counters as <c>&lt;name&gt;_total</c>,
/// histograms as cumulative <c>_bucket{le=…}</c> lines with <c>_sum</c> and <c>_count</c>, using each instrument's
/// advised bucket boundaries. The meter is process-wide, so the figures cover every server in the process (one in
/// production). Measurements arrive per request or completion; a series costs one dictionary lookup and a lock-free
/// add (counters) or a short lock (histograms).
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);

    public PrometheusExporter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != CorralMetrics.MeterName) return;
            MetricFamily? family = instrument switch
            {
                Counter<long> => new CounterFamily(instrument.Name + "_total", instrument.Description ?? ""),
                Histogram<double> h => new HistogramFamily(instrument.Name, instrument.Description ?? "", h.Advice?.HistogramBucketBoundaries),
                _ => null,
            };
            if (family == null) return;
            family = _families.GetOrAdd(family.Name, family);
            listener.EnableMeasurementEvents(instrument, family);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _ = CorralMetrics.HttpRequests; // make sure the instruments exist, so the first scrape lists every family
        _listener.Start();
    }

    /// <summary>Every family recorded so far, sorted by name.</summary>
    public void WriteTo(StringBuilder output)
    {
        foreach (var family in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal)) family.WriteTo(output);
    }

    public void Dispose() => _listener.Dispose();

    // ---- the text format ----

    /// <summary><c># HELP</c> and <c># TYPE</c> lines of one family.</summary>
    public static void WriteHeader(StringBuilder output, string name, string type, string help)
    {
        output.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        output.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    /// <summary>One sample line; <paramref name="labels"/> is the already escaped <c>k="v",…</c> text (may be empty).</summary>
    public static void WriteSample(StringBuilder output, string name, string labels, double value)
    {
        output.Append(name);
        if (labels.Length > 0) output.Append('{').Append(labels).Append('}');
        output.Append(' ').Append(FormatValue(value)).Append('\n');
    }

    /// <summary>Labels from name/value pairs, sorted by name, values escaped.</summary>
    public static string Labels(params ReadOnlySpan<(string Name, string Value)> labels)
    {
        if (labels.IsEmpty) return "";
        var sorted = labels.ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Name, b.Name));
        var sb = new StringBuilder();
        foreach (var (name, value) in sorted)
        {
            if (sb.Length > 0) sb.Append(',');
            sb.Append(name).Append("=\"").Append(EscapeLabelValue(value)).Append('"');
        }
        return sb.ToString();
    }

    public static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static string EscapeLabelValue(string value) =>
        value.AsSpan().IndexOfAny('\\', '"', '\n') < 0 ? value : value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private static string EscapeHelp(string help) =>
        help.AsSpan().IndexOfAny('\\', '\n') < 0 ? help : help.Replace("\\", "\\\\").Replace("\n", "\\n");

    private static string LabelsOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty) return "";
        var pairs = new (string, string)[tags.Length];
        for (int i = 0; i < tags.Length; i++)
            pairs[i] = (tags[i].Key, Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? "");
        return Labels(pairs);
    }

    // ---- families ----

    private abstract class MetricFamily(string name, string help)
    {
        public string Name { get; } = name;
        public string Help { get; } = help;

        public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

        public abstract void WriteTo(StringBuilder output);
    }

    private sealed class CounterFamily(string name, string help) : MetricFamily(name, help)
    {
        private readonly ConcurrentDictionary<string, StrongBox> _series = new(StringComparer.Ordinal);

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var box = _series.GetOrAdd(LabelsOf(tags), _ => new StrongBox());
            Interlocked.Add(ref box.Value, (long)value);
        }

        public override void WriteTo(StringBuilder output)
        {
            WriteHeader(output, Name, "counter", Help);
            foreach (var (labels, box) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
                WriteSample(output, Name, labels, Interlocked.Read(ref box.Value));
        }

        private sealed class StrongBox
        {
            public long Value;
        }
    }

    private sealed class HistogramFamily : MetricFamily
    {
        private static readonly double[] s_defaultBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
        private readonly double[] _bounds;
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

        public HistogramFamily(string name, string help, IReadOnlyList<double>? bounds) : base(name, help)
        {
            _bounds = bounds is { Count: > 0 } ? bounds.Order().ToArray() : s_defaultBounds;
        }

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = _series.GetOrAdd(LabelsOf(tags), _ => new Series(_bounds.Length + 1));
            // The first bucket whose upper bound holds the value ("le" = less or equal); the last one is +Inf.
            int index = Array.BinarySearch(_bounds, value);
            if (index < 0) index = ~index;
            lock (series)
            {
                series.Buckets[index]++;
                series.Count++;
                series.Sum += value;
            }
        }

        public override void WriteTo(StringBuilder output)
        {
            WriteHeader(output, Name, "histogram", Help);
            foreach (var (labels, series) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                long[] buckets;
                long count;
                double sum;
                lock (series)
                {
                    buckets = (long[])series.Buckets.Clone();
                    count = series.Count;
                    sum = series.Sum;
                }
                string prefix = labels.Length > 0 ? labels + "," : "";
                long cumulative = 0;
                for (int i = 0; i < _bounds.Length; i++)
                {
                    cumulative += buckets[i];
                    WriteSample(output, Name + "_bucket", prefix + "le=\"" + FormatValue(_bounds[i]) + "\"", cumulative);
                }
                WriteSample(output, Name + "_bucket", prefix + "le=\"+Inf\"", count);
                WriteSample(output, Name + "_sum", labels, sum);
                WriteSample(output, Name + "_count", labels, count);
            }
        }

        private sealed class Series(int buckets)
        {
            public readonly long[] Buckets = new long[buckets];
            public long Count;
            public double Sum;
        }
    }
}
