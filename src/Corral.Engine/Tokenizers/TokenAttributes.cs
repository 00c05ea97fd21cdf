namespace Corral.Engine.Tokenizers;

/// <summary>Token type as stored in <c>tokenizer.ggml.token_type</c> (spec A2.3).</summary>
public enum TokenType
{
    Undefined = 0,
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}

/// <summary>
/// Per-token attribute bits (llama.cpp's <c>llama_token_attr</c>). The low bits come from the GGUF token
/// type; <see cref="LStrip"/>/<see cref="RStrip"/> are only set by per-model rules at load (spec A2.5).
/// </summary>
[Flags]
public enum TokenAttributes : ushort
{
    Undefined = 0,
    Unknown = 1 << 0,
    Unused = 1 << 1,
    Normal = 1 << 2,
    Control = 1 << 3,
    UserDefined = 1 << 4,
    Byte = 1 << 5,
    Normalized = 1 << 6,
    LStrip = 1 << 7,
    RStrip = 1 << 8,
    SingleWord = 1 << 9,
}

/// <summary>The tokenizer family selected by <c>tokenizer.ggml.model</c> (spec A2.1).</summary>
public enum VocabularyType
{
    /// <summary><c>no_vocab</c>/<c>none</c>: the model has no tokenizer.</summary>
    None,

    /// <summary><c>llama</c>: SentencePiece BPE-by-score with byte fallback.</summary>
    Spm,

    /// <summary><c>gpt2</c>, <c>gemma4</c> (and <c>hybriddna</c>/<c>whitespace</c>): byte-level BPE with merges.</summary>
    Bpe,

    /// <summary><c>bert</c>: WordPiece.</summary>
    Wpm,

    /// <summary><c>t5</c>: SentencePiece Unigram.</summary>
    Ugm,

    /// <summary><c>rwkv</c>: greedy trie over unescaped byte strings.</summary>
    Rwkv,

    /// <summary><c>plamo2</c>.</summary>
    Plamo2,
}
