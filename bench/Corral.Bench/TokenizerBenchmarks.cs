using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Corral.Engine.Gguf;
using Corral.Engine.Tokenizers;

namespace Corral.Bench;

/// <summary>
/// Tokenizer throughput on ~1 MB of text (all <c>../shared/vocab/*.inp</c> test inputs, repeated): the
/// Qwen2 byte-level BPE and the Llama-2 SentencePiece vocabularies.
/// <c>dotnet run -c Release --project bench/Corral.Bench -- --filter '*TokenizerBenchmarks*' --job short</c>
/// </summary>
[MemoryDiagnoser]
[Config(typeof(TokensPerSecondConfig))]
public class TokenizerBenchmarks
{
    private Tokenizer _tokenizer = null!;
    private string _text = "";
    private int[] _ids = [];
    private readonly List<int> _output = new(1 << 20);

    [Params("qwen2", "llama-spm")]
    public string Vocabulary { get; set; } = "qwen2";

    [GlobalSetup]
    public void Setup()
    {
        _tokenizer = BenchData.Tokenizer(Vocabulary);
        _text = BenchData.Corpus;
        _ids = _tokenizer.Encode(_text, addSpecial: false, parseSpecial: false);
    }

    [Benchmark(Description = "Encode 1 MB")]
    public int Encode()
    {
        _output.Clear();
        _tokenizer.Encode(_text, _output, addSpecial: false, parseSpecial: false);
        return _output.Count;
    }

    [Benchmark(Description = "Encode 1 MB, parse special")]
    public int EncodeParseSpecial()
    {
        _output.Clear();
        _tokenizer.Encode(_text, _output, addSpecial: true, parseSpecial: true);
        return _output.Count;
    }

    [Benchmark(Description = "Detokenize")]
    public int Detokenize() => _tokenizer.Detokenize(_ids).Length;

    [Benchmark(Description = "Stream-detokenize")]
    public int StreamDetokenize()
    {
        var stream = _tokenizer.CreateStreamingDetokenizer();
        int chars = 0;
        foreach (int id in _ids) chars += stream.Append(id).Length;
        return chars + stream.Flush().Length;
    }

    /// <summary>Adds a tokens/s column (token count of the corpus ÷ mean time).</summary>
    private sealed class TokensPerSecondConfig : ManualConfig
    {
        public TokensPerSecondConfig() => AddColumn(new TokensPerSecondColumn());
    }

    private sealed class TokensPerSecondColumn : IColumn
    {
        public string Id => nameof(TokensPerSecondColumn);
        public string ColumnName => "Tokens/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "tokens of the 1 MB corpus per second of mean time";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            if (mean is not double ns || ns <= 0) return "-";
            string vocabulary = (string)benchmarkCase.Parameters["Vocabulary"];
            int tokens = BenchData.TokenCount(vocabulary);
            return $"{tokens / (ns / 1e9) / 1e6:F2} M";
        }
    }
}

/// <summary>The corpus and tokenizers, located through the repository's sibling <c>shared</c> folder.</summary>
internal static class BenchData
{
    private static readonly Dictionary<string, Tokenizer> s_tokenizers = [];
    private static readonly Dictionary<string, int> s_counts = [];
    private static string? s_corpus;

    public static string Corpus => s_corpus ??= BuildCorpus();

    public static Tokenizer Tokenizer(string vocabulary)
    {
        lock (s_tokenizers)
        {
            if (!s_tokenizers.TryGetValue(vocabulary, out var tokenizer))
            {
                using var file = GgufFile.Open(Path.Combine(SharedFolder(), "vocab", $"ggml-vocab-{vocabulary}.gguf"));
                s_tokenizers[vocabulary] = tokenizer = Corral.Engine.Tokenizers.Tokenizer.FromGguf(file);
            }
            return tokenizer;
        }
    }

    public static int TokenCount(string vocabulary)
    {
        lock (s_counts)
        {
            if (!s_counts.TryGetValue(vocabulary, out int count))
                s_counts[vocabulary] = count = Tokenizer(vocabulary).Encode(Corpus, addSpecial: false, parseSpecial: false).Length;
            return count;
        }
    }

    private static string BuildCorpus()
    {
        var inputs = Directory.GetFiles(Path.Combine(SharedFolder(), "vocab"), "*.inp")
            .Order(StringComparer.Ordinal)
            .Select(p => File.ReadAllText(p).Replace("\n__ggml_vocab_test__\n", "\n"))
            .ToArray();
        var sb = new StringBuilder(1 << 20);
        while (sb.Length < 1_000_000)
            foreach (var input in inputs) sb.Append(input);
        return sb.ToString();
    }

    /// <summary><c>$CORRAL_SHARED</c>, else <c>shared</c> beside the repository root found above the working or base directory.</summary>
    private static string SharedFolder()
    {
        var env = Environment.GetEnvironmentVariable("CORRAL_SHARED");
        if (!string.IsNullOrEmpty(env)) return env;
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && Directory.Exists(Path.Combine(dir.FullName, "src")))
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
            }
        }
        throw new DirectoryNotFoundException("the shared reference folder was not found; set CORRAL_SHARED");
    }
}
