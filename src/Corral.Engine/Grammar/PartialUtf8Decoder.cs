namespace Corral.Engine.Grammar;

/// <summary>
/// The UTF-8 state left by a token that ended inside a multi-byte sequence: the bits decoded so far and how many
/// continuation bytes are still missing. <see cref="Remaining"/> is 0 when no sequence is open, −1 after invalid input.
/// </summary>
internal readonly record struct PartialUtf8(uint Value, int Remaining)
{
    public static readonly PartialUtf8 None = new(0, 0);

    /// <summary>
    /// Whether some completion of this partial sequence could fall in [<paramref name="low"/>, <paramref name="high"/>]
    /// is decided from this range (llama.cpp <c>llama_grammar_match_partial_char</c>). False for invalid or overlong starts.
    /// </summary>
    public bool TryGetCodePointRange(out uint low, out uint high)
    {
        low = high = 0;
        // invalid sequence, or a 7-bit character split over two bytes (overlong)
        if (Remaining < 0 || (Remaining == 1 && Value < 2)) return false;
        low = Value << (Remaining * 6);
        high = low | ((1u << (Remaining * 6)) - 1);
        if (low == 0)
        {
            if (Remaining == 2) low = 1u << 11;
            else if (Remaining == 3) low = 1u << 16;
        }
        return true;
    }
}

/// <summary>
/// Decodes token pieces to code points exactly as llama.cpp's grammar does (<c>decode_utf8</c> in
/// <c>llama-grammar.cpp</c>): it continues a sequence left open by earlier tokens, takes the sequence length from the
/// lead byte without validating continuation bytes inside a token, gives up on a stray continuation byte, and may
/// end in an open sequence. A decoded code point 0 ends the piece, as the C string terminator does there.
/// </summary>
internal static class PartialUtf8Decoder
{
    // Sequence length by the high nibble of the lead byte; 0 marks a continuation byte (invalid as a lead).
    private static ReadOnlySpan<byte> LengthByHighNibble => [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 3, 4];

    /// <summary>
    /// Decodes <paramref name="piece"/> (already cut at its first NUL byte) after <paramref name="start"/> into
    /// <paramref name="codePoints"/> (which must hold <c>piece.Length + 1</c> values) and returns how many were written.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> piece, PartialUtf8 start, Span<uint> codePoints, out PartialUtf8 end)
    {
        int count = 0;
        int pos = 0;
        uint value = start.Value;
        int remaining = start.Remaining;

        // finish the sequence an earlier token left open
        while (pos < piece.Length && remaining > 0)
        {
            byte b = piece[pos];
            if ((b >> 6) != 2)
            {
                end = new PartialUtf8(0, -1);
                return 0;
            }
            value = (value << 6) + (uint)(b & 0x3F);
            pos++;
            remaining--;
        }
        if (start.Remaining > 0 && remaining == 0)
        {
            if (value == 0) return Terminated(out end);
            codePoints[count++] = value;
        }

        while (pos < piece.Length)
        {
            byte first = piece[pos];
            remaining = LengthByHighNibble[first >> 4] - 1;
            if (remaining < 0)
            {
                end = new PartialUtf8(0, -1);
                return 0;
            }
            value = first & ((1u << (7 - remaining)) - 1);
            pos++;
            while (pos < piece.Length && remaining > 0)
            {
                value = (value << 6) + (uint)(piece[pos] & 0x3F);
                pos++;
                remaining--;
            }
            if (remaining == 0)
            {
                if (value == 0)
                {
                    end = new PartialUtf8(0, 0);
                    return count;
                }
                codePoints[count++] = value;
            }
        }
        end = new PartialUtf8(value, remaining);
        return count;

        static int Terminated(out PartialUtf8 end)
        {
            end = new PartialUtf8(0, 0);
            return 0;
        }
    }

    /// <summary>The piece up to (not including) its first NUL byte: llama.cpp handles pieces as C strings.</summary>
    public static ReadOnlySpan<byte> CutAtNul(ReadOnlySpan<byte> piece)
    {
        int nul = piece.IndexOf((byte)0);
        return nul < 0 ? piece : piece[..nul];
    }
}
