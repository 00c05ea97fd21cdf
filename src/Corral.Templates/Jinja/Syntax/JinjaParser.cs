namespace Corral.Templates.Jinja.Syntax;

/// <summary>Recursive-descent parser producing the statement tree of a template (Jinja2's grammar).</summary>
internal sealed partial class JinjaParser
{
    private readonly List<Token> _tokens;
    private readonly List<string[]> _endTagStack = new();
    private readonly List<string> _tagStack = new();
    private int _index;

    private JinjaParser(List<Token> tokens) => _tokens = tokens;

    public static IReadOnlyList<Stmt> Parse(string source, JinjaOptions options)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source, options));
        var body = parser.ParseBody(null, out _);
        FilterTestValidator.Validate(body);
        return body;
    }

    private Token Current => _tokens[_index];
    private Token Peek(int ahead = 1) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];
    private Token Next() => _tokens[_index < _tokens.Count - 1 ? _index++ : _index];

    private bool SkipOperator(string op)
    {
        if (!Current.IsOperator(op)) return false;
        _index++;
        return true;
    }

    private bool SkipName(string name)
    {
        if (!Current.IsName(name)) return false;
        _index++;
        return true;
    }

    private Token ExpectOperator(string op)
    {
        if (!Current.IsOperator(op)) throw Fail($"expected token '{op}', got {Current.Describe()}");
        return Next();
    }

    private string ExpectName()
    {
        if (Current.Kind != TokenKind.Name) throw Fail($"expected name, got {Current.Describe()}");
        return Next().Text;
    }

    private void ExpectNameKeyword(string name)
    {
        if (!Current.IsName(name)) throw Fail($"expected '{name}', got {Current.Describe()}");
        _index++;
    }

    private void Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind) throw Fail($"expected {what}, got {Current.Describe()}");
        _index++;
    }

    private JinjaException Fail(string message) => Errors.Syntax(message, Current.Line);

    /// <summary>
    /// Parses statements until a block tag whose name is in <paramref name="endTags"/> (left as the current token)
    /// or the end of the template (an error if end tags were expected).
    /// </summary>
    private List<Stmt> ParseBody(string[]? endTags, out string? endTag)
    {
        if (endTags != null) _endTagStack.Add(endTags);
        try
        {
            return ParseBodyCore(endTags, out endTag);
        }
        finally
        {
            if (endTags != null) _endTagStack.RemoveAt(_endTagStack.Count - 1);
        }
    }

    private List<Stmt> ParseBodyCore(string[]? endTags, out string? endTag)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Data:
                    body.Add(new TextStmt(token.Text, token.Line));
                    _index++;
                    break;
                case TokenKind.VariableBegin:
                    _index++;
                    var value = ParseTuple(withCondExpr: true);
                    Expect(TokenKind.VariableEnd, "end of print statement");
                    body.Add(new OutputStmt(value, token.Line));
                    break;
                case TokenKind.BlockBegin:
                    _index++;
                    if (endTags != null && Current.Kind == TokenKind.Name && Array.IndexOf(endTags, Current.Text) >= 0)
                    {
                        endTag = Current.Text;
                        _index++;
                        return body;
                    }
                    body.Add(ParseStatement());
                    break;
                case TokenKind.End:
                    if (endTags != null) throw UnknownTag(null, token.Line);
                    endTag = null;
                    return body;
                default:
                    throw Fail($"unexpected {token.Describe()}");
            }
        }
    }

    /// <summary>Parses a body that must end with <paramref name="endTag"/>, consuming the end tag's <c>%}</c>.</summary>
    private List<Stmt> ParseBlockBody(string endTag)
    {
        var body = ParseBody([endTag], out _);
        Expect(TokenKind.BlockEnd, "end of statement block");
        return body;
    }

    private void EndOfTag()
    {
        SkipOperator(":");
        Expect(TokenKind.BlockEnd, "end of statement block");
    }

    /// <summary>Jinja2's wording for an unexpected tag (or end of template) while blocks are open.</summary>
    private JinjaException UnknownTag(string? name, int line)
    {
        var message = new List<string> { name == null ? "Unexpected end of template." : $"Encountered unknown tag '{name}'." };
        if (_endTagStack.Count > 0)
        {
            string looking = string.Join(" or ", _endTagStack[^1].Select(t => $"'{t}'"));
            if (name != null && _endTagStack.Any(tags => tags.Contains(name)))
                message.Add($"You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for {looking}.");
            else
                message.Add($"Jinja was looking for the following tags: {looking}.");
        }
        if (_tagStack.Count > 0) message.Add($"The innermost block that needs to be closed is '{_tagStack[^1]}'.");
        return Errors.Syntax(string.Join(" ", message), line);
    }

    private Stmt ParseStatement()
    {
        var token = Current;
        if (token.Kind != TokenKind.Name) throw Fail("tag name expected");
        _tagStack.Add(token.Text);
        try
        {
            return ParseStatementCore(token);
        }
        finally
        {
            _tagStack.RemoveAt(_tagStack.Count - 1);
        }
    }

    private Stmt ParseStatementCore(Token token)
    {
        int line = token.Line;
        _index++;
        switch (token.Text)
        {
            case "if": return ParseIf(line);
            case "for": return ParseFor(line);
            case "set": return ParseSet(line);
            case "macro": return ParseMacro(line);
            case "call": return ParseCallBlock(line);
            case "filter": return ParseFilterBlock(line);
            case "with": return ParseWith(line);
            case "break":
                Expect(TokenKind.BlockEnd, "end of statement block");
                return new BreakStmt(line);
            case "continue":
                Expect(TokenKind.BlockEnd, "end of statement block");
                return new ContinueStmt(line);
            case "do":
            {
                var value = ParseTuple(withCondExpr: true);
                Expect(TokenKind.BlockEnd, "end of statement block");
                return new DoStmt(value, line);
            }
            case "generation":
                EndOfTag();
                return new BlockBodyStmt(ParseBlockBody("endgeneration"), line);
            case "autoescape":
                ParseExpression();
                EndOfTag();
                return new BlockBodyStmt(ParseBlockBody("endautoescape"), line);
            case "include" or "import" or "from" or "extends" or "block":
                throw Errors.Syntax($"'{token.Text}' is not supported in chat templates (no template loader)", line);
            default:
                // The unknown tag is not an open block; restore the stack entry for ParseStatement's cleanup.
                _tagStack.RemoveAt(_tagStack.Count - 1);
                var error = UnknownTag(token.Text, line);
                _tagStack.Add(token.Text);
                throw error;
        }
    }

    private IfStmt ParseIf(int line)
    {
        var branches = new List<(Expr, IReadOnlyList<Stmt>)>();
        var test = ParseTuple(withCondExpr: false);
        EndOfTag();
        while (true)
        {
            var body = ParseBody(["elif", "else", "endif"], out var end);
            branches.Add((test, body));
            if (end == "elif")
            {
                test = ParseTuple(withCondExpr: false);
                EndOfTag();
                continue;
            }
            if (end == "else")
            {
                EndOfTag();
                var elseBody = ParseBlockBody("endif");
                return new IfStmt(branches, elseBody, line);
            }
            Expect(TokenKind.BlockEnd, "end of statement block");
            return new IfStmt(branches, null, line);
        }
    }

    private ForStmt ParseFor(int line)
    {
        var target = ParseAssignTarget(extraEnd: "in", withNamespace: false);
        ExpectNameKeyword("in");
        var iterable = ParseTuple(withCondExpr: false, extraEnd: "recursive");
        Expr? filter = null;
        if (SkipName("if")) filter = ParseExpression();
        bool recursive = SkipName("recursive");
        EndOfTag();
        var body = ParseBody(["endfor", "else"], out var end);
        List<Stmt>? elseBody = null;
        if (end == "else")
        {
            EndOfTag();
            elseBody = ParseBlockBody("endfor");
        }
        else Expect(TokenKind.BlockEnd, "end of statement block");
        return new ForStmt(target, iterable, filter, body, elseBody, recursive, line);
    }

    private Stmt ParseSet(int line)
    {
        var target = ParseAssignTarget(extraEnd: null, withNamespace: true);
        if (SkipOperator("="))
        {
            var value = ParseTuple(withCondExpr: true);
            Expect(TokenKind.BlockEnd, "end of statement block");
            return new SetStmt(target, value, line);
        }
        var filters = ParseFilterChain(inline: false);
        Expect(TokenKind.BlockEnd, "end of statement block");
        var body = ParseBlockBody("endset");
        return new SetBlockStmt(target, filters, body, line);
    }

    private MacroStmt ParseMacro(int line)
    {
        string name = ExpectName();
        var parameters = ParseSignature();
        EndOfTag();
        var body = ParseBody(["endmacro"], out _);
        if (Current.Kind == TokenKind.Name && Current.Text == name) _index++;
        Expect(TokenKind.BlockEnd, "end of statement block");
        return new MacroStmt(MakeMacro(name, parameters, body, line), line);
    }

    private List<MacroParam> ParseSignature()
    {
        var parameters = new List<MacroParam>();
        ExpectOperator("(");
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0) ExpectOperator(",");
            if (Current.IsOperator(")")) break;
            string param = ExpectName();
            Expr? defaultValue = SkipOperator("=") ? ParseExpression() : null;
            if (defaultValue == null && parameters.Count > 0 && parameters[^1].Default != null)
                throw Fail("non-default argument follows default argument");
            parameters.Add(new MacroParam(param, defaultValue));
        }
        ExpectOperator(")");
        return parameters;
    }

    private static MacroDef MakeMacro(string name, List<MacroParam> parameters, List<Stmt> body, int line)
    {
        var names = NameCollector.Collect(body);
        return new MacroDef(name, parameters, body, names.Contains("caller"), names.Contains("varargs"), names.Contains("kwargs"), line);
    }

    private CallBlockStmt ParseCallBlock(int line)
    {
        var parameters = Current.IsOperator("(") ? ParseSignature() : new List<MacroParam>();
        var call = ParseExpression();
        if (call is not CallExpr callExpr) throw Errors.Syntax("expected call", line);
        EndOfTag();
        var body = ParseBlockBody("endcall");
        return new CallBlockStmt(callExpr, MakeMacro("caller", parameters, body, line), line);
    }

    private FilterBlockStmt ParseFilterBlock(int line)
    {
        var filters = ParseFilterChain(inline: true);
        EndOfTag();
        var body = ParseBlockBody("endfilter");
        return new FilterBlockStmt(filters, body, line);
    }

    private WithStmt ParseWith(int line)
    {
        var assignments = new List<(Target, Expr)>();
        while (Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0) ExpectOperator(",");
            var target = ParseAssignTarget(extraEnd: null, withNamespace: false);
            ExpectOperator("=");
            assignments.Add((target, ParseExpression()));
        }
        _index++;
        var body = ParseBlockBody("endwith");
        return new WithStmt(assignments, body, line);
    }

    /// <summary>A filter chain <c>| f(args) | g</c> (for set blocks and filter blocks), applied to a body.</summary>
    private List<FilterExpr> ParseFilterChain(bool inline)
    {
        var filters = new List<FilterExpr>();
        while (inline || Current.IsOperator("|"))
        {
            if (!inline) _index++;
            inline = false;
            int line = Current.Line;
            string name = ParseDottedName();
            var args = Current.IsOperator("(") ? ParseCallArgs() : CallArgs.None;
            filters.Add(new FilterExpr(null, name, args, line));
        }
        return filters;
    }

    private Target ParseAssignTarget(string? extraEnd, bool withNamespace)
    {
        int line = Current.Line;
        if (withNamespace && Current.Kind == TokenKind.Name && Peek().IsOperator("."))
        {
            string owner = Next().Text;
            _index++;
            string attribute = ExpectName();
            return new AttrTarget(new NameExpr(owner, line), attribute, line);
        }
        var items = new List<Target>();
        bool isTuple = false;
        bool parenthesized = SkipOperator("(");
        while (true)
        {
            if (items.Count > 0) ExpectOperator(",");
            if (Current.Kind is TokenKind.BlockEnd || Current.IsOperator(")") || Current.IsOperator("=") || (extraEnd != null && Current.IsName(extraEnd)))
                break;
            if (Current.IsOperator("(")) items.Add(ParseAssignTarget(extraEnd, false));
            else if (Current.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Float)
                throw Fail("can't assign to 'const'");
            else
            {
                var nameToken = Current;
                string name = ExpectName();
                if (name is "true" or "false" or "none" or "True" or "False" or "None")
                    throw Errors.Syntax("can't assign to 'const'", nameToken.Line);
                items.Add(new NameTarget(name, nameToken.Line));
            }
            if (Current.IsOperator(",")) isTuple = true;
            else break;
        }
        if (parenthesized) ExpectOperator(")");
        if (items.Count == 0) throw Errors.Syntax("expected an assignment target", line);
        return isTuple || parenthesized && items.Count > 1 ? new TupleTarget(items, line) : items[0];
    }
}
