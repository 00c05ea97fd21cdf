using System.Runtime.CompilerServices;

namespace Corral.Engine.Tokenizers.Unicode;

/// <summary>
/// Code point lookups with llama.cpp's semantics (spec A4), built once from the generated
/// <see cref="UnicodeData"/> (Unicode 15.1, the version llama.cpp's tables use; .NET's
/// <c>CharUnicodeInfo</c> follows another version and sees UTF-16 surrogates, so it is not used).
/// </summary>
public static class UnicodeTables
{
    public const int MaxCodepoint = 0x10FFFF;
    private const int BlockShift = 8;
    private const int BlockSize = 1 << BlockShift;

    // two-stage table: s_blockIndex[cpt >> 8] selects a 256-entry block of flags; equal blocks are shared
    private static readonly ushort[] s_blockIndex;
    private static readonly CodepointFlags[] s_blocks;
    private static readonly uint[] s_lowerKeys;
    private static readonly uint[] s_lowerValues;
    private static readonly uint[] s_nfdFirst;
    private static readonly uint[] s_nfdLast;
    private static readonly uint[] s_nfdValue;

    static UnicodeTables()
    {
        var flags = new CodepointFlags[MaxCodepoint + 1];
        var runs = UnicodeData.CategoryRuns;
        for (int i = 0; i < runs.Length; i++)
        {
            int start = (int)(runs[i] >> 8);
            int end = i + 1 < runs.Length ? (int)(runs[i + 1] >> 8) : MaxCodepoint + 1;
            flags.AsSpan(start, end - start).Fill((CodepointFlags)(runs[i] & 0xFF));
        }
        foreach (int cpt in WhitespaceCodepoints) flags[cpt] |= CodepointFlags.Whitespace;

        int blockCount = (MaxCodepoint + 1) >> BlockShift;
        s_blockIndex = new ushort[blockCount];
        var unique = new List<CodepointFlags[]>();
        var seen = new Dictionary<string, int>();
        for (int b = 0; b < blockCount; b++)
        {
            var block = flags.AsSpan(b << BlockShift, BlockSize);
            string key = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(block));
            if (!seen.TryGetValue(key, out int index))
            {
                index = unique.Count;
                unique.Add(block.ToArray());
                seen.Add(key, index);
            }
            s_blockIndex[b] = (ushort)index;
        }
        s_blocks = new CodepointFlags[unique.Count * BlockSize];
        for (int i = 0; i < unique.Count; i++) unique[i].CopyTo(s_blocks, i * BlockSize);

        var lower = UnicodeData.LowercasePairs;
        s_lowerKeys = new uint[lower.Length / 2];
        s_lowerValues = new uint[lower.Length / 2];
        for (int i = 0; i < s_lowerKeys.Length; i++)
        {
            s_lowerKeys[i] = lower[2 * i];
            s_lowerValues[i] = lower[2 * i + 1];
        }

        var nfd = UnicodeData.DecompositionFirstRuns;
        s_nfdFirst = new uint[nfd.Length / 3];
        s_nfdLast = new uint[nfd.Length / 3];
        s_nfdValue = new uint[nfd.Length / 3];
        for (int i = 0; i < s_nfdFirst.Length; i++)
        {
            s_nfdFirst[i] = nfd[3 * i];
            s_nfdLast[i] = nfd[3 * i + 1];
            s_nfdValue[i] = nfd[3 * i + 2];
        }
    }

    /// <summary>llama.cpp's whitespace set (spec A4); a fixed list, not a Unicode property.</summary>
    public static ReadOnlySpan<int> WhitespaceCodepoints =>
    [
        0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680,
        0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A,
        0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
    ];

    /// <summary>Category and whitespace bits; code points above U+10FFFF are <see cref="CodepointFlags.Undefined"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodepointFlags GetFlags(int cpt)
    {
        if ((uint)cpt > MaxCodepoint) return CodepointFlags.Undefined;
        return s_blocks[(s_blockIndex[cpt >> BlockShift] << BlockShift) | (cpt & (BlockSize - 1))];
    }

    /// <summary>Simple lowercase mapping (UnicodeData field 13); unmapped code points are returned unchanged.</summary>
    public static int ToLower(int cpt)
    {
        if ((uint)cpt < 0x80) return (uint)(cpt - 'A') <= 'Z' - 'A' ? cpt + 32 : cpt;
        int i = Array.BinarySearch(s_lowerKeys, (uint)cpt);
        return i >= 0 ? (int)s_lowerValues[i] : cpt;
    }

    /// <summary>
    /// The first code point of the canonical decomposition (llama.cpp's 1:1 "NFD"): the base letter of a
    /// precomposed character, the leading jamo of a Hangul syllable, the code point itself otherwise.
    /// </summary>
    public static int DecompositionFirst(int cpt)
    {
        if ((uint)cpt < 0xC0) return cpt;
        int i = Array.BinarySearch(s_nfdFirst, (uint)cpt);
        if (i < 0) i = ~i - 1;
        return i >= 0 && (uint)cpt <= s_nfdLast[i] ? (int)s_nfdValue[i] : cpt;
    }

    /// <summary>The Han ranges of the Kimi-K2 pre-tokenizer (spec A4).</summary>
    public static bool IsHan(int cpt) =>
        (cpt >= 0x4E00 && cpt <= 0x9FFF) ||
        (cpt >= 0x3400 && cpt <= 0x4DBF) ||
        (cpt >= 0x20000 && cpt <= 0x2A6DF) ||
        (cpt >= 0x2A700 && cpt <= 0x2B73F) ||
        (cpt >= 0x2B740 && cpt <= 0x2B81F) ||
        (cpt >= 0x2B820 && cpt <= 0x2CEAF) ||
        (cpt >= 0x2CEB0 && cpt <= 0x2EBEF) ||
        (cpt >= 0xF900 && cpt <= 0xFAFF) ||
        (cpt >= 0x2F800 && cpt <= 0x2FA1F);
}
