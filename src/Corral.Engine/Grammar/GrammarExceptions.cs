namespace Corral.Engine.Grammar;

/// <summary>A GBNF grammar text that cannot be parsed or used. The message names the problem and its line and column.</summary>
public sealed class GbnfParseException : Exception
{
    public GbnfParseException(string problem, int line, int column)
        : base($"invalid grammar: {problem} (line {line}, column {column})")
    {
        Problem = problem;
        Line = line;
        Column = column;
    }

    /// <summary>The problem without the position.</summary>
    public string Problem { get; }

    /// <summary>1-based line of the offending text.</summary>
    public int Line { get; }

    /// <summary>1-based column (in UTF-16 characters) of the offending text.</summary>
    public int Column { get; }
}

/// <summary>
/// A grammar that cannot be applied: a token the grammar does not allow was accepted, or a token terminal
/// does not exist in the vocabulary.
/// </summary>
public sealed class GrammarException : Exception
{
    public GrammarException(string message) : base(message) { }
}

/// <summary>
/// A JSON Schema that cannot be turned into a grammar, typically because it uses a keyword whose constraint the
/// grammar could not enforce. <see cref="Keyword"/> and <see cref="SchemaPath"/> (a JSON pointer into the schema)
/// say where.
/// </summary>
public sealed class JsonSchemaConversionException : Exception
{
    public JsonSchemaConversionException(string schemaPath, string keyword, string problem)
        : base($"unsupported JSON schema: {problem} (keyword '{keyword}' at {schemaPath})")
    {
        SchemaPath = schemaPath;
        Keyword = keyword;
        Problem = problem;
    }

    /// <summary>JSON pointer of the schema object holding the keyword, e.g. <c>#/properties/tags</c>.</summary>
    public string SchemaPath { get; }

    /// <summary>The keyword that could not be honoured.</summary>
    public string Keyword { get; }

    /// <summary>The problem without the location.</summary>
    public string Problem { get; }
}
