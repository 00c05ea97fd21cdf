using System.Text;
using Corral.Engine.Tokenizers;

namespace Corral.Engine.Tests.Tokenizers;

/// <summary>
/// No Unigram vocabulary ships with test vectors, so these build small T5-style vocabularies whose best
/// segmentation is worked out by hand from the scores (spec A10).
/// </summary>
public sealed class UgmTokenizerTests
{
    // id: 0 <pad>, 1 </s>, 2 <unk>, then pieces with log-probability scores
    private static readonly string[] s_tokens = ["<pad>", "</s>", "<unk>", "▁", "▁he", "▁hello", "llo", "he", "l", "o", "h", "e", "▁world", "w", "r", "d", "<sep>"];
    private static readonly float[] s_scores = [0, 0, 0, -2, -3, -4, -3, -3, -2, -2, -2, -2, -5, -2, -2, -2, 0];

    private static Tokenizer Build(bool addSpacePrefix = true, bool removeExtraWhitespaces = true, byte[]? charsmap = null)
    {
        var types = new Dictionary<int, TokenType> { [0] = TokenType.Control, [1] = TokenType.Control, [2] = TokenType.Unknown, [16] = TokenType.UserDefined };
        var v = SyntheticVocab.Create("t5", s_tokens, types, s_scores)
            .Bool("tokenizer.ggml.add_space_prefix", addSpacePrefix)
            .Bool("tokenizer.ggml.remove_extra_whitespaces", removeExtraWhitespaces);
        if (charsmap != null) v.Bytes("tokenizer.ggml.precompiled_charsmap", charsmap);
        return v.LoadTokenizer();
    }

    private static int Id(string token) => Array.IndexOf(s_tokens, token);

    [Fact]
    public void Viterbi_PicksTheBestTotalScore()
    {
        var t = Build();
        // "▁hello" (-4) beats "▁he"+"llo" (-6) and "▁"+"h"+"e"+"l"+"l"+"o" (-12)
        Assert.Equal([Id("▁hello")], t.Encode("hello", addSpecial: false, parseSpecial: false));
        // T5 defaults: no BOS, EOS appended
        Assert.Equal([Id("▁hello"), Id("▁world"), 1], t.Encode("hello world", addSpecial: true, parseSpecial: false));
    }

    [Fact]
    public void UnknownCharacters_CollapseIntoOneUnk()
    {
        var t = Build();
        Assert.Equal([Id("▁he"), 2, Id("o")], t.Encode("heZZo", false, false));
    }

    [Fact]
    public void Whitespace_IsMergedOrKept()
    {
        Assert.Equal([Id("▁hello"), Id("▁world")], Build().Encode("  hello   world ", false, false));
        // without merging every space is a ▁ of its own (and no prefix when add_space_prefix is off):
        // "▁he▁▁world" = ▁he (-3, better than ▁ + he = -5), ▁, ▁world
        Assert.Equal([Id("▁he"), Id("▁"), Id("▁world")], Build(addSpacePrefix: false, removeExtraWhitespaces: false).Encode(" he  world", false, false));
    }

    [Fact]
    public void UserDefinedTokens_AreSplitAndScoredZero()
    {
        var t = Build();
        Assert.Equal([Id("▁hello"), 16, Id("▁world")], t.Encode("hello<sep>world", false, false));
    }

    [Fact]
    public void Charsmap_ReplacesLongestMatchingPrefix()
    {
        // full-width Ｈ (EF BC A8) → "h", and "w" → "wor" (so "wld" reads as "world")
        var charsmap = CharsmapBuilder.Build(new() { ["Ｈ"] = "h", ["w"] = "wor" });
        var t = Build(charsmap: charsmap);
        Assert.Equal([Id("▁hello"), Id("▁world")], t.Encode("Ｈello wld", false, false));
    }

    [Fact]
    public void CorruptCharsmap_IsAClearError()
    {
        var e = Assert.Throws<TokenizerException>(() => Build(charsmap: [200, 0, 0, 0, 1, 2]));
        Assert.Contains("precompiled_charsmap", e.Message);
    }

    [Fact]
    public void Detokenize_TurnsEscapedSpacesBack()
    {
        // add_space_prefix also means the first piece's space is dropped on the way back
        Assert.Equal("hello world", Build().Detokenize([Id("▁hello"), Id("▁world")]));
        Assert.Equal(" hello world", Build(addSpacePrefix: false).Detokenize([Id("▁hello"), Id("▁world")]));
    }
}

/// <summary>Builds a SentencePiece precompiled charsmap (XOR-compressed double array + replacement strings) for tests.</summary>
internal static class CharsmapBuilder
{
    public static byte[] Build(Dictionary<string, string> map)
    {
        // trie of the keys' bytes
        var children = new List<SortedDictionary<byte, int>> { new() };
        var leafValue = new List<int> { -1 };
        var strings = new MemoryStream();
        foreach (var (key, value) in map)
        {
            int node = 0;
            foreach (byte b in Encoding.UTF8.GetBytes(key))
            {
                if (!children[node].TryGetValue(b, out int child))
                {
                    child = children.Count;
                    children.Add(new SortedDictionary<byte, int>());
                    leafValue.Add(-1);
                    children[node][b] = child;
                }
                node = child;
            }
            leafValue[node] = (int)strings.Length;
            strings.Write(Encoding.UTF8.GetBytes(value));
            strings.WriteByte(0);
        }

        var entries = new Dictionary<int, uint>();
        var used = new HashSet<int> { 0 };
        int PickBase(IEnumerable<byte> bytes)
        {
            for (int b = 1; ; b++)
                if (!used.Contains(b) && bytes.All(c => !used.Contains(b ^ c))) return b;
        }

        // each trie node gets a base B: its value (if a key ends there) lives at B, its child c at B ^ c
        var bases = new int[children.Count];
        bases[0] = PickBase(children[0].Keys);
        used.Add(bases[0]);
        foreach (var c in children[0].Keys) used.Add(bases[0] ^ c);
        entries[0] = (uint)bases[0] << 10;
        var queue = new Queue<int>([0]);
        while (queue.Count > 0)
        {
            int node = queue.Dequeue();
            foreach (var (c, child) in children[node])
            {
                int slot = bases[node] ^ c;
                bases[child] = PickBase(children[child].Keys);
                used.Add(bases[child]);
                foreach (var cc in children[child].Keys) used.Add(bases[child] ^ cc);
                uint leaf = leafValue[child] >= 0 ? 1u << 8 : 0;
                entries[slot] = ((uint)(slot ^ bases[child]) << 10) | leaf | c;
                if (leafValue[child] >= 0) entries[bases[child]] = 0x8000_0000u | (uint)leafValue[child];
                queue.Enqueue(child);
            }
        }

        int size = entries.Keys.Max() + 1;
        var blob = new MemoryStream();
        blob.Write(BitConverter.GetBytes((uint)(size * 4)));
        for (int i = 0; i < size; i++) blob.Write(BitConverter.GetBytes(entries.GetValueOrDefault(i)));
        blob.Write(strings.ToArray());
        return blob.ToArray();
    }
}
