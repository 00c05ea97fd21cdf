using System.Runtime.CompilerServices;

namespace Corral.Engine.Tokenizers.Unicode;

/// <summary>UTF-8 helpers with llama.cpp's exact (lenient) rules (spec A4).</summary>
public static class Utf8Text
{
    /// <summary>
    /// <paramref name="text"/> as it comes out of a round trip through a .NET string: itself when it is valid UTF-8, else
    /// with each invalid sequence replaced by U+FFFD (what the string paths of the GGUF and tokenizer readers give).
    /// </summary>
    public static ReadOnlySpan<byte> ReplaceInvalid(ReadOnlySpan<byte> text) =>
        System.Text.Unicode.Utf8.IsValid(text) ? text : System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(text));

    public const int ReplacementCharacter = 0xFFFD;

    /// <summary>Sequence length implied by a lead byte's high nibble (0x0–0xB → 1, 0xC–0xD → 2, 0xE → 3, 0xF → 4); no validation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SequenceLength(byte lead) => (int)((0x4322_1111_1111_1111UL >> ((lead >> 4) << 2)) & 0xF);

    /// <summary>
    /// Decodes like <c>unicode_cpts_from_utf8</c>: the lead byte decides the length, continuation bytes must
    /// be 10xxxxxx and present; otherwise U+FFFD is produced and one byte consumed. Overlong forms and
    /// surrogates are accepted as decoded. Code points above U+10FFFF (F4 90.. – F7 ..) become U+FFFD, where
    /// llama.cpp would later throw while re-encoding them.
    /// </summary>
    /// <returns>the number of code points written (at most <paramref name="utf8"/>.Length).</returns>
    public static int DecodeLenient(ReadOnlySpan<byte> utf8, Span<int> codepoints)
    {
        int n = 0;
        int i = 0;
        while (i < utf8.Length)
        {
            byte b0 = utf8[i];
            if (b0 < 0x80)
            {
                codepoints[n++] = b0;
                i++;
                continue;
            }
            int cpt = ReplacementCharacter;
            int length = 1;
            if ((b0 & 0xE0) == 0xC0)
            {
                if (i + 1 < utf8.Length && IsContinuation(utf8[i + 1]))
                {
                    cpt = ((b0 & 0x1F) << 6) | (utf8[i + 1] & 0x3F);
                    length = 2;
                }
            }
            else if ((b0 & 0xF0) == 0xE0)
            {
                if (i + 2 < utf8.Length && IsContinuation(utf8[i + 1]) && IsContinuation(utf8[i + 2]))
                {
                    cpt = ((b0 & 0x0F) << 12) | ((utf8[i + 1] & 0x3F) << 6) | (utf8[i + 2] & 0x3F);
                    length = 3;
                }
            }
            else if ((b0 & 0xF8) == 0xF0)
            {
                if (i + 3 < utf8.Length && IsContinuation(utf8[i + 1]) && IsContinuation(utf8[i + 2]) && IsContinuation(utf8[i + 3]))
                {
                    cpt = ((b0 & 0x07) << 18) | ((utf8[i + 1] & 0x3F) << 12) | ((utf8[i + 2] & 0x3F) << 6) | (utf8[i + 3] & 0x3F);
                    length = 4;
                    if (cpt > UnicodeTables.MaxCodepoint) cpt = ReplacementCharacter;
                }
            }
            codepoints[n++] = cpt;
            i += length;
        }
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsContinuation(byte b) => (b & 0xC0) == 0x80;

    /// <summary>Encodes one code point (no surrogate check, like llama.cpp); returns the byte count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Encode(int cpt, Span<byte> destination)
    {
        if (cpt < 0x80)
        {
            destination[0] = (byte)cpt;
            return 1;
        }
        if (cpt < 0x800)
        {
            destination[0] = (byte)(0xC0 | (cpt >> 6));
            destination[1] = (byte)(0x80 | (cpt & 0x3F));
            return 2;
        }
        if (cpt < 0x10000)
        {
            destination[0] = (byte)(0xE0 | (cpt >> 12));
            destination[1] = (byte)(0x80 | ((cpt >> 6) & 0x3F));
            destination[2] = (byte)(0x80 | (cpt & 0x3F));
            return 3;
        }
        destination[0] = (byte)(0xF0 | (cpt >> 18));
        destination[1] = (byte)(0x80 | ((cpt >> 12) & 0x3F));
        destination[2] = (byte)(0x80 | ((cpt >> 6) & 0x3F));
        destination[3] = (byte)(0x80 | (cpt & 0x3F));
        return 4;
    }

    /// <summary>Number of UTF-8 bytes <see cref="Encode"/> writes for <paramref name="cpt"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int EncodedLength(int cpt) => cpt < 0x80 ? 1 : cpt < 0x800 ? 2 : cpt < 0x10000 ? 3 : 4;
}
