namespace Corral.Engine.Grammar;

/// <summary>Kinds of element in a compiled GBNF rule (the same model as llama.cpp's <c>llama_gretype</c>).</summary>
public enum GrammarElementType : byte
{
    /// <summary>End of a rule definition.</summary>
    End,
    /// <summary>Start of another alternative of the same rule.</summary>
    Alt,
    /// <summary>Reference to another rule; the value is the rule id.</summary>
    RuleRef,
    /// <summary>Start of a character class that matches a code point (the value), or of a literal character.</summary>
    Char,
    /// <summary>Start of a negated character class.</summary>
    CharNot,
    /// <summary>Makes the preceding character the lower bound of an inclusive range ending at the value.</summary>
    CharRangeUpper,
    /// <summary>Another code point (or range start) of the current character class.</summary>
    CharAlt,
    /// <summary>Any single code point (<c>.</c>).</summary>
    CharAny,
    /// <summary>Exactly the token whose id is the value (<c>&lt;[id]&gt;</c>).</summary>
    Token,
    /// <summary>Any single token except the one whose id is the value (<c>!&lt;[id]&gt;</c>).</summary>
    TokenNot,
    /// <summary>A token written as text (<c>&lt;text&gt;</c>); the value indexes <see cref="GbnfGrammar.TokenTexts"/>. Resolved to <see cref="Token"/> against a vocabulary.</summary>
    TokenText,
    /// <summary>The negation of <see cref="TokenText"/> (<c>!&lt;text&gt;</c>).</summary>
    TokenTextNot,
}

/// <summary>One element of a compiled rule: a type and a value (code point, rule id, token id or token-text index).</summary>
public readonly record struct GrammarElement(GrammarElementType Type, uint Value)
{
    internal bool IsEndOfSequence => Type is GrammarElementType.End or GrammarElementType.Alt;

    internal bool IsCharStart => Type is GrammarElementType.Char or GrammarElementType.CharNot or GrammarElementType.CharAny;

    internal bool IsTokenElement => Type is GrammarElementType.Token or GrammarElementType.TokenNot;
}
