namespace Corral.Templates.Jinja.Syntax;

internal enum TokenKind : byte
{
    /// <summary>Literal template text between tags.</summary>
    Data,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    /// <summary>An operator or punctuation; <see cref="Token.Text"/> holds it (<c>==</c>, <c>(</c>, <c>|</c>...).</summary>
    Operator,
    End,
}

/// <summary>One lexical token with its 1-based source line. For strings <see cref="Text"/> is the unescaped value.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Line)
{
    public bool IsOperator(string op) => Kind == TokenKind.Operator && Text == op;
    public bool IsName(string name) => Kind == TokenKind.Name && Text == name;

    public string Describe() => Kind switch
    {
        TokenKind.End => "end of template",
        TokenKind.VariableEnd => "end of print statement",
        TokenKind.BlockEnd => "end of statement block",
        TokenKind.Data => "template data",
        TokenKind.String => "string",
        TokenKind.Integer or TokenKind.Float => "number",
        _ => $"'{Text}'",
    };
}
