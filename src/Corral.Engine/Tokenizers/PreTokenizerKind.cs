namespace Corral.Engine.Tokenizers;

/// <summary>
/// BPE pre-tokenizer families (spec A8). Several <c>tokenizer.ggml.pre</c> names share one family because
/// they share the regex list; the per-name flag differences live in <see cref="PreTokenizerCatalog"/>.
/// </summary>
public enum PreTokenizerKind
{
    Default,
    Llama3,
    Jais2,
    DeepseekLlm,
    Deepseek3Llm,
    Spark25,
    Youtu,
    DeepseekCoder,
    Falcon,
    Starcoder,
    Gpt2,
    Qwen2,
    Qwen35,
    Poro,
    Viking,
    Tekken,
    Chameleon,
    Gpt4o,
    GraniteEmbedMulti,
    TinyAya,
    KimiK2,
    SuperBpe,
    BailingMoe,
    SeedCoder,
    Ufakzeka,
    Afmoe,
    Laguna,
    ExaoneMoe,
    Gemma4,
    SarvamMoe,
    MiniCpm5,
    Whitespace,
}

/// <summary>What a pre-tokenizer name changes on top of the BPE defaults (spec A8 braces).</summary>
internal readonly record struct PreTokenizerEntry(
    PreTokenizerKind Kind,
    bool CleanSpaces = true,
    bool IgnoreMerges = false,
    bool AddBos = false,
    bool AddSep = false,
    bool NullBos = false,
    bool EscapeWhitespaces = false,
    bool Lowercase = true);

/// <summary>Maps <c>tokenizer.ggml.pre</c> strings to their family and flags (spec A8).</summary>
internal static class PreTokenizerCatalog
{
    private static readonly Dictionary<string, PreTokenizerEntry> s_entries = Build();

    public static bool TryResolve(string name, out PreTokenizerEntry entry) => s_entries.TryGetValue(name, out entry);

    /// <summary>Whether words are GPT-2 byte-encoded before merging (all families but these three).</summary>
    public static bool UsesByteEncoding(PreTokenizerKind kind) =>
        kind is not (PreTokenizerKind.Gemma4 or PreTokenizerKind.SarvamMoe or PreTokenizerKind.Whitespace);

    private static Dictionary<string, PreTokenizerEntry> Build()
    {
        var d = new Dictionary<string, PreTokenizerEntry>(StringComparer.Ordinal);
        void Add(PreTokenizerEntry e, params string[] names)
        {
            foreach (var n in names) d.Add(n, e);
        }

        Add(new(PreTokenizerKind.Default), "default");
        Add(new(PreTokenizerKind.Llama3, IgnoreMerges: true, AddBos: true),
            "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano");
        Add(new(PreTokenizerKind.Jais2), "jais-2");
        Add(new(PreTokenizerKind.Llama3), "dbrx", "smaug-bpe");
        Add(new(PreTokenizerKind.DeepseekLlm, CleanSpaces: false), "deepseek-llm");
        Add(new(PreTokenizerKind.Deepseek3Llm, CleanSpaces: false), "deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4");
        Add(new(PreTokenizerKind.Spark25, CleanSpaces: false), "spark2_5");
        Add(new(PreTokenizerKind.Youtu, CleanSpaces: false, IgnoreMerges: true), "youtu");
        Add(new(PreTokenizerKind.DeepseekCoder, CleanSpaces: false), "deepseek-coder");
        Add(new(PreTokenizerKind.Falcon), "falcon");
        Add(new(PreTokenizerKind.Starcoder), "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2");
        Add(new(PreTokenizerKind.Starcoder, CleanSpaces: false), "command-r", "smollm");
        Add(new(PreTokenizerKind.Gpt2),
            "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "modern-bert",
            "exaone4", "mpt", "olmo", "jais");
        Add(new(PreTokenizerKind.Gpt2, AddSep: true), "jina-v1-en", "jina-v2-code", "roberta-bpe");
        Add(new(PreTokenizerKind.Gpt2, CleanSpaces: false), "trillion", "granite-docling");
        Add(new(PreTokenizerKind.Qwen2), "stablelm2", "megrez");
        Add(new(PreTokenizerKind.Qwen2, CleanSpaces: false), "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open", "grok-2");
        Add(new(PreTokenizerKind.Qwen35, CleanSpaces: false), "qwen35");
        Add(new(PreTokenizerKind.Poro, CleanSpaces: false), "poro-chat");
        Add(new(PreTokenizerKind.Poro), "bloom", "gpt3-finnish");
        Add(new(PreTokenizerKind.Llama3, NullBos: true), "glm4", "chatglm-bpe");
        Add(new(PreTokenizerKind.Viking, CleanSpaces: false), "viking");
        Add(new(PreTokenizerKind.Tekken, CleanSpaces: false, IgnoreMerges: true, AddBos: true), "tekken");
        Add(new(PreTokenizerKind.Chameleon, CleanSpaces: false, AddBos: true), "chameleon");
        Add(new(PreTokenizerKind.Gpt4o, CleanSpaces: false), "gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2");
        Add(new(PreTokenizerKind.GraniteEmbedMulti, CleanSpaces: false, IgnoreMerges: true), "granite-embed-multi-97m");
        Add(new(PreTokenizerKind.TinyAya, CleanSpaces: false), "tiny_aya", "cohere2moe");
        Add(new(PreTokenizerKind.KimiK2, CleanSpaces: false), "kimi-k2");
        Add(new(PreTokenizerKind.SuperBpe, CleanSpaces: false), "superbpe");
        Add(new(PreTokenizerKind.BailingMoe, CleanSpaces: false), "bailingmoe", "bailingmoe2", "llada-moe");
        Add(new(PreTokenizerKind.SeedCoder, CleanSpaces: false), "seed-coder");
        Add(new(PreTokenizerKind.Ufakzeka, CleanSpaces: false), "ufakzeka");
        Add(new(PreTokenizerKind.Afmoe, CleanSpaces: false), "afmoe");
        Add(new(PreTokenizerKind.Laguna, CleanSpaces: false), "laguna");
        Add(new(PreTokenizerKind.ExaoneMoe), "exaone-moe");
        Add(new(PreTokenizerKind.Gemma4, EscapeWhitespaces: true), "gemma4", "granite-embed-multi-311m");
        Add(new(PreTokenizerKind.SarvamMoe, CleanSpaces: false, EscapeWhitespaces: true), "sarvam-moe");
        Add(new(PreTokenizerKind.MiniCpm5, IgnoreMerges: true), "minicpm5");
        Add(new(PreTokenizerKind.Whitespace, Lowercase: false), "whitespace");
        return d;
    }
}
