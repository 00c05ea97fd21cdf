using System.Text;
using Corral.Config;
using Corral.Store;

namespace Corral.Cli.Terminal;

/// <summary>
/// A transfer bar as Ollama draws it: <c>label  42% ▕████      ▏ 1.2 MB/2.9 MB  310 KB/s   5s</c>. The rate is measured
/// over the last ten one-second samples; when done the bar shows only the total.
/// </summary>
public sealed class ProgressBar : IProgressLine
{
    private const int MaxBuckets = 10;
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly string _message;
    private readonly long _max;
    private readonly long _initial;
    private readonly DateTimeOffset _started;
    private readonly List<(DateTimeOffset Updated, long Value)> _buckets = [];
    private long _current;
    private DateTimeOffset? _stopped;

    public ProgressBar(string message, long max, long initial, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _message = message;
        _max = max;
        _initial = initial;
        _current = initial;
        _started = _time.GetUtcNow();
        if (initial >= max) _stopped = _started;
    }

    public void Set(long value)
    {
        lock (_lock)
        {
            if (value >= _max) value = _max;
            _current = value;
            var now = _time.GetUtcNow();
            if (_current >= _max) _stopped = now;
            if (_buckets.Count == 0 || now - _buckets[^1].Updated > TimeSpan.FromSeconds(1))
            {
                _buckets.Add((now, value));
                if (_buckets.Count > MaxBuckets) _buckets.RemoveAt(0);
            }
        }
    }

    public string Render(int terminalWidth)
    {
        lock (_lock)
        {
            var pre = new StringBuilder();
            string message = _message.Trim();
            if (message.Length > 0) pre.Append(message).Append(' ');
            double percent = Percent();
            pre.Append(Math.Round(percent, MidpointRounding.ToEven).ToString("0", System.Globalization.CultureInfo.InvariantCulture).PadLeft(3)).Append('%');

            var suf = new StringBuilder();
            bool running = _stopped is null;
            string max = HumanFormat.Bytes(_max);
            if (running)
            {
                string cur = HumanFormat.Bytes(_current);
                suf.Append(' ', Math.Max(6 - cur.Length, 0)).Append(cur).Append('/');
                suf.Append(' ', Math.Max(6 - max.Length, 0)).Append(max);
            }
            else
            {
                suf.Append(' ', Math.Max(6 - max.Length, 0)).Append(max).Append(' ', 7);
            }

            double rate = Rate();
            if (running && rate > 0)
            {
                string r = HumanFormat.Bytes((long)rate);
                suf.Append("  ").Append(' ', Math.Max(6 - r.Length, 0)).Append(r).Append("/s");
                long remainingSeconds = (long)((_max - _current) / rate);
                string eta = FormatEta(TimeSpan.FromSeconds(remainingSeconds));
                suf.Append("  ").Append(' ', Math.Max(6 - eta.Length, 0)).Append(eta);
            }
            else
            {
                suf.Append(' ', 10).Append(' ', 8);
            }

            // two bar edges and a space each side
            int room = terminalWidth - pre.Length - suf.Length - 5;
            int filled = (int)(room * percent / 100);
            var mid = new StringBuilder(" ▕");
            if (filled > 0) mid.Append('█', filled);
            if (room - filled > 0) mid.Append(' ', room - filled);
            mid.Append("▏ ");
            return pre.ToString() + mid + suf;
        }
    }

    /// <summary>At most two units: <c>99h+</c>, <c>1h5m</c>, or Go's rounded duration text (<c>1m2s</c>, <c>45s</c>).</summary>
    public static string FormatEta(TimeSpan d)
    {
        if (d >= TimeSpan.FromHours(100)) return "99h+";
        if (d >= TimeSpan.FromHours(1)) return $"{(int)d.TotalHours}h{d.Minutes}m";
        long seconds = (long)Math.Round(d.TotalSeconds, MidpointRounding.AwayFromZero);
        return new GoDuration(seconds * GoDuration.Second).ToString();
    }

    private double Percent() => _max > 0 ? (double)_current / _max * 100 : 0;

    private double Rate()
    {
        double numerator = 0, denominator = 0;
        if (_stopped is { } stopped)
        {
            numerator = _current - _initial;
            denominator = RoundSeconds(stopped - _started);
        }
        else if (_buckets.Count == 1)
        {
            numerator = _buckets[0].Value - _initial;
            denominator = RoundSeconds(_buckets[0].Updated - _started);
        }
        else if (_buckets.Count > 1)
        {
            numerator = _buckets[^1].Value - _buckets[0].Value;
            denominator = RoundSeconds(_buckets[^1].Updated - _buckets[0].Updated);
        }
        return denominator != 0 ? numerator / denominator : 0;
    }

    private static double RoundSeconds(TimeSpan t) => Math.Round(t.TotalSeconds, MidpointRounding.AwayFromZero);
}
