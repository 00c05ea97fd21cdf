using System.Text;
using Corral.Engine.Gguf;

namespace Corral.Engine.Tokenizers;

/// <summary>
/// A model's vocabulary as llama.cpp loads it (spec A1–A2): token texts, scores and attributes, the
/// special token ids after defaults, key overrides and text-based auto-detection, the end-of-generation
/// set, the special-token cache used to split prompts, and the tokenization flags.
/// Immutable after loading and safe to share between threads.
/// </summary>
public sealed partial class Vocabulary
{
    /// <summary>llama.cpp's <c>LLAMA_TOKEN_NULL</c>: "no such token".</summary>
    public const int NullToken = -1;

    private readonly int _count;
    private readonly Utf8StringTable _index;
    private readonly float[] _scores;
    private readonly TokenAttributes[] _attributes;
    private readonly HashSet<int> _eog;

    /// <summary>The <c>tokenizer.ggml.model</c> string.</summary>
    public string Model { get; }

    /// <summary>The <c>tokenizer.ggml.pre</c> string, or empty when absent.</summary>
    public string PreTokenizerName { get; }

    public VocabularyType Type { get; }

    /// <summary>BPE pre-tokenizer family (<see cref="PreTokenizerKind.Default"/> for other types).</summary>
    public PreTokenizerKind PreTokenizer { get; }

    /// <summary>Number of tokens (the model's logit count).</summary>
    public int Count => _count;

    /// <summary>Longest token text in UTF-8 bytes.</summary>
    public int MaxTokenLength { get; }

    // ---- special ids (NullToken when absent) ----
    public int Bos { get; private set; }
    public int Eos { get; private set; }
    public int Eot { get; private set; }
    public int Eom { get; private set; }
    public int Unknown { get; private set; }
    public int Separator { get; private set; }
    public int Padding { get; private set; }
    public int Mask { get; private set; }
    public int FimPrefix { get; private set; }
    public int FimSuffix { get; private set; }
    public int FimMiddle { get; private set; }
    public int FimPad { get; private set; }
    public int FimRepo { get; private set; }
    public int FimSeparator { get; private set; }

    /// <summary>The newline token (spec A2.2); set once the tokenizer exists, NullToken before.</summary>
    public int Newline { get; internal set; } = NullToken;

    // ---- flags ----
    public bool AddBos { get; private set; }
    public bool AddEos { get; private set; }
    public bool AddSep { get; private set; }
    public bool AddSpacePrefix { get; private set; }
    public bool RemoveExtraWhitespaces { get; private set; }
    public bool IgnoreMerges { get; private set; }

    /// <summary>HF <c>clean_up_tokenization_spaces</c>, applied by <see cref="Tokenizer.Detokenize"/>.</summary>
    public bool CleanSpaces { get; private set; }

    public bool EscapeWhitespaces { get; private set; }
    public bool TreatWhitespaceAsSuffix => false;

    /// <summary>WPM/whitespace-model lowercasing (<c>tokenizer.ggml.normalizer.lowercase</c>).</summary>
    public bool Lowercase { get; private set; }

    /// <summary>WPM accent stripping (<c>tokenizer.ggml.normalizer.strip_accents</c>).</summary>
    public bool StripAccents { get; private set; }

    /// <summary>
    /// BPE merges in rank order (empty for other types), read from the model file on each access: they are needed once,
    /// to build the merge table, and would otherwise hold 7–13 MB of strings for the life of the model. A long list needs
    /// the file still open (build the tokenizer before closing it); after that it throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    public IReadOnlyList<string> Merges => _merges?.Value as string[] ?? [];

    private readonly GgufValue? _merges;

    /// <summary>The merges as they lie in the still-open model file (long lists only), for reading as UTF-8 without making strings.</summary>
    internal GgufStringArray? MergesInFile => _merges?.Strings;

    /// <summary>UGM normalizer blob, or empty.</summary>
    public ReadOnlyMemory<byte> PrecompiledCharsmap { get; }

    /// <summary>Ids that are never sampled (<c>tokenizer.ggml.suppress_tokens</c>, out-of-range ids dropped).</summary>
    public IReadOnlyList<int> SuppressTokens { get; }

    /// <summary>End-of-generation ids, ascending.</summary>
    public IReadOnlyList<int> EogTokens { get; private set; } = [];

    /// <summary>
    /// Ids with CONTROL, USER_DEFINED or UNKNOWN, longest text first (ties by id): the order in which
    /// special tokens are cut out of prompts (spec A2.5, A3.1).
    /// </summary>
    public IReadOnlyList<int> SpecialTokens { get; private set; } = [];

    internal Utf8StringTable Index => _index;

    private Vocabulary(string model, string pre, VocabularyType type, PreTokenizerKind preKind, Utf8StringTable index,
        float[] scores, TokenAttributes[] attributes, int maxTokenLength, GgufValue? merges, ReadOnlyMemory<byte> charsmap,
        IReadOnlyList<int> suppress)
    {
        Model = model;
        PreTokenizerName = pre;
        Type = type;
        PreTokenizer = preKind;
        _count = index.Count;
        _index = index;
        _scores = scores;
        _attributes = attributes;
        MaxTokenLength = maxTokenLength;
        _merges = merges;
        PrecompiledCharsmap = charsmap;
        SuppressTokens = suppress;
        _eog = [];
    }

    // ---- token data ----

    /// <summary>
    /// The token's text as stored in the model (SPM uses ▁ for spaces, BPE the GPT-2 byte alphabet), decoded from its UTF-8
    /// on each call: only the UTF-8 is kept (152k strings took 6–7 MB for the life of a model).
    /// </summary>
    public string GetText(int id) => Encoding.UTF8.GetString(_index[CheckId(id)]);

    /// <summary>The token's text as UTF-8 bytes.</summary>
    public ReadOnlySpan<byte> GetTextUtf8(int id) => _index[CheckId(id)];

    public float GetScore(int id) => _scores[CheckId(id)];

    public TokenAttributes GetAttributes(int id) => _attributes[CheckId(id)];

    /// <summary>True when <paramref name="id"/> is a valid token id.</summary>
    public bool Contains(int id) => (uint)id < (uint)_count;

    /// <summary>The id of the token whose text is exactly <paramref name="text"/>, or <see cref="NullToken"/>.</summary>
    public int Find(string text)
    {
        Span<byte> buffer = text.Length <= 64 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(text.Length)] : new byte[Encoding.UTF8.GetByteCount(text)];
        int n = Encoding.UTF8.GetBytes(text, buffer);
        return _index.Find(buffer[..n]);
    }

    /// <summary>The id of the token whose UTF-8 text is exactly <paramref name="utf8"/>, or <see cref="NullToken"/>.</summary>
    public int Find(ReadOnlySpan<byte> utf8) => _index.Find(utf8);

    public bool IsEog(int id) => id != NullToken && _eog.Contains(id);
    public bool IsControl(int id) => Has(id, TokenAttributes.Control);
    public bool IsNormal(int id) => Has(id, TokenAttributes.Normal);
    public bool IsUnknown(int id) => Has(id, TokenAttributes.Unknown);
    public bool IsByte(int id) => Has(id, TokenAttributes.Byte);
    public bool IsUserDefined(int id) => Has(id, TokenAttributes.UserDefined);
    public bool IsUnused(int id) => Has(id, TokenAttributes.Unused);

    private bool Has(int id, TokenAttributes bit) => Contains(id) && (_attributes[id] & bit) != 0;

    private int CheckId(int id)
    {
        if ((uint)id >= (uint)_count) ThrowBadId(id);
        return id;
    }

    private void ThrowBadId(int id) =>
        throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is outside the vocabulary (0..{_count - 1})");

    // ---------------------------------------------------------------------------------------------
    // Loading
    // ---------------------------------------------------------------------------------------------

    private const string KeyModel = "tokenizer.ggml.model";
    private const string KeyPre = "tokenizer.ggml.pre";
    private const string KeyTokens = "tokenizer.ggml.tokens";

    /// <summary>
    /// Loads the vocabulary from a GGUF file's <c>tokenizer.ggml.*</c> metadata. Keep the file open until the tokenizer is
    /// built from it: long merge lists are read from the file then (<see cref="Merges"/>).
    /// </summary>
    /// <exception cref="TokenizerException">the metadata is missing, inconsistent, or names an unknown tokenizer.</exception>
    public static Vocabulary FromGguf(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string where = System.IO.Path.GetFileName(file.Path);
        string model = file.GetString(KeyModel)
            ?? throw new TokenizerException($"'{where}' has no tokenizer: the metadata key {KeyModel} is missing");
        string pre = file.GetString(KeyPre) ?? "";

        var d = Defaults.For(model, where);
        var preKind = PreTokenizerKind.Default;
        bool lowercase = true;

        if (d.Type == VocabularyType.Bpe)
        {
            if (model == "gemma4") pre = pre.Length == 0 ? "gemma4" : pre;
            string preName = model == "gemma4" ? "gemma4" : pre.Length == 0 ? "default" : pre;
            if (!PreTokenizerCatalog.TryResolve(preName, out var entry))
                throw new TokenizerException($"'{where}' uses the unknown pre-tokenizer type '{pre}' ({KeyPre}); this tokenizer is not supported yet");
            preKind = entry.Kind;
            d.CleanSpaces = entry.CleanSpaces;
            d.IgnoreMerges |= entry.IgnoreMerges;
            d.AddBos |= entry.AddBos;
            d.AddSep |= entry.AddSep;
            d.EscapeWhitespaces = entry.EscapeWhitespaces;
            lowercase = entry.Lowercase;
            if (entry.NullBos) d.Bos = NullToken;
        }

        d.AddSpacePrefix = file.GetBool("tokenizer.ggml.add_space_prefix", d.AddSpacePrefix);
        d.RemoveExtraWhitespaces = file.GetBool("tokenizer.ggml.remove_extra_whitespaces", d.RemoveExtraWhitespaces);

        Utf8StringTable index;
        int maxLen;
        if (d.Type == VocabularyType.None)
        {
            long n = file.GetInt($"{file.Architecture}.vocab_size", 0);
            var texts = new string[Math.Max(0, (int)Math.Min(n, int.MaxValue))];
            for (int i = 0; i < texts.Length; i++) texts[i] = $"[DUMMY_{i}]";
            (index, maxLen) = BuildIndex(texts, where);
        }
        else
        {
            var tokensValue = file.Get(KeyTokens)
                ?? throw new TokenizerException($"'{where}' has no token list: the metadata key {KeyTokens} is missing");
            if (tokensValue.Strings is { } inFile)
                (index, maxLen) = BuildIndex(inFile, where); // straight from the mapped file's UTF-8
            else if (tokensValue.Value is string[] list)
                (index, maxLen) = BuildIndex((string[])list.Clone(), where);
            else
                throw new TokenizerException($"'{where}' has a malformed {KeyTokens}: expected an array of strings, found {tokensValue}");
        }
        int count = index.Count;

        float[] scores = ReadScores(file, count, where);
        var attributes = ReadAttributes(file, count, where);

        GgufValue? merges = null;
        if (d.Type == VocabularyType.Bpe)
        {
            var mergesValue = file.Get("tokenizer.ggml.merges");
            if (mergesValue is { IsArray: true, ElementType: GgufValueType.String }) merges = mergesValue;
            else if (mergesValue != null) throw new TokenizerException($"'{where}' has a malformed tokenizer.ggml.merges: expected an array of strings");
            else if (pre != "kimi-k2") throw new TokenizerException($"'{where}' uses a BPE tokenizer but has no merges (tokenizer.ggml.merges is missing)");
        }

        ReadOnlyMemory<byte> charsmap = ReadOnlyMemory<byte>.Empty;
        if (file.Get("tokenizer.ggml.precompiled_charsmap") is { IsArray: true } cm)
        {
            charsmap = cm.Value switch
            {
                byte[] b => b,
                sbyte[] sb => System.Runtime.InteropServices.MemoryMarshal.AsBytes(sb.AsSpan()).ToArray(),
                _ => throw new TokenizerException($"'{where}' has a malformed tokenizer.ggml.precompiled_charsmap: expected an array of bytes"),
            };
        }

        var suppress = new List<int>();
        if (file.Get("tokenizer.ggml.suppress_tokens") is { IsArray: true } st)
        {
            foreach (int id in st.AsInt32Array())
                if ((uint)id < (uint)count) suppress.Add(id);
        }

        var vocab = new Vocabulary(model, pre, d.Type, preKind, index, scores, attributes, maxLen, merges, charsmap, suppress);
        vocab.ResolveSpecialIds(file, d);
        vocab.Lowercase = file.GetBool("tokenizer.ggml.normalizer.lowercase", d.Type != VocabularyType.Bpe || lowercase);
        vocab.StripAccents = file.GetBool("tokenizer.ggml.normalizer.strip_accents", vocab.Lowercase);
        if (d.Type != VocabularyType.None)
        {
            vocab.DetectSpecialTokens();
            vocab.BuildSpecialTokenCache();
            vocab.ApplyModelSpecificAttributes(file.GetString("general.name") ?? "", pre, file.Architecture);
        }
        return vocab;
    }

    /// <summary>Text → id index over UTF-8; empty texts become <c>[EMPTY_id]</c>, duplicates are an error.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static (Utf8StringTable Index, int MaxLength) BuildIndex(GgufStringArray texts, string where)
    {
        var index = new Utf8StringTable(texts.Count, 8);
        int maxLength = 0, i = 0;
        foreach (var text in texts) AddIndexed(index, Unicode.Utf8Text.ReplaceInvalid(text), i++, where, ref maxLength);
        return (index, maxLength);
    }

    private static (Utf8StringTable Index, int MaxLength) BuildIndex(string[] texts, string where)
    {
        var index = new Utf8StringTable(texts.Length, 8);
        int maxLength = 0;
        for (int i = 0; i < texts.Length; i++) AddIndexed(index, Encoding.UTF8.GetBytes(texts[i]), i, where, ref maxLength);
        return (index, maxLength);
    }

    /// <summary>Token <paramref name="id"/>'s text into the index: an empty text becomes <c>[EMPTY_id]</c>, a duplicate is an error.</summary>
    private static void AddIndexed(Utf8StringTable index, ReadOnlySpan<byte> text, int id, string where, ref int maxLength)
    {
        if (text.Length == 0) text = Encoding.UTF8.GetBytes($"[EMPTY_{id}]");
        int existing = index.Add(text, out bool added);
        if (!added)
            throw new TokenizerException($"'{where}' has a corrupt vocabulary: token {id} has the same text as token {existing} ('{Printable(Encoding.UTF8.GetString(text))}')");
        maxLength = Math.Max(maxLength, text.Length);
    }

    private static float[] ReadScores(GgufFile file, int count, string where)
    {
        var value = file.Get("tokenizer.ggml.scores");
        if (value == null) return new float[count];
        float[] scores;
        try { scores = value.AsSingleArray(); }
        catch (InvalidCastException) { throw new TokenizerException($"'{where}' has a malformed tokenizer.ggml.scores: expected an array of numbers, found {value}"); }
        if (scores.Length < count)
            throw new TokenizerException($"'{where}' has {scores.Length} token scores for {count} tokens (tokenizer.ggml.scores is too short)");
        return scores;
    }

    private static TokenAttributes[] ReadAttributes(GgufFile file, int count, string where)
    {
        var attributes = new TokenAttributes[count];
        var value = file.Get("tokenizer.ggml.token_type");
        if (value == null)
        {
            Array.Fill(attributes, TokenAttributes.Normal);
            return attributes;
        }
        int[] types;
        try { types = value.AsInt32Array(); }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            throw new TokenizerException($"'{where}' has a malformed tokenizer.ggml.token_type: expected an array of integers, found {value}");
        }
        if (types.Length < count)
            throw new TokenizerException($"'{where}' has {types.Length} token types for {count} tokens (tokenizer.ggml.token_type is too short)");
        for (int i = 0; i < count; i++) attributes[i] = FromTokenType(types[i]);
        return attributes;
    }

    /// <summary>GGUF token type → attribute bits (spec A2.3); unknown values give no bit.</summary>
    public static TokenAttributes FromTokenType(int type) => (TokenType)type switch
    {
        TokenType.Normal => TokenAttributes.Normal,
        TokenType.Unknown => TokenAttributes.Unknown,
        TokenType.Control => TokenAttributes.Control,
        TokenType.UserDefined => TokenAttributes.UserDefined,
        TokenType.Unused => TokenAttributes.Unused,
        TokenType.Byte => TokenAttributes.Byte,
        _ => TokenAttributes.Undefined,
    };

    private static readonly (string Key, Func<Defaults, int> Get, Action<Defaults, int> Set)[] s_specialKeys =
    [
        ("tokenizer.ggml.bos_token_id", d => d.Bos, (d, v) => d.Bos = v),
        ("tokenizer.ggml.eos_token_id", d => d.Eos, (d, v) => d.Eos = v),
        ("tokenizer.ggml.eot_token_id", d => d.Eot, (d, v) => d.Eot = v),
        ("tokenizer.ggml.eom_token_id", d => d.Eom, (d, v) => d.Eom = v),
        ("tokenizer.ggml.unknown_token_id", d => d.Unk, (d, v) => d.Unk = v),
        ("tokenizer.ggml.seperator_token_id", d => d.Sep, (d, v) => d.Sep = v),
        ("tokenizer.ggml.padding_token_id", d => d.Pad, (d, v) => d.Pad = v),
        ("tokenizer.ggml.mask_token_id", d => d.Mask, (d, v) => d.Mask = v),
        ("tokenizer.ggml.fim_pre_token_id", d => d.FimPre, (d, v) => d.FimPre = v),
        ("tokenizer.ggml.fim_suf_token_id", d => d.FimSuf, (d, v) => d.FimSuf = v),
        ("tokenizer.ggml.fim_mid_token_id", d => d.FimMid, (d, v) => d.FimMid = v),
        ("tokenizer.ggml.fim_pad_token_id", d => d.FimPad, (d, v) => d.FimPad = v),
        ("tokenizer.ggml.fim_rep_token_id", d => d.FimRep, (d, v) => d.FimRep = v),
        ("tokenizer.ggml.fim_sep_token_id", d => d.FimSep, (d, v) => d.FimSep = v),
        // deprecated aliases, read last so they win (spec A1)
        ("tokenizer.ggml.prefix_token_id", d => d.FimPre, (d, v) => d.FimPre = v),
        ("tokenizer.ggml.suffix_token_id", d => d.FimSuf, (d, v) => d.FimSuf = v),
        ("tokenizer.ggml.middle_token_id", d => d.FimMid, (d, v) => d.FimMid = v),
    ];

    private void ResolveSpecialIds(GgufFile file, Defaults d)
    {
        int n = Count;
        // a default that does not exist in this vocabulary is disabled
        foreach (var (_, get, set) in s_specialKeys)
            if (get(d) >= n) set(d, NullToken);
        foreach (var (key, _, set) in s_specialKeys)
        {
            long? value = file.GetInt(key);
            if (value is long v && v >= 0 && v < n) set(d, (int)v); // out-of-range keys keep the default (llama.cpp warns)
        }

        d.AddBos = file.GetBool("tokenizer.ggml.add_bos_token", d.AddBos);
        d.AddEos = file.GetBool("tokenizer.ggml.add_eos_token", d.AddEos);
        d.AddSep = file.GetBool("tokenizer.ggml.add_sep_token", d.AddSep);
        if (PreTokenizer == PreTokenizerKind.Gemma4 && !d.AddBos) d.AddBos = true;

        Bos = d.Bos; Eos = d.Eos; Eot = d.Eot; Eom = d.Eom; Unknown = d.Unk; Separator = d.Sep; Padding = d.Pad; Mask = d.Mask;
        FimPrefix = d.FimPre; FimSuffix = d.FimSuf; FimMiddle = d.FimMid; FimPad = d.FimPad; FimRepo = d.FimRep; FimSeparator = d.FimSep;
        AddBos = d.AddBos; AddEos = d.AddEos; AddSep = d.AddSep; AddSpacePrefix = d.AddSpacePrefix;
        RemoveExtraWhitespaces = d.RemoveExtraWhitespaces; IgnoreMerges = d.IgnoreMerges; CleanSpaces = d.CleanSpaces;
        EscapeWhitespaces = d.EscapeWhitespaces;
    }

    internal static string Printable(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s) sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        return sb.ToString();
    }

    /// <summary>Per-type defaults of spec A2.1, mutated by the pre-tokenizer entry and the keys.</summary>
    private sealed class Defaults
    {
        public VocabularyType Type;
        public int Bos = NullToken, Eos = NullToken, Eot = NullToken, Eom = NullToken, Unk = NullToken, Sep = NullToken, Pad = NullToken, Mask = NullToken;
        public int FimPre = NullToken, FimSuf = NullToken, FimMid = NullToken, FimPad = NullToken, FimRep = NullToken, FimSep = NullToken;
        public bool AddBos, AddEos, AddSep, AddSpacePrefix, RemoveExtraWhitespaces, IgnoreMerges, CleanSpaces, EscapeWhitespaces = true;

        public static Defaults For(string model, string where)
        {
            switch (model)
            {
                case "no_vocab" or "none":
                    return new Defaults { Type = VocabularyType.None };
                case "llama":
                    return new Defaults { Type = VocabularyType.Spm, Bos = 1, Eos = 2, Unk = 0, AddSpacePrefix = true, AddBos = true };
                case "bert":
                    return new Defaults { Type = VocabularyType.Wpm, Bos = 101, Unk = 100, Sep = 102, Pad = 0, Mask = 103, AddBos = true, AddSep = true, CleanSpaces = true };
                case "gpt2" or "whitespace" or "hybriddna":
                    return new Defaults { Type = VocabularyType.Bpe, Bos = 11, Eos = 11, CleanSpaces = true, EscapeWhitespaces = false };
                case "gemma4":
                    return new Defaults { Type = VocabularyType.Bpe, CleanSpaces = true, EscapeWhitespaces = false };
                case "t5":
                    return new Defaults { Type = VocabularyType.Ugm, Eos = 1, Unk = 2, Pad = 0, AddEos = true };
                case "rwkv":
                    return new Defaults { Type = VocabularyType.Rwkv };
                case "plamo2":
                    return new Defaults { Type = VocabularyType.Plamo2, Bos = 1, Eos = 2, Unk = 0, Pad = 3 };
                default:
                    throw new TokenizerException($"'{where}' uses the unknown tokenizer model '{model}' ({KeyModel}); known models are llama, gpt2, gemma4, bert, t5, rwkv, plamo2, none");
            }
        }
    }
}
