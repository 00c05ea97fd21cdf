using Corral.Engine.Tokenizers.Unicode;

namespace Corral.Engine.Tests.Tokenizers;

public sealed class UnicodeTablesTests
{
    [Theory]
    [InlineData('A', CodepointFlags.Letter)]
    [InlineData('7', CodepointFlags.Number)]
    [InlineData(' ', CodepointFlags.Separator | CodepointFlags.Whitespace)]
    [InlineData('\n', CodepointFlags.Control | CodepointFlags.Whitespace)]
    [InlineData('$', CodepointFlags.Symbol)]
    [InlineData('!', CodepointFlags.Punctuation)]
    [InlineData(0x00A0, CodepointFlags.Separator | CodepointFlags.Whitespace)]
    [InlineData(0x0085, CodepointFlags.Control | CodepointFlags.Whitespace)]
    [InlineData(0x0301, CodepointFlags.AccentMark)]
    [InlineData(0x00BD, CodepointFlags.Number)]          // ½ is No
    [InlineData(0x1F999, CodepointFlags.Symbol)]         // 🦙
    [InlineData(0x20000, CodepointFlags.Letter)]         // CJK Ext-B: a letter, not two surrogates
    [InlineData(0x2EBF0, CodepointFlags.Letter)]         // CJK Ext-I (Unicode 15.1, as llama.cpp)
    [InlineData(0x2FFC, CodepointFlags.Symbol)]          // 15.1 ideographic description character
    [InlineData(0x1FAE9, CodepointFlags.Undefined)]      // assigned only in Unicode 16
    [InlineData(0xD800, CodepointFlags.Control)]         // Cs
    [InlineData(0xE000, CodepointFlags.Control)]         // Co
    [InlineData(0x0378, CodepointFlags.Undefined)]
    [InlineData(0x110000, CodepointFlags.Undefined)]
    public void Flags_FollowTheCategoryTable(int cpt, CodepointFlags expected) => Assert.Equal(expected, UnicodeTables.GetFlags(cpt));

    [Fact]
    public void EveryCodepoint_HasExactlyOneCategory()
    {
        int bad = -1;
        for (int cpt = 0; cpt <= UnicodeTables.MaxCodepoint && bad < 0; cpt++)
        {
            var category = (int)(UnicodeTables.GetFlags(cpt) & CodepointFlags.CategoryMask);
            if (category == 0 || (category & (category - 1)) != 0) bad = cpt;
        }
        Assert.True(bad < 0, $"U+{bad:X4} has category bits {UnicodeTables.GetFlags(bad)}");
    }

    [Fact]
    public void Whitespace_IsLlamaCppsFixedSet()
    {
        var expected = new HashSet<int>(UnicodeTables.WhitespaceCodepoints.ToArray());
        var found = new HashSet<int>();
        for (int cpt = 0; cpt <= UnicodeTables.MaxCodepoint; cpt++)
            if ((UnicodeTables.GetFlags(cpt) & CodepointFlags.Whitespace) != 0) found.Add(cpt);
        Assert.Equal(expected.Order(), found.Order());
    }

    [Theory]
    [InlineData('A', 'a')]
    [InlineData('a', 'a')]
    [InlineData(0x00C9, 0x00E9)]   // É
    [InlineData(0x0130, 'i')]      // İ: simple mapping is plain i
    [InlineData(0x212A, 'k')]      // Kelvin sign
    [InlineData(0x1E9E, 0x00DF)]   // ẞ
    [InlineData(0x10400, 0x10428)] // Deseret
    [InlineData(0x4E00, 0x4E00)]
    public void ToLower_UsesSimpleMappings(int cpt, int lower) => Assert.Equal(lower, UnicodeTables.ToLower(cpt));

    [Theory]
    [InlineData(0x00E9, 'e')]      // é
    [InlineData(0x1EBF, 'e')]      // ế: two marks deep
    [InlineData(0x212B, 'A')]      // Å (Angstrom) → Å → A
    [InlineData(0xAC00, 0x1100)]   // 가 → leading jamo ᄀ
    [InlineData(0xD7A3, 0x1112)]   // 힣
    [InlineData('e', 'e')]
    [InlineData(0x00C6, 0x00C6)]   // Æ has no decomposition
    public void DecompositionFirst_IsTheBaseCharacter(int cpt, int first) => Assert.Equal(first, UnicodeTables.DecompositionFirst(cpt));

    [Fact]
    public void Gpt2ByteMap_IsABijectionWithTheKnownAnchors()
    {
        var seen = new HashSet<int>();
        for (int b = 0; b < 256; b++)
        {
            int cpt = Gpt2ByteMap.ToCodepoint((byte)b);
            Assert.True(seen.Add(cpt));
            Assert.Equal(b, Gpt2ByteMap.ToByte(cpt));
        }
        Assert.Equal(0x120, Gpt2ByteMap.ToCodepoint((byte)' '));
        Assert.Equal(0x10A, Gpt2ByteMap.ToCodepoint((byte)'\n'));
        Assert.Equal(0x121, Gpt2ByteMap.ToCodepoint(0x7F));
        Assert.Equal(0x143, Gpt2ByteMap.ToCodepoint(0xAD));
        Assert.Equal('A', Gpt2ByteMap.ToCodepoint((byte)'A'));
        Assert.Equal(-1, Gpt2ByteMap.ToByte(0x4E00));
    }

    [Fact]
    public void DecodeLenient_FollowsLlamaCpp()
    {
        int[] Decode(params byte[] bytes)
        {
            var cpts = new int[bytes.Length];
            return cpts[..Utf8Text.DecodeLenient(bytes, cpts)];
        }
        Assert.Equal(['a', 0xE9], Decode(0x61, 0xC3, 0xA9));
        Assert.Equal([0xFFFD, 'a'], Decode(0x80, 0x61));                  // stray continuation byte
        Assert.Equal([0xFFFD, 0xFFFD, 'a'], Decode(0xE2, 0x82, 0x61));    // truncated: one U+FFFD per byte
        Assert.Equal([0], Decode(0xC0, 0x80));                              // overlong accepted as decoded
        Assert.Equal([0xD800], Decode(0xED, 0xA0, 0x80));                   // surrogate accepted
        Assert.Equal([0xFFFD], Decode(0xF4, 0x90, 0x80, 0x80));             // above U+10FFFF
        Assert.Equal([0xFFFD, 0xFFFD], Decode(0xF8, 0x80));
    }

    [Theory]
    [InlineData(0x41, 1)]
    [InlineData(0xBF, 1)]
    [InlineData(0xC3, 2)]
    [InlineData(0xE2, 3)]
    [InlineData(0xF0, 4)]
    [InlineData(0xFF, 4)]
    public void SequenceLength_ComesFromTheHighNibble(byte lead, int length) => Assert.Equal(length, Utf8Text.SequenceLength(lead));
}
