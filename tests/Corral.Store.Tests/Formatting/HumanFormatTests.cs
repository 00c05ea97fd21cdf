namespace Corral.Store.Tests.Formatting;

public class HumanFormatTests
{
    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(999L, "999 B")]
    [InlineData(1000L, "1 KB")]
    [InlineData(1500L, "1.5 KB")]
    [InlineData(9999L, "10.0 KB")]
    [InlineData(10_000L, "10 KB")]
    [InlineData(999_999L, "999 KB")]
    [InlineData(1_000_000L, "1 MB")]
    [InlineData(274_000_000L, "274 MB")]
    [InlineData(274_999_999L, "274 MB")]
    [InlineData(1_000_000_000L, "1 GB")]
    [InlineData(2_019_393_189L, "2.0 GB")]
    [InlineData(4_700_000_000L, "4.7 GB")]
    [InlineData(4_750_000_000L, "4.8 GB")]
    [InlineData(4_650_000_000L, "4.7 GB")]
    [InlineData(1_250_000_000_000L, "1.2 TB")]
    [InlineData(12_000_000_000_000L, "12 TB")]
    public void Bytes(long b, string expected) => Assert.Equal(expected, HumanFormat.Bytes(b));

    [Theory]
    [InlineData(512UL, "512 B")]
    [InlineData(1024UL, "1.0 KiB")]
    [InlineData(1536UL * 1024, "1.5 MiB")]
    [InlineData(3UL << 30, "3.0 GiB")]
    public void BytesBinary(ulong b, string expected) => Assert.Equal(expected, HumanFormat.BytesBinary(b));

    [Theory]
    [InlineData(0UL, "0")]
    [InlineData(999UL, "999")]
    [InlineData(1000UL, "1K")]
    [InlineData(1499UL, "1K")]
    [InlineData(1500UL, "2K")]
    [InlineData(2500UL, "2K")]
    [InlineData(260_000UL, "260K")]
    [InlineData(1_000_000UL, "1M")]
    [InlineData(137_000_000UL, "137M")]
    [InlineData(494_032_768UL, "494.03M")]
    [InlineData(1_230_000UL, "1.23M")]
    [InlineData(1_000_000_000UL, "1B")]
    [InlineData(8_000_000_000UL, "8B")]
    [InlineData(8_030_261_248UL, "8.0B")]
    [InlineData(3_212_749_888UL, "3.2B")]
    [InlineData(7_241_732_096UL, "7.2B")]
    [InlineData(70_553_706_496UL, "70.6B")]
    [InlineData(2_250_000_000UL, "2.2B")]
    public void Number(ulong n, string expected) => Assert.Equal(expected, HumanFormat.Number(n));

    private static readonly DateTimeOffset Now = new(2026, 8, 21, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0.5, "Less than a second ago")]
    [InlineData(1, "1 second ago")]
    [InlineData(59, "59 seconds ago")]
    [InlineData(60, "About a minute ago")]
    [InlineData(119, "About a minute ago")]
    [InlineData(120, "2 minutes ago")]
    [InlineData(59 * 60, "59 minutes ago")]
    [InlineData(60 * 60, "About an hour ago")]
    [InlineData(89 * 60, "About an hour ago")]
    [InlineData(90 * 60, "2 hours ago")]
    [InlineData(47 * 3600, "47 hours ago")]
    [InlineData(48 * 3600, "2 days ago")]
    [InlineData(13 * 86400, "13 days ago")]
    [InlineData(14 * 86400, "2 weeks ago")]
    [InlineData(59 * 86400, "8 weeks ago")]
    [InlineData(60 * 86400, "2 months ago")]
    [InlineData(729 * 86400, "24 months ago")]
    [InlineData(730 * 86400, "2 years ago")]
    [InlineData(-4 * 60 - 30, "4 minutes from now")]
    [InlineData(-3 * 86400, "3 days from now")]
    public void Time(double secondsAgo, string expected)
    {
        Assert.Equal(expected, HumanFormat.Time(Now - TimeSpan.FromSeconds(secondsAgo), "Never", Now));
    }

    [Fact]
    public void Time_ZeroAndForever()
    {
        Assert.Equal("Never", HumanFormat.Time(default, "Never", Now));
        Assert.Equal("Never", HumanFormat.Time(DateTimeOffset.MinValue, "Never", Now));
        Assert.Equal("Forever", HumanFormat.Time(Now.AddYears(292), "Never", Now));
        Assert.Equal("Forever", HumanFormat.Time(Now.AddYears(22), "Never", Now));
        Assert.Equal("19 years from now", HumanFormat.Time(Now.AddDays(365 * 19 + 10), "Never", Now));
        Assert.Equal("about a minute ago", HumanFormat.TimeLower(Now.AddSeconds(-70), "never", Now));
    }
}

public class GoFormatTests
{
    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(4096.0, "4096")]
    [InlineData(0.7, "0.7")]
    [InlineData(1e6, "1e+06")]
    [InlineData(123456.0, "123456")]
    [InlineData(1234567.0, "1.234567e+06")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1.5e300, "1.5e+300")]
    [InlineData(5e-324, "5e-324")]
    public void FormatFloatV(double v, string expected) => Assert.Equal(expected, GoFormat.FormatFloatV(v));

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(0.7, "0.7")]
    [InlineData(1e6, "1000000")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e-6, "0.000001")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(1.5e-10, "1.5e-10")]
    [InlineData(0.30000000000000004, "0.30000000000000004")]
    [InlineData(-3.0, "-3")]
    public void FormatJsonFloat(double v, string expected) => Assert.Equal(expected, GoFormat.FormatJsonFloat(v));

    [Fact]
    public void FormatJsonFloat32_UsesFloat32ShortestDigits()
    {
        Assert.Equal("0.7", GoFormat.FormatJsonFloat(0.7f, float32: true));
        Assert.Equal("0.699999988079071", GoFormat.FormatJsonFloat(0.7f));
    }

    [Theory]
    [InlineData(0.25, 1, "0.2")]
    [InlineData(0.35, 1, "0.3")]
    [InlineData(0.75, 1, "0.8")]
    [InlineData(2.5, 0, "2")]
    [InlineData(3.5, 0, "4")]
    [InlineData(494.032768, 2, "494.03")]
    [InlineData(8.030261248, 1, "8.0")]
    [InlineData(-1.25, 1, "-1.2")]
    [InlineData(1e22, 0, "10000000000000000000000")]
    [InlineData(0.0, 2, "0.00")]
    public void FormatFixed_RoundsTheExactValueHalfToEven(double v, int decimals, string expected) =>
        Assert.Equal(expected, GoFormat.FormatFixed(v, decimals));

    [Theory]
    [InlineData("abc", "\"abc\"")]
    [InlineData("a\"b\\c", "\"a\\\"b\\\\c\"")]
    [InlineData("line\nnext\ttab", "\"line\\nnext\\ttab\"")]
    [InlineData("\u0001\u007f", "\"\\x01\\x7f\"")]
    [InlineData("<|eot_id|>", "\"<|eot_id|>\"")]
    [InlineData("héllo 👋", "\"héllo 👋\"")]
    [InlineData("\u00a0\u200b", "\"\\u00a0\\u200b\"")]
    [InlineData("\a\b\f\r\v", "\"\\a\\b\\f\\r\\v\"")]
    public void Quote(string s, string expected) => Assert.Equal(expected, GoFormat.Quote(s));

    [Theory]
    [InlineData("a<b>&c", "\"a\\u003cb\\u003e\\u0026c\"")]
    [InlineData("q\"\\", "\"q\\\"\\\\\"")]
    [InlineData("\n\r\t\b\f\u0001", "\"\\n\\r\\t\\b\\f\\u0001\"")]
    [InlineData("\u2028\u2029é", "\"\\u2028\\u2029é\"")]
    public void JsonString_EscapesLikeGo(string s, string expected) => Assert.Equal(expected, GoJsonWriter.EncodeString(s));

    [Fact]
    public void JsonAnyValue_SortsMapKeysAndReencodesNumbersAsFloat64()
    {
        using var doc = System.Text.Json.JsonDocument.Parse("{\"temperature\":0.7,\"stop\":[\"<|eot_id|>\"],\"num_ctx\":4096,\"a\":{\"z\":1e3,\"b\":null,\"c\":true},\"x\":1,\"x\":2}");
        var w = new GoJsonWriter().AnyValue(doc.RootElement);
        Assert.Equal("{\"a\":{\"b\":null,\"c\":true,\"z\":1000},\"num_ctx\":4096,\"stop\":[\"\\u003c|eot_id|\\u003e\"],\"temperature\":0.7,\"x\":2}", w.ToString());
    }
}
