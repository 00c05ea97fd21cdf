namespace Corral.Engine.Tokenizers;

/// <summary>
/// Turns generated tokens into text one token at a time, the way a streaming server emits them
/// (<c>token_to_piece</c> per token, no leading-space strip, no clean-up). Bytes of a UTF-8 character
/// that is split over several tokens (byte-fallback tokens, or BPE tokens cutting a character) are held
/// back until the character is complete, so no returned string ever contains half a character. Bytes
/// that cannot become a character are emitted as U+FFFD, one per byte; <see cref="Flush"/> does the same
/// for bytes still held at the end. One instance per sequence; not thread-safe. Allocates nothing per
/// token beyond the returned string.
/// </summary>
public sealed class StreamingDetokenizer
{
    private readonly Tokenizer _tokenizer;
    private byte[] _bytes = new byte[64];
    private int _pending; // bytes of an incomplete character kept at the start of _bytes
    private char[] _chars = new char[64];

    internal StreamingDetokenizer(Tokenizer tokenizer, bool special)
    {
        _tokenizer = tokenizer;
        Special = special;
    }

    /// <summary>Whether CONTROL/UNKNOWN tokens are rendered as their text (otherwise they produce nothing).</summary>
    public bool Special { get; }

    /// <summary>True while bytes of an unfinished character are held back.</summary>
    public bool HasPendingBytes => _pending > 0;

    /// <summary>The text completed by <paramref name="token"/>; empty while a character is still incomplete.</summary>
    public string Append(int token)
    {
        var piece = _tokenizer.TokenToPiece(token, Special);
        if (piece.IsEmpty) return string.Empty;
        int total = _pending + piece.Length;
        if (_bytes.Length < total) Array.Resize(ref _bytes, Math.Max(total, _bytes.Length * 2));
        piece.CopyTo(_bytes.AsSpan(_pending));
        return Decode(total, final: false);
    }

    /// <summary>Ends the sequence: held-back bytes become U+FFFD each. The detokenizer is then ready for a new sequence.</summary>
    public string Flush() => _pending == 0 ? string.Empty : Decode(_pending, final: true);

    /// <summary>Drops any held-back bytes.</summary>
    public void Reset() => _pending = 0;

    private string Decode(int length, bool final)
    {
        if (_chars.Length < length) _chars = new char[Math.Max(length, _chars.Length * 2)];
        int kept = Utf8Replacement.Decode(_bytes.AsSpan(0, length), _chars, out int written, final);
        _bytes.AsSpan(length - kept, kept).CopyTo(_bytes);
        _pending = kept;
        return written == 0 ? string.Empty : new string(_chars, 0, written);
    }
}
