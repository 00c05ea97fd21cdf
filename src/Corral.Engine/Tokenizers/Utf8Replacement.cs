using System.Buffers;
using System.Text;

namespace Corral.Engine.Tokenizers;

/// <summary>
/// Bytes → text with one U+FFFD per byte that is not part of a complete, well-formed UTF-8 sequence.
/// This is what the reference outputs show (e.g. <c>E0 A6 'a'</c> → <c>��a</c>), unlike the WHATWG/.NET
/// rule that replaces a truncated sequence with a single U+FFFD.
/// </summary>
internal static class Utf8Replacement
{
    /// <summary>
    /// Decodes <paramref name="bytes"/> into <paramref name="output"/> (which must hold at least
    /// <paramref name="bytes"/>.Length chars: no byte yields more than one char). Unless
    /// <paramref name="final"/>, a trailing incomplete-but-valid sequence is left undecoded.
    /// </summary>
    /// <returns>the number of trailing bytes left undecoded (always 0 when <paramref name="final"/>).</returns>
    public static int Decode(ReadOnlySpan<byte> bytes, Span<char> output, out int written, bool final)
    {
        int w = 0;
        int i = 0;
        while (i < bytes.Length)
        {
            byte b = bytes[i];
            if (b < 0x80)
            {
                output[w++] = (char)b;
                i++;
                continue;
            }
            var status = Rune.DecodeFromUtf8(bytes[i..], out var rune, out int consumed);
            if (status == OperationStatus.Done)
            {
                w += rune.EncodeToUtf16(output[w..]);
                i += consumed;
            }
            else if (status == OperationStatus.NeedMoreData && !final)
            {
                break;
            }
            else
            {
                output[w++] = '\uFFFD';
                i++;
            }
        }
        written = w;
        return bytes.Length - i;
    }

    /// <summary>The whole of <paramref name="bytes"/> as a string, broken bytes replaced one by one.</summary>
    public static string ToString(ReadOnlySpan<byte> bytes)
    {
        char[] buffer = ArrayPool<char>.Shared.Rent(Math.Max(16, bytes.Length));
        try
        {
            Decode(bytes, buffer, out int written, final: true);
            return new string(buffer, 0, written);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }
}
