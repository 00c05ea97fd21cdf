using System.Text.Json.Nodes;
using Corral.Cli.Commands;
using Corral.Cli.Terminal;

namespace Corral.Cli.Tests;

/// <summary>Tables, bars and wrapping, checked against the layouts Ollama's CLI prints (its own test expectations).</summary>
public class FormattingTests
{
    [Fact]
    public void Table_pads_every_cell_and_follows_it_with_four_spaces()
    {
        var t = new TextTable().WithHeader("NAME", "ID", "SIZE", "MODIFIED")
            .Add("model1", "sha256:abc12", "1.0 KB", "24 hours ago")
            .Add("model2", "sha256:def45", "2.0 KB", "2 days ago");
        Assert.Equal(
            "NAME      ID              SIZE      MODIFIED        \n" +
            "model1    sha256:abc12    1.0 KB    24 hours ago    \n" +
            "model2    sha256:def45    2.0 KB    2 days ago      \n", t.ToString());
    }

    [Fact]
    public void Table_wraps_long_cells_with_minimum_raggedness()
    {
        // 38 columns, limit 30: a full first line and a short last one cost nothing (the last line is free).
        var lines = TextTable.WrapCell("the quick brown fox jumps over the dog", 30);
        Assert.Equal(["the quick brown fox jumps over", "the dog"], lines);
        Assert.Equal(["averyveryveryveryveryverylongwordwithoutspaces"], TextTable.WrapCell("averyveryveryveryveryverylongwordwithoutspaces", 30));
        Assert.Equal(["a b"], TextTable.WrapCell("a\nb", 30));
    }

    private static JsonObject Show(string json) => (JsonObject)JsonNode.Parse(json)!;

    [Fact]
    public void Show_info_without_model_info_lists_family_size_and_quantization()
    {
        var resp = Show("""{"details":{"family":"test","parameter_size":"7B","quantization_level":"FP16"}}""");
        Assert.Equal("  Model\n    architecture    test    \n    parameters      7B      \n    quantization    FP16    \n\n", ShowInfo.Format(resp, false));
    }

    [Fact]
    public void Show_info_with_model_info_parameters_and_verbose_metadata()
    {
        var resp = Show("""
            {"details":{"family":"test","parameter_size":"8B","quantization_level":"FP16"},
             "parameters":"stop \"up\"",
             "model_info":{"general.architecture":"test","general.parameter_count":8000000000,"test.context_length":1000,"test.embedding_length":11434,
                           "some.true_bool":true,"some.false_bool":false,"test.array":["a","b","c","d","e"]},
             "tensors":[{"name":"blk.0.attn_k.weight","type":"BF16","shape":[42,3117]}]}
            """);
        string text = ShowInfo.Format(resp, verbose: true);
        Assert.StartsWith(
            "  Model\n    architecture        test     \n    parameters          8B       \n    context length      1000     \n" +
            "    embedding length    11434    \n    quantization        FP16     \n\n" +
            "  Parameters\n    stop    \"up\"    \n\n" +
            "  Metadata\n    general.architecture       test                  \n    general.parameter_count    8e+09                 \n", text);
        Assert.Contains("    test.array                 [a b c ...+2 more]    \n", text);
        Assert.Contains("    some.true_bool             true                  \n", text);
        Assert.Contains("  Tensors\n    blk.0.attn_k.weight    BF16    [42 3117]    \n\n", text);
    }

    [Fact]
    public void Show_info_sections_for_parameters_system_license_capabilities()
    {
        var resp = Show("""
            {"details":{"family":"test","parameter_size":"7B","quantization_level":"FP16"},
             "parameters":"stop never\nstop gonna\ntemperature 99",
             "system":"You are a pirate!\nAhoy, matey!\nWeigh anchor!",
             "license":"MIT License\nCopyright (c) Ollama\n",
             "capabilities":["vision","tools"], "requires":"0.19.0"}
            """);
        Assert.Equal(
            "  Model\n    architecture    test      \n    parameters      7B        \n    quantization    FP16      \n    requires        0.19.0    \n\n" +
            "  Capabilities\n    vision    \n    tools     \n\n" +
            "  Parameters\n    stop           never    \n    stop           gonna    \n    temperature    99       \n\n" +
            "  System\n    You are a pirate!    \n    Ahoy, matey!         \n    ...                  \n\n" +
            "  License\n    MIT License             \n    Copyright (c) Ollama    \n\n",
            ShowInfo.Format(resp, false));
    }

    [Fact]
    public void List_and_ps_tables_from_api_answers()
    {
        var now = new DateTimeOffset(2026, 8, 21, 12, 0, 0, TimeSpan.Zero);
        var tags = JsonNode.Parse("""
            {"models":[{"name":"llama3.2:latest","digest":"a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72","size":2019393189,"modified_at":"2026-08-19T11:00:00Z"},
                       {"name":"cloud:latest","digest":"0123456789abcdef","size":384,"modified_at":"2026-08-21T11:59:30Z","remote_model":"x"}]}
            """);
        Assert.Equal(
            "NAME               ID              SIZE      MODIFIED          \n" +
            "llama3.2:latest    a80c4f17acd5    2.0 GB    2 days ago        \n" +
            "cloud:latest       0123456789ab    -         30 seconds ago    \n", ListCommand.Format(tags, null, now));
        Assert.Equal("NAME            ID              SIZE    MODIFIED          \ncloud:latest    0123456789ab    -       30 seconds ago    \n", ListCommand.Format(tags, "CLOUD", now));

        var ps = JsonNode.Parse("""
            {"models":[{"name":"a:latest","digest":"a80c4f17acd55265","size":3825819519,"size_vram":3825819519,"context_length":4096,"expires_at":"2026-08-21T12:04:30Z"},
                       {"name":"b:latest","digest":"b80c4f17acd55265","size":1000,"size_vram":480,"context_length":2048,"expires_at":"2318-01-01T00:00:00Z"},
                       {"name":"c:latest","digest":"c80c4f17acd55265","size":1000,"size_vram":0,"context_length":8192,"expires_at":"2026-08-21T11:00:00Z"}]}
            """);
        Assert.Equal(
            "NAME        ID              SIZE      PROCESSOR          CONTEXT    UNTIL                 \n" +
            "a:latest    a80c4f17acd5    3.8 GB    100% GPU           4096       4 minutes from now    \n" +
            "b:latest    b80c4f17acd5    1 KB      52%/48% CPU/GPU    2048       Forever               \n" +
            "c:latest    c80c4f17acd5    1 KB      100% CPU           8192       Stopping...           \n", PsCommand.Format(ps, null, now));
        Assert.Equal("NAME    ID    SIZE    PROCESSOR    CONTEXT    UNTIL    \n", PsCommand.Format(ps, "A", now));
    }

    [Theory]
    [InlineData(0, 0, "100% CPU")]
    [InlineData(100, 100, "100% GPU")]
    [InlineData(100, 150, "Unknown")]
    [InlineData(1000, 255, "75%/25% CPU/GPU")]
    public void Processor_column(long size, long vram, string expected) => Assert.Equal(expected, PsCommand.Processor(size, vram));

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Progress_bar_shows_percentage_sizes_rate_and_eta()
    {
        var time = new ManualTime();
        var bar = new ProgressBar("pulling 6a0746a1ec1a:", 100_000_000, 0, time);
        time.Now += TimeSpan.FromSeconds(2);
        bar.Set(20_000_000);
        time.Now += TimeSpan.FromSeconds(2);
        bar.Set(40_000_000);
        string line = bar.Render(80);
        // Upstream leaves the last column free (the bar reserves five columns for four characters).
        Assert.Equal(79, line.Length);
        // 10 MB/s over the last samples, 60 MB to go: 6 s.
        Assert.Matches(@"^pulling 6a0746a1ec1a:  40% ▕█{7} {11}▏  40 MB/100 MB   10 MB/s      6s$", line);

        bar.Set(100_000_000);
        Assert.Matches(@"^pulling 6a0746a1ec1a: 100% ▕█{18}▏ 100 MB {25}$", bar.Render(80));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(62, "1m2s")]
    [InlineData(3900, "1h5m")]
    [InlineData(360000, "99h+")]
    public void Progress_eta_keeps_two_units(int seconds, string expected) => Assert.Equal(expected, ProgressBar.FormatEta(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Spinner_shows_message_then_frame_until_stopped()
    {
        var s = new Spinner("pulling manifest");
        Assert.Matches("^pulling manifest [⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] $", s.Render(80));
        s.Stop();
        Assert.Equal("pulling manifest ", s.Render(80));
    }

    [Fact]
    public void Word_wrap_moves_the_word_that_crosses_the_margin_to_the_next_line()
    {
        var w = new StringWriter();
        var display = new ResponseDisplay(w, wordWrap: true, () => 20);
        display.Write("aaaa bbbb cc dd");
        display.Write("dddd ee");
        // Width 20: the character at column 16 would pass width-5, so the "dd" already shown is erased (2 left, clear
        // to the end) and the word continues on the next line.
        Assert.Equal("aaaa bbbb cc dd\x1b[2D\x1b[K\ndddddd ee", w.ToString());
        Assert.Equal("aaaa bbbb cc\ndddddd ee", RenderScreen(w.ToString()));

        var plain = new StringWriter();
        new ResponseDisplay(plain, wordWrap: false, () => 20).Write("aaaa bbbb cccc dddd eeee");
        Assert.Equal("aaaa bbbb cccc dddd eeee", plain.ToString());
    }

    /// <summary>Applies cursor-left, clear-to-end and newlines to get what a terminal shows (trailing blanks trimmed).</summary>
    private static string RenderScreen(string s)
    {
        var lines = new List<System.Text.StringBuilder> { new() };
        int col = 0;
        for (int i = 0; i < s.Length; i++)
        {
            var line = lines[^1];
            if (s[i] == '\x1b')
            {
                int end = i + 2;
                while (!char.IsAsciiLetter(s[end])) end++;
                string arg = s[(i + 2)..end];
                if (s[end] == 'D') col -= arg.Length == 0 ? 1 : int.Parse(arg);
                else if (s[end] == 'K') line.Length = Math.Min(line.Length, col);
                i = end;
            }
            else if (s[i] == '\n')
            {
                lines.Add(new());
                col = 0;
            }
            else
            {
                while (line.Length < col) line.Append(' ');
                if (col < line.Length) line[col] = s[i];
                else line.Append(s[i]);
                col++;
            }
        }
        return string.Join("\n", lines.Select(l => l.ToString().TrimEnd()));
    }
}
