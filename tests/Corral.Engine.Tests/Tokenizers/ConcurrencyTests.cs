namespace Corral.Engine.Tests.Tokenizers;

public sealed class ConcurrencyTests
{
    [Theory]
    [InlineData("qwen2")]
    [InlineData("llama-spm")]
    [InlineData("deepseek-coder")]
    public void ParallelEncodes_GiveTheSameIds(string name)
    {
        // one shared tokenizer, per-thread scratch: results must not depend on interleaving
        var t = VocabTestData.Tokenizer(name);
        var cases = VocabTestData.ReadCases(name);
        Parallel.For(0, cases.Count * 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var c = cases[i % cases.Count];
            Assert.Equal(c.Expected, t.Encode(c.Text, addSpecial: false, parseSpecial: false));
        });
    }
}
