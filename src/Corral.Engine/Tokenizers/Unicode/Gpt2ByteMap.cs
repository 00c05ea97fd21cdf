namespace Corral.Engine.Tokenizers.Unicode;

/// <summary>
/// GPT-2's reversible byte ↔ code point alphabet (spec A4): printable Latin-1 bytes map to themselves,
/// the other 68 bytes, in increasing order, to U+0100.. (space → Ġ U+0120, newline → Ċ U+010A).
/// </summary>
public static class Gpt2ByteMap
{
    private static readonly int[] s_byteToCodepoint = BuildByteToCodepoint();
    private static readonly short[] s_codepointToByte = BuildCodepointToByte();

    /// <summary>The code point that stands for <paramref name="b"/>.</summary>
    public static int ToCodepoint(byte b) => s_byteToCodepoint[b];

    /// <summary>The byte a code point stands for, or -1 when the code point is not in the alphabet.</summary>
    public static int ToByte(int cpt) => (uint)cpt < (uint)s_codepointToByte.Length ? s_codepointToByte[cpt] : -1;

    private static bool MapsToItself(int b) => b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    private static int[] BuildByteToCodepoint()
    {
        var map = new int[256];
        int next = 0x100;
        for (int b = 0; b < 256; b++) map[b] = MapsToItself(b) ? b : next++;
        return map;
    }

    private static short[] BuildCodepointToByte()
    {
        var map = new short[0x100 + 68];
        Array.Fill(map, (short)-1);
        for (int b = 0; b < 256; b++) map[s_byteToCodepoint[b]] = (short)b;
        return map;
    }
}
