using System.Text.Json;
using Corral.Config;

namespace Corral.Store.Tests.Config;

public class GoDurationTests
{
    public static TheoryData<string, long> Valid() => new()
    {
        { "0", 0 },
        { "-0", 0 },
        { "+0", 0 },
        { "5s", 5 * GoDuration.Second },
        { "30s", 30 * GoDuration.Second },
        { "1478s", 1478 * GoDuration.Second },
        { "-5s", -5 * GoDuration.Second },
        { "+5s", 5 * GoDuration.Second },
        { "-0s", 0 },
        { "5.0s", 5 * GoDuration.Second },
        { "5.6s", 5 * GoDuration.Second + 600 * GoDuration.Millisecond },
        { "5.s", 5 * GoDuration.Second },
        { ".5s", GoDuration.Second / 2 },
        { "1.0s", GoDuration.Second },
        { "1.00s", GoDuration.Second },
        { "1.004s", GoDuration.Second + 4 * GoDuration.Millisecond },
        { "100.00100s", 100 * GoDuration.Second + GoDuration.Millisecond },
        { "10ns", 10 },
        { "11us", 11 * GoDuration.Microsecond },
        { "12\u00b5s", 12 * GoDuration.Microsecond },
        { "12\u03bcs", 12 * GoDuration.Microsecond },
        { "13ms", 13 * GoDuration.Millisecond },
        { "14s", 14 * GoDuration.Second },
        { "15m", 15 * GoDuration.Minute },
        { "16h", 16 * GoDuration.Hour },
        { "3h30m", 3 * GoDuration.Hour + 30 * GoDuration.Minute },
        { "10.5s4m", 4 * GoDuration.Minute + 10 * GoDuration.Second + 500 * GoDuration.Millisecond },
        { "-2m3.4s", -(2 * GoDuration.Minute + 3 * GoDuration.Second + 400 * GoDuration.Millisecond) },
        { "1h2m3s4ms5us6ns", GoDuration.Hour + 2 * GoDuration.Minute + 3 * GoDuration.Second + 4 * GoDuration.Millisecond + 5 * GoDuration.Microsecond + 6 },
        { "39h9m14.425s", 39 * GoDuration.Hour + 9 * GoDuration.Minute + 14 * GoDuration.Second + 425 * GoDuration.Millisecond },
        { "52763797000ns", 52763797000 },
        { "0.3333333333333333333h", 20 * GoDuration.Minute },
        { "9007199254740993ns", 9007199254740993 },
        { "9223372036854775807ns", long.MaxValue },
        { "9223372036854775.807us", long.MaxValue },
        { "9223372036s854ms775us807ns", long.MaxValue },
        { "-9223372036854775808ns", long.MinValue },
        { "-9223372036854775.808us", long.MinValue },
        { "0.100000000000000000000h", 6 * GoDuration.Minute },
        { "0.830103483285477580700h", 49 * GoDuration.Minute + 48 * GoDuration.Second + 372539827 },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parse_AcceptsGoSyntax(string s, long nanoseconds)
    {
        Assert.Equal(nanoseconds, GoDuration.Parse(s).Nanoseconds);
        Assert.True(GoDuration.TryParse(s, out var d));
        Assert.Equal(nanoseconds, d.Nanoseconds);
    }

    [Theory]
    [InlineData("", "time: invalid duration \"\"")]
    [InlineData("3", "time: missing unit in duration \"3\"")]
    [InlineData("300", "time: missing unit in duration \"300\"")]
    [InlineData("-1", "time: missing unit in duration \"-1\"")]
    [InlineData("-", "time: invalid duration \"-\"")]
    [InlineData("s", "time: invalid duration \"s\"")]
    [InlineData(".", "time: invalid duration \".\"")]
    [InlineData("-.", "time: invalid duration \"-.\"")]
    [InlineData(".s", "time: invalid duration \".s\"")]
    [InlineData("+.s", "time: invalid duration \"+.s\"")]
    [InlineData("1d", "time: unknown unit \"d\" in duration \"1d\"")]
    [InlineData("1w", "time: unknown unit \"w\" in duration \"1w\"")]
    [InlineData("1.5x", "time: unknown unit \"x\" in duration \"1.5x\"")]
    [InlineData("3000000h", "time: invalid duration \"3000000h\"")]
    [InlineData("9223372036854775808ns", "time: invalid duration \"9223372036854775808ns\"")]
    [InlineData("9223372036854775.808us", "time: invalid duration \"9223372036854775.808us\"")]
    [InlineData("9223372036854ms775us808ns", "time: invalid duration \"9223372036854ms775us808ns\"")]
    [InlineData("-9223372036854775809ns", "time: invalid duration \"-9223372036854775809ns\"")]
    [InlineData("1s ", "time: unknown unit \"s \" in duration \"1s \"")]
    [InlineData("\u00e9s", "time: invalid duration \"\\xc3\\xa9s\"")]
    public void Parse_RejectsWithGoMessages(string s, string message)
    {
        var e = Assert.Throws<GoDurationFormatException>(() => GoDuration.Parse(s));
        Assert.Equal(message, e.Message);
        Assert.False(GoDuration.TryParse(s, out _));
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(1L, "1ns")]
    [InlineData(1100L, "1.1\u00b5s")]
    [InlineData(2200L * 1000, "2.2ms")]
    [InlineData(312500L * 1000, "312.5ms")]
    [InlineData(1500L * 1000 * 1000, "1.5s")]
    [InlineData(5L * 60 * 1000 * 1000 * 1000, "5m0s")]
    [InlineData(3L * 60 * 1000 * 1000 * 1000 + 300 * 1000 * 1000, "3m0.3s")]
    [InlineData(2L * 3600 * 1000 * 1000 * 1000, "2h0m0s")]
    [InlineData(4L * 3600 * 1000 * 1000 * 1000 + 5 * 60 * 1000L * 1000 * 1000, "4h5m0s")]
    [InlineData(4L * 3600 * 1000 * 1000 * 1000 + 5 * 60 * 1000L * 1000 * 1000 + 6 * 1000L * 1000 * 1000 + 7, "4h5m6.000000007s")]
    [InlineData(-1000L * 1000 * 1000, "-1s")]
    [InlineData(-1L, "-1ns")]
    [InlineData(long.MaxValue, "2562047h47m16.854775807s")]
    [InlineData(long.MinValue, "-2562047h47m16.854775808s")]
    public void ToString_IsGoDurationString(long nanoseconds, string text)
    {
        Assert.Equal(text, new GoDuration(nanoseconds).ToString());
        Assert.Equal(nanoseconds, GoDuration.Parse(text).Nanoseconds);
    }

    [Fact]
    public void TimeSpanConversions()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), GoDuration.FromMinutes(5).ToTimeSpan());
        Assert.Equal(GoDuration.FromMinutes(5), GoDuration.FromTimeSpan(TimeSpan.FromMinutes(5)));
        Assert.Equal(GoDuration.Infinite, GoDuration.FromTimeSpan(TimeSpan.MaxValue));
        Assert.True(GoDuration.Infinite.ToTimeSpan() > TimeSpan.FromDays(365 * 292));
        Assert.Equal(42.5 * GoDuration.Second, GoDuration.FromSeconds(42.5).Nanoseconds);
    }

    private static GoDuration FromJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return KeepAlive.FromJson(doc.RootElement);
    }

    [Theory]
    [InlineData("300", 300 * GoDuration.Second)]
    [InlineData("42.5", 42500 * GoDuration.Millisecond)]
    [InlineData("0", 0)]
    [InlineData("-1", long.MaxValue)]
    [InlineData("-0.5", long.MaxValue)]
    [InlineData("\"5m\"", 5 * GoDuration.Minute)]
    [InlineData("\"1h30m\"", 90 * GoDuration.Minute)]
    [InlineData("\"300ms\"", 300 * GoDuration.Millisecond)]
    [InlineData("\"0\"", 0)]
    [InlineData("\"-1m\"", long.MaxValue)]
    [InlineData("\"5m0s\"", 5 * GoDuration.Minute)]
    public void KeepAlive_FromJson(string json, long nanoseconds)
    {
        Assert.Equal(nanoseconds, FromJson(json).Nanoseconds);
    }

    [Theory]
    [InlineData("\"300\"", "time: missing unit in duration \"300\"")]
    [InlineData("\"-1\"", "time: missing unit in duration \"-1\"")]
    [InlineData("\"forever\"", "time: invalid duration \"forever\"")]
    [InlineData("true", "Unsupported type: 'bool'")]
    [InlineData("[1]", "Unsupported type: '[]interface {}'")]
    [InlineData("{}", "Unsupported type: 'map[string]interface {}'")]
    public void KeepAlive_FromJsonErrors(string json, string message)
    {
        var e = Assert.Throws<KeepAliveFormatException>(() => FromJson(json));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void KeepAlive_ToJsonIsWhatTheGoClientSends()
    {
        Assert.Equal("-1", KeepAlive.ToJson(new GoDuration(-5)));
        Assert.Equal("\"5m0s\"", KeepAlive.ToJson(GoDuration.FromMinutes(5)));
        Assert.Equal("\"0s\"", KeepAlive.ToJson(GoDuration.Zero));
        Assert.Equal(GoDuration.FromMinutes(5), FromJson(KeepAlive.ToJson(GoDuration.FromMinutes(5))));
    }

    [Theory]
    [InlineData("42", true, 42L)]
    [InlineData("-42", true, -42L)]
    [InlineData("+42", true, 42L)]
    [InlineData("9223372036854775807", true, long.MaxValue)]
    [InlineData("-9223372036854775808", true, long.MinValue)]
    [InlineData("9223372036854775808", false, 0L)]
    [InlineData("0x10", false, 0L)]
    [InlineData("1_0", false, 0L)]
    [InlineData(" 1", false, 0L)]
    [InlineData("", false, 0L)]
    [InlineData("-", false, 0L)]
    public void GoInt_ParseInt64(string s, bool ok, long value)
    {
        Assert.Equal(ok, GoInt.TryParseInt64(s, out long v));
        Assert.Equal(value, v);
    }
}
