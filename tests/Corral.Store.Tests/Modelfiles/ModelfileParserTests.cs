using System.Text;
using Corral.Store.Modelfiles;

namespace Corral.Store.Tests.Modelfiles;

public class ModelfileParserTests
{
    private static ModelfileCommand From(string v) => new(ModelfileInstruction.From, v);
    private static ModelfileCommand Param(string k, string v) => new(ModelfileInstruction.Parameter, v, k);
    private static ModelfileCommand Msg(string role, string v) => new(ModelfileInstruction.Message, v, role);
    private static ModelfileCommand Cmd(ModelfileInstruction i, string v) => new(i, v);

    private static IReadOnlyList<ModelfileCommand> Parse(string s) => Modelfile.Parse(s).Commands;

    private static ModelfileException Fails(string s) => Assert.Throws<ModelfileException>(() => Modelfile.Parse(s));

    [Fact]
    public void AllInstructions()
    {
        const string input = """"

            FROM model1
            ADAPTER adapter1
            LICENSE MIT
            PARAMETER param1 value1
            PARAMETER param2 value2
            TEMPLATE """{{ if .System }}<|start_header_id|>system<|end_header_id|>

            {{ .System }}<|eot_id|>{{ end }}"""    
            SYSTEM You are helpful.
            DRAFT ./assistant
            RENDERER renderer1
            PARSER parser1
            REQUIRES 0.14.0
            MESSAGE user Hi
            """";
        Assert.Equal(
        [
            From("model1"),
            Cmd(ModelfileInstruction.Adapter, "adapter1"),
            Cmd(ModelfileInstruction.License, "MIT"),
            Param("param1", "value1"),
            Param("param2", "value2"),
            Cmd(ModelfileInstruction.Template, "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}"),
            Cmd(ModelfileInstruction.System, "You are helpful."),
            Cmd(ModelfileInstruction.Draft, "./assistant"),
            Cmd(ModelfileInstruction.Renderer, "renderer1"),
            Cmd(ModelfileInstruction.Parser, "parser1"),
            Cmd(ModelfileInstruction.Requires, "0.14.0"),
            Msg("user", "Hi"),
        ], Parse(input));
    }

    [Fact]
    public void InstructionsAreCaseInsensitiveButParameterNamesAndRolesKeepCase()
    {
        Assert.Equal([From("x"), Param("Temperature", "1"), Cmd(ModelfileInstruction.System, "s")],
            Parse("from x\nParameter Temperature 1\nsYsTeM s"));
        var e = Fails("FROM x\nMESSAGE User hi\n");
        Assert.Equal("(line 2): message role must be one of \"system\", \"user\", or \"assistant\"", e.Message);
        Assert.Equal(2, e.Line);
    }

    [Theory]
    [InlineData("FROM \"FOO  BAR  \"", "FOO  BAR  ")]
    [InlineData("FROM     FOOO BAR    ", "FOOO BAR")]
    [InlineData("FROM /what/is/the path ", "/what/is/the path")]
    [InlineData("FROM foo", "foo")]
    [InlineData("FROM llama3:7b-instruct-q4_K_M", "llama3:7b-instruct-q4_K_M")]
    [InlineData("FROM \"     model 1\"", "     model 1")]
    [InlineData("FROM\tx", "x")]
    [InlineData("FROM x\t\ty", "x\t\ty")]
    public void ValuesAreTrimmedThenUnquoted(string input, string value)
    {
        Assert.Equal([From(value)], Parse(input));
    }

    [Theory]
    [InlineData("SYSTEM \"\"\"\nThis is a\nmultiline system.\n\"\"\"\n", "\nThis is a\nmultiline system.\n")]
    [InlineData("SYSTEM \"\"\"\nThis is a\nmultiline system.\"\"\"\n", "\nThis is a\nmultiline system.")]
    [InlineData("SYSTEM \"\"\"This is a\nmultiline system.\"\"\"\n", "This is a\nmultiline system.")]
    [InlineData("SYSTEM \"\"\"This is a multiline system.\"\"\"", "This is a multiline system.")]
    [InlineData("SYSTEM \"\"\"\nwith \"quotes\".\n\"\"\"\n", "\nwith \"quotes\".\n")]
    [InlineData("SYSTEM \"\"\"\"\"\"\n", "")]
    [InlineData("SYSTEM \"\"\n", "")]
    [InlineData("SYSTEM \"'\"\n", "'")]
    [InlineData("SYSTEM \"\"\"''\"'\"\"'\"\"'\"'''''\"\"'\"\"'\"\"\"\n", "''\"'\"\"'\"\"'\"'''''\"\"'\"\"'")]
    [InlineData("SYSTEM \"a\nb\"", "a\nb")]
    [InlineData("SYSTEM 'single'", "'single'")]
    [InlineData("SYSTEM a \\n b", "a \\n b")]
    [InlineData("SYSTEM \"\"\"  keep edges  \"\"\"   ", "  keep edges  ")]
    [InlineData("SYSTEM \"\"\"a\r\nb\"\"\"", "a\r\nb")]
    [InlineData("SYSTEM # not a comment", "# not a comment")]
    public void Quoting(string system, string value)
    {
        Assert.Equal([From("foo"), Cmd(ModelfileInstruction.System, value)], Parse("FROM foo\n" + system));
    }

    [Theory]
    [InlineData("FROM foo\nSYSTEM \"\"\"This is a multiline system.\"\"\n")]
    [InlineData("FROM foo\nSYSTEM \"\n")]
    [InlineData("FROM foo\nSYSTEM \"\"\"")]
    [InlineData("FROM foo\nSYSTEM \"\"\"\"\"")]
    [InlineData("FROM foo\nPARAMETER param1")]
    [InlineData("FROM foo\nMESSAGE system")]
    [InlineData("FROM")]
    [InlineData("FROM foo\nSYSTEM")]
    public void UnexpectedEofAtEnd(string input)
    {
        Assert.Equal("unexpected EOF", Fails(input).Message);
    }

    [Theory]
    [InlineData("FROM foo\nPARAMETER param1\n", "unexpected EOF: param1")]
    [InlineData("FROM foo\nPARAMETER stop\n", "unexpected EOF: stop")]
    [InlineData("FROM foo\nPARAMETER na-me 1\n", "unexpected EOF: na")]
    [InlineData("FROM foo\nMESSAGE system\n", "unexpected EOF: system")]
    [InlineData("FROM foo\nMESSAGE us3r hi\n", "unexpected EOF: us")]
    public void UnexpectedEofWithPartialText(string input, string message)
    {
        Assert.Equal(message, Fails(input).Message);
    }

    [Theory]
    [InlineData("\nFROM foo\nBADCOMMAND param1 value1\n", 3)]
    [InlineData("FROM foo\nFROM2 x\n", 2)]
    [InlineData("FROM foo\nFR:OM x\n", 2)]
    [InlineData("FROM\n", 2)]
    [InlineData("FROM foo\r\nBAD x\r\n", 3)]
    [InlineData("FROM foo\r\n\r\nBAD x", 5)]
    [InlineData("# c\nFROM foo\nTEMPLATE\n", 4)]
    public void InvalidCommandReportsTheLine(string input, int line)
    {
        var e = Fails(input);
        Assert.Equal($"(line {line}): command must be one of \"from\", \"license\", \"template\", \"system\", \"adapter\", \"draft\", \"renderer\", \"parser\", \"parameter\", \"message\", or \"requires\"", e.Message);
        Assert.Equal(line, e.Line);
    }

    [Theory]
    [InlineData("")]
    [InlineData("PARAMETER param1 value1")]
    [InlineData("# only a comment\n")]
    [InlineData("SYSTEM hi\nLICENSE x")]
    public void NoFromLine(string input)
    {
        var e = Fails(input);
        Assert.Equal("no FROM line", e.Message);
        Assert.Null(e.Line);
    }

    [Fact]
    public void FromNeedNotComeFirst()
    {
        Assert.Equal([Param("param1", "value1"), From("foo")], Parse("PARAMETER param1 value1\nFROM foo"));
        Assert.Equal([Param("what", "the"), From("lemons make lemonade")], Parse("PARAMETER what the \nFROM lemons make lemonade "));
    }

    [Theory]
    [InlineData("stop ### User:", "stop", "### User:")]
    [InlineData("stop ### User: ", "stop", "### User:")]
    [InlineData("stop \"### User:\"", "stop", "### User:")]
    [InlineData("stop \"### User: \"", "stop", "### User: ")]
    [InlineData("stop \"\"\"### User:\"\"\"", "stop", "### User:")]
    [InlineData("stop \"\"\"### User:\n\"\"\"", "stop", "### User:\n")]
    [InlineData("stop <|endoftext|>", "stop", "<|endoftext|>")]
    [InlineData("stop </s>", "stop", "</s>")]
    [InlineData("num_ctx 1", "num_ctx", "1")]
    [InlineData("top_p 1.0", "top_p", "1.0")]
    [InlineData("use_mmap true", "use_mmap", "true")]
    [InlineData("Num_Ctx2_x 7", "Num_Ctx2_x", "7")]
    [InlineData("numa true", "numa", "true")]
    public void Parameters(string line, string name, string value)
    {
        Assert.Equal([From("foo"), Param(name, value)], Parse("FROM foo\nPARAMETER " + line + "\n"));
    }

    [Fact]
    public void Messages()
    {
        Assert.Equal(
        [
            From("foo"),
            Msg("system", "You are a file parser. Always parse things."),
            Msg("user", "Hey there!"),
            Msg("assistant", "Hello, I want to parse all the things!"),
            Msg("system", "\nYou are a multiline file parser. Always parse things.\n"),
        ], Parse(""""
            FROM foo
            MESSAGE system You are a file parser. Always parse things.
            MESSAGE user Hey there!
            MESSAGE assistant Hello, I want to parse all the things!
            MESSAGE system """
            You are a multiline file parser. Always parse things.
            """
            """"));
        Assert.Equal("(line 3): message role must be one of \"system\", \"user\", or \"assistant\"", Fails("\nFROM foo\nMESSAGE badguy I'm a bad guy!\n").Message);
    }

    [Fact]
    public void CommentsOnlyAtCommandPosition()
    {
        Assert.Equal([From("foo")], Parse("\n# comment\nFROM foo\n\t# indented comment\n  "));
        Assert.Equal([From("foo # not a comment")], Parse("FROM foo # not a comment"));
    }

    [Fact]
    public void ControlCharactersAreDroppedExceptTabsInValuesAndNewlinesInQuotes()
    {
        Assert.Equal([From("foo"), Cmd(ModelfileInstruction.System, "ab\tc")], Parse("FROM foo\nSYSTEM a\u0001b\tc\u0007\n"));
        Assert.Equal([From("foo"), Cmd(ModelfileInstruction.System, "a\r\nb")], Parse("FROM foo\r\nSYSTEM \"a\r\nb\"\r\n"));
        Assert.Equal([From("foo"), Cmd(ModelfileInstruction.System, "nbsp")], Parse("FROM foo\nSYSTEM nb\u00a0sp\u200b"));
        Assert.Equal([From("foo")], Parse("\u0000FROM foo"));
    }

    [Fact]
    public void MultiByteText()
    {
        Assert.Equal([From("test"), Cmd(ModelfileInstruction.System, "你好👋")], Parse("FROM test\n\tSYSTEM 你好👋"));
    }

    public static TheoryData<byte[]> Encodings()
    {
        const string text = "FROM bob\nPARAMETER param1 1\nPARAMETER param2 4096\nSYSTEM You are a utf16 file. 👋\n";
        return new()
        {
            Encoding.UTF8.GetBytes(text),
            new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(text)).ToArray(),
            new byte[] { 0xFF, 0xFE }.Concat(Encoding.Unicode.GetBytes(text)).ToArray(),
            new byte[] { 0xFE, 0xFF }.Concat(Encoding.BigEndianUnicode.GetBytes(text)).ToArray(),
        };
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void ByteOrderMarksSelectTheEncoding(byte[] bytes)
    {
        Assert.Equal(
            [From("bob"), Param("param1", "1"), Param("param2", "4096"), Cmd(ModelfileInstruction.System, "You are a utf16 file. 👋")],
            Modelfile.Parse(bytes).Commands);
        Assert.Equal(Modelfile.Parse(bytes).Commands, Modelfile.Parse(new MemoryStream(bytes)).Commands);
    }

    public static TheoryData<string> RoundTrips() => new()
    {
        "FROM foo\nADAPTER adapter1\nLICENSE MIT\nPARAMETER param1 value1\nPARAMETER param2 value2\nTEMPLATE template1\nMESSAGE system You are a file parser. Always parse things.\nMESSAGE user Hey there!\nMESSAGE assistant Hello, I want to parse all the things!\n",
        "FROM foo\nMESSAGE system \"\"\"\nYou are a store greeter. Always respond with \"Hello!\".\n\"\"\"\nMESSAGE user Hey there!\n",
        "FROM foo\nLICENSE \"\"\"\nVery long and boring legal text.\nBlah blah blah.\n\"Oh look, a quote!\"\n\"\"\"\n\nPARAMETER param1 value1\n",
        "FROM foo\nSYSTEM \"\"\n",
        "FROM foo\nSYSTEM \"  leading and trailing  \"\nPARAMETER stop \" \"\nPARAMETER stop <|eot_id|>\nTEMPLATE \"\"\"{{ .Prompt }}\n\"\"\"\n",
        "FROM /path/with spaces/model.gguf\nDRAFT ./d\nREQUIRES 0.14.0\nRENDERER r\nPARSER p\n",
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void PrintedTextParsesToTheSameCommands(string input)
    {
        var first = Modelfile.Parse(input);
        var printed = first.ToString();
        Assert.Equal(first.Commands, Modelfile.Parse(printed).Commands);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("<|eot_id|>", "<|eot_id|>")]
    [InlineData(" lead", "\" lead\"")]
    [InlineData("trail ", "\"trail \"")]
    [InlineData("multi\nline", "\"multi\nline\"")]
    [InlineData("say \"hi\"\nnow", "\"\"\"say \"hi\"\nnow\"\"\"")]
    [InlineData("say \"hi\"", "say \"hi\"")]
    [InlineData("", "")]
    [InlineData("\"quoted\"", "\"\"\"\"quoted\"\"\"\"")]
    [InlineData("\ttab", "\"\ttab\"")]
    [InlineData("a\rb", "\"a\rb\"")]
    public void QuoteRule(string value, string printed) => Assert.Equal(printed, ModelfileCommand.Quote(value));

    [Theory]
    [InlineData("\"quoted\"")]
    [InlineData("\"")]
    [InlineData("\ttabbed\t")]
    [InlineData("carriage\rreturn")]
    [InlineData(" x \"y\"\nz ")]
    [InlineData("ends with quote\"")]
    [InlineData("\n")]
    public void EdgeValuesRoundTrip(string value)
    {
        var mf = new Modelfile([new ModelfileCommand(ModelfileInstruction.From, "m"), new ModelfileCommand(ModelfileInstruction.System, value), new ModelfileCommand(ModelfileInstruction.Parameter, value, "stop")]);
        Assert.Equal(mf.Commands, Modelfile.Parse(mf.ToString()).Commands);
    }

    [Fact]
    public void CommandPrinting()
    {
        Assert.Equal("FROM  spaced ", From(" spaced ").ToString());
        Assert.Equal("PARAMETER stop \" \"", Param("stop", " ").ToString());
        Assert.Equal("MESSAGE user \" hi\"", Msg("user", " hi").ToString());
        Assert.Equal("TEMPLATE {{ .Prompt }}", Cmd(ModelfileInstruction.Template, "{{ .Prompt }}").ToString());
        Assert.Equal("REQUIRES 0.14.0", Cmd(ModelfileInstruction.Requires, "0.14.0").ToString());
    }
}
