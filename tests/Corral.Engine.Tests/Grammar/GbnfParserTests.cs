using System.Text;
using Corral.Engine.Grammar;

namespace Corral.Engine.Tests.Grammar;

public class GbnfParserTests
{
    private static bool Matches(string grammar, string input) => CharacterGrammar.Matches(grammar, input);

    [Theory]
    [InlineData("""root ::= "abc" """, "abc", true)]
    [InlineData("""root ::= "abc" """, "ab", false)]
    [InlineData("""root ::= "a" | "b" | "" """, "", true)]
    [InlineData("""root ::= ("a" | "b") "c" """, "bc", true)]
    [InlineData("""root ::= [a-c]+ """, "abcabc", true)]
    [InlineData("""root ::= [a-c]+ """, "", false)]
    [InlineData("""root ::= [^a-c\n]* """, "xyz!", true)]
    [InlineData("""root ::= [^a-c\n]* """, "xaz", false)]
    [InlineData("""root ::= "x"* "y"? """, "xxxy", true)]
    [InlineData("""root ::= "x"{2} """, "xx", true)]
    [InlineData("""root ::= "x"{2} """, "xxx", false)]
    [InlineData("""root ::= "x"{2,} """, "xxxxx", true)]
    [InlineData("""root ::= "x"{2,} """, "x", false)]
    [InlineData("""root ::= "x"{1,3} """, "xxx", true)]
    [InlineData("""root ::= "x"{1,3} """, "xxxx", false)]
    [InlineData("""root ::= "x"{0,2} "y" """, "y", true)]
    [InlineData("""root ::= ("ab"){2} """, "abab", true)]
    [InlineData("""root ::= . . . """, "a中😀", true)]
    [InlineData("""root ::= [é中] "\u00e9" "\U0001F600" """, "中é😀", true)]
    [InlineData("""root ::= "\x41\t" [\[\]\\\-] "\"" """, "A\t]\"", true)]
    [InlineData("""root ::= [\x20-\x7E]+ """, "hello world", true)]
    [InlineData("root ::= a b # trailing comment\n# a comment line\na ::= \"a\"\nb ::= \"b\"\n", "ab", true)]
    [InlineData("root ::=\n  \"a\" |\n  \"b\"\nother ::= \"c\"\r\n", "b", true)]
    [InlineData("""root ::= ( "a" ( "b" | "c" )* )+ """, "abcab", true)]
    public void Semantics(string grammar, string input, bool matches) => Assert.Equal(matches, Matches(grammar, input));

    [Fact]
    public void RepetitionsBecomeHelperRules()
    {
        var grammar = GbnfGrammar.Parse("""root ::= "a"{2,3} [0-9]* ("b" | "c")""");
        Assert.Equal("""
            root ::= [a] [a] root-1 root-2 root-3
            root-1 ::= [a] | ""
            root-2 ::= [0-9] root-2 | ""
            root-3 ::= [b] | [c]

            """.Replace("\r", ""), grammar.Format());
        Assert.Equal(0, grammar.RootRuleId);
        Assert.Equal(["root", "root_1", "root_2", "root_3"], grammar.RuleNames);
    }

    [Fact]
    public void TokenTerminals()
    {
        var grammar = GbnfGrammar.Parse("root ::= <[12]> !<[7]> <think> !<|x|>");
        Assert.Equal(["<think>", "<|x|>"], grammar.TokenTexts);
        Assert.Equal(
            [new(GrammarElementType.Token, 12), new(GrammarElementType.TokenNot, 7), new(GrammarElementType.TokenText, 0),
             new(GrammarElementType.TokenTextNot, 1), new(GrammarElementType.End, 0)],
            grammar.Rules[0]);
    }

    [Fact]
    public void FormatRoundTrips()
    {
        var grammar = GbnfGrammar.Parse(OllamaJsonGrammar.Text);
        // Printing the reparsed grammar adds one level of helper rules only where groups were printed inline, so
        // compare what the two grammars accept instead of their text.
        var again = GbnfGrammar.Parse(grammar.Format());
        string[] inputs = ["{}", "{\"a\": [1, -2.5e3, true, null, \"x\\n\"]}", "{\"a\" : 1}", "[]", "{\"a\":}"];
        foreach (string input in inputs)
            Assert.Equal(Matches(OllamaJsonGrammar.Text, input), Matches(grammar.Format(), input));
        Assert.Equal(again.Rules.Count, GbnfGrammar.Parse(again.Format()).Rules.Count);
    }

    [Theory]
    [InlineData("", "the grammar is empty", 1, 1)]
    [InlineData("   # only a comment\n", "the grammar is empty", 1, 1)]
    [InlineData("foo ::= \"a\"", "the grammar has no 'root' rule", 1, 1)]
    [InlineData("root ::= \"abc", "unterminated string literal", 1, 10)]
    [InlineData("root ::= [a-z", "unterminated character class", 1, 10)]
    [InlineData("root ::= []", "empty character class", 1, 10)]
    [InlineData("root ::= [z-a]", "character range z-a is reversed", 1, 11)]
    [InlineData("root ::= \"a\" foo", "undefined rule 'foo'", 1, 14)]
    [InlineData("root ::= \"a\"\n\nx ::= y\n", "undefined rule 'y'", 3, 7)]
    [InlineData("root = \"a\"", "expecting '::=' after rule name 'root'", 1, 6)]
    [InlineData("root ::= \"\\q\"", "unknown escape '\\q'", 1, 11)]
    [InlineData("root ::= \"\\x4\"", "expecting 2 hex digits after '\\x'", 1, 14)]
    [InlineData("root ::= * \"a\"", "'*' has nothing before it to repeat", 1, 10)]
    [InlineData("root ::= \"a\"{2,1}", "repetition {2,1} has its maximum below its minimum", 1, 13)]
    [InlineData("root ::= \"a\"{3000}", "repetition count 3000 exceeds the limit of 2000", 1, 13)]
    [InlineData("root ::= \"a\"{2", "expecting ',' or '}' in the repetition count", 1, 15)]
    [InlineData("root ::= ( \"a\"", "unterminated group: expecting ')'", 1, 10)]
    [InlineData("root ::= \"a\" )", "unexpected ')' (expecting a newline or the end of the grammar)", 1, 14)]
    [InlineData("root ::= <[x]>", "expecting a token id in <[id]>", 1, 12)]
    [InlineData("root ::= !x", "expecting '<' after '!' (a negated token terminal looks like !<[id]> or !<text>)", 1, 11)]
    [InlineData("root ::= <think", "unterminated token terminal: expecting '>'", 1, 10)]
    [InlineData("root ::= \"a\" @", "unexpected '@' (expecting a newline or the end of the grammar)", 1, 14)]
    [InlineData("root ::= root \"a\"", "rule 'root' is left-recursive (it can reach itself without consuming input)", 1, 1)]
    [InlineData("root ::= \"q\" | b root\nb ::= c c\nc ::= \"z\"?", "rule 'root' is left-recursive (it can reach itself without consuming input)", 1, 1)]
    [InlineData("root ::= x\nx ::= (\"a\" | x) \"b\"", "rule 'x' is left-recursive (it can reach itself without consuming input)", 2, 1)]
    public void ErrorsNameTheProblemAndPosition(string grammar, string problem, int line, int column)
    {
        var ex = Assert.Throws<GbnfParseException>(() => GbnfGrammar.Parse(grammar));
        Assert.Equal(problem, ex.Problem);
        Assert.Equal((line, column), (ex.Line, ex.Column));
        Assert.Contains($"line {line}, column {column}", ex.Message);
    }
}
