namespace Corral.Engine.Tokenizers.Unicode;

/// <summary>
/// What the tokenizers know about a code point (spec A4): exactly one general-category bit, plus
/// <see cref="Whitespace"/>. Every assigned or unassigned code point has a category bit, so a non-zero
/// value means "a code point inside the text"; zero stands for "outside the chunk".
/// </summary>
[Flags]
public enum CodepointFlags : ushort
{
    None = 0,
    Undefined = 0x01,
    Number = 0x02,
    Letter = 0x04,
    Separator = 0x08,
    AccentMark = 0x10,
    Punctuation = 0x20,
    Symbol = 0x40,
    Control = 0x80,
    Whitespace = 0x100,

    CategoryMask = 0xFF,
}
