using System.Text;

namespace Corral.Engine.Tokenizers;

/// <summary>
/// Turns generated tokens into text one token at a time, the way a streaming server emits them
/// (<c>token_to_piece</c> per token, no leading-space strip, no clean-up). Bytes of a UTF-8 character
/// that is split over several tokens (byte-fallback tokens, or BPE tokens cutting a character) are held
/// back until the character is complete, so no returned string ever contains half a character.
/// <see cref="Flush"/> releases what is left, with U+FFFD for bytes that never formed a character.
/// One instance per sequence; not thread-safe. Allocates nothing per token beyond the returned string.
/// </summary>
public sealed class StreamingDetokenizer
{
    private readonly Tokenizer _tokenizer;
    private readonly Decoder _decoder;
    private char[] _chars = new char[64];

    internal StreamingDetokenizer(Tokenizer tokenizer, bool special)
    {
        _tokenizer = tokenizer;
        Special = special;
        // the decoder keeps an incomplete trailing sequence between calls and replaces invalid bytes with U+FFFD
        _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    }

    /// <summary>Whether CONTROL/UNKNOWN tokens are rendered as their text (otherwise they produce nothing).</summary>
    public bool Special { get; }

    /// <summary>The text completed by <paramref name="token"/>; empty while a character is still incomplete.</summary>
    public string Append(int token)
    {
        var piece = _tokenizer.TokenToPiece(token, Special);
        if (piece.IsEmpty) return string.Empty;
        int needed = _decoder.GetCharCount(piece, flush: false);
        if (needed == 0)
        {
            // still inside a character: feed the bytes so the decoder remembers them
            _decoder.GetChars(piece, Span<char>.Empty, flush: false);
            return string.Empty;
        }
        if (needed > _chars.Length) _chars = new char[Math.Max(needed, _chars.Length * 2)];
        int n = _decoder.GetChars(piece, _chars, flush: false);
        return new string(_chars, 0, n);
    }

    /// <summary>Ends the sequence: held-back bytes become U+FFFD. The detokenizer is then ready for a new sequence.</summary>
    public string Flush()
    {
        int needed = _decoder.GetCharCount([], flush: true);
        if (needed > _chars.Length) _chars = new char[needed];
        int n = _decoder.GetChars([], _chars, flush: true);
        _decoder.Reset();
        return n == 0 ? string.Empty : new string(_chars, 0, n);
    }

    /// <summary>Drops any held-back bytes.</summary>
    public void Reset() => _decoder.Reset();
}
