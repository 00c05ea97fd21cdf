namespace Corral.Engine.Grammar;

/// <summary>
/// The UTF-8 state left by a token that ended inside a multi-byte sequence: the bits decoded so far, how many
/// continuation bytes are still missing and the sequence's total length. <see cref="Remaining"/> is 0 when no
/// sequence is open and −1 after invalid input.
/// </summary>
internal readonly record struct PartialUtf8(uint Value, int Remaining, int Length)
{
    public static readonly PartialUtf8 None = new(0, 0, 0);

    public static readonly PartialUtf8 Invalid = new(0, -1, 0);

    /// <summary>
    /// The code points this open sequence can still complete to, [<paramref name="low"/>, <paramref name="high"/>]
    /// (the range llama.cpp's <c>llama_grammar_match_partial_char</c> tests, narrowed to what valid UTF-8 of this
    /// length can encode). False if no valid completion exists.
    /// </summary>
    public bool TryGetCodePointRange(out uint low, out uint high)
    {
        low = 1;
        high = 0;
        if (Remaining <= 0) return false;
        uint lo = Value << (Remaining * 6);
        uint hi = lo | ((1u << (Remaining * 6)) - 1);
        lo = Math.Max(lo, PartialUtf8Decoder.MinimumOfLength(Length));
        hi = Math.Min(hi, PartialUtf8Decoder.MaxCodePoint);
        if (lo > hi || (lo >= 0xD800 && hi <= 0xDFFF)) return false;
        low = lo;
        high = hi;
        return true;
    }
}

/// <summary>
/// Decodes token pieces to code points the way llama.cpp's grammar does (<c>decode_utf8</c> in
/// <c>llama-grammar.cpp</c>): continuing a sequence left open by earlier tokens, possibly ending inside one.
/// Unlike llama.cpp, which takes the sequence length from the lead byte and trusts the rest, invalid UTF-8
/// (stray or missing continuation bytes, overlong forms, surrogates, values above U+10FFFF) makes the whole piece
/// invalid, so a grammar never lets a model emit broken text.
/// </summary>
internal static class PartialUtf8Decoder
{
    public const uint MaxCodePoint = 0x10FFFF;

    /// <summary>Smallest code point that needs a sequence of <paramref name="length"/> bytes (smaller ones would be overlong).</summary>
    public static uint MinimumOfLength(int length) => length switch { 2 => 0x80, 3 => 0x800, 4 => 0x10000, _ => 0 };

    /// <summary>
    /// Decodes <paramref name="piece"/> after <paramref name="start"/> into <paramref name="codePoints"/> (which must
    /// hold <c>piece.Length + 1</c> values) and returns how many were written; on invalid input returns 0 with
    /// <paramref name="end"/> = <see cref="PartialUtf8.Invalid"/>.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> piece, PartialUtf8 start, Span<uint> codePoints, out PartialUtf8 end)
    {
        int count = 0;
        int pos = 0;
        uint value = start.Value;
        int remaining = start.Remaining;
        int length = start.Length;
        if (remaining < 0) return Fail(out end);

        while (pos < piece.Length)
        {
            byte b = piece[pos++];
            if (remaining > 0)
            {
                if ((b & 0xC0) != 0x80) return Fail(out end);
                value = (value << 6) | (uint)(b & 0x3F);
                remaining--;
            }
            else
            {
                (length, value) = b switch
                {
                    < 0x80 => (1, (uint)b),
                    >= 0xC0 and < 0xE0 => (2, (uint)(b & 0x1F)),
                    >= 0xE0 and < 0xF0 => (3, (uint)(b & 0x0F)),
                    >= 0xF0 and < 0xF8 => (4, (uint)(b & 0x07)),
                    _ => (0, 0u), // a continuation byte, or F8–FF
                };
                if (length == 0) return Fail(out end);
                remaining = length - 1;
            }
            if (remaining == 0)
            {
                if (value < MinimumOfLength(length) || value > MaxCodePoint || value is >= 0xD800 and <= 0xDFFF) return Fail(out end);
                codePoints[count++] = value;
            }
        }
        end = remaining > 0 ? new PartialUtf8(value, remaining, length) : PartialUtf8.None;
        if (remaining > 0 && !end.TryGetCodePointRange(out _, out _)) return Fail(out end);
        return count;
    }

    private static int Fail(out PartialUtf8 end)
    {
        end = PartialUtf8.Invalid;
        return 0;
    }

    /// <summary>The piece up to (not including) its first NUL byte: llama.cpp handles pieces as C strings.</summary>
    public static ReadOnlySpan<byte> CutAtNul(ReadOnlySpan<byte> piece)
    {
        int nul = piece.IndexOf((byte)0);
        return nul < 0 ? piece : piece[..nul];
    }
}
