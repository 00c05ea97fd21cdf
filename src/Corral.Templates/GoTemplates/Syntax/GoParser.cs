using System.Globalization;

namespace Corral.Templates.GoTemplates.Syntax;

/// <summary>
/// Recursive-descent parser following Go's <c>text/template/parse</c>: same grammar, same checks
/// (undefined functions and variables, break outside range, non-executable pipeline stages) and the same error wording.
/// </summary>
internal sealed class GoParser
{
    private readonly List<GoToken> _tokens;
    private readonly IReadOnlySet<string> _functions;
    private readonly Dictionary<string, GoListNode> _templates;
    private List<string> _vars = ["$"];
    private int _index;
    private int _lastLine = 1;
    private int _rangeDepth;
    private int _actionLine;

    private GoParser(List<GoToken> tokens, IReadOnlySet<string> functions, Dictionary<string, GoListNode> templates)
    {
        _tokens = tokens;
        _functions = functions;
        _templates = templates;
    }

    /// <summary>Parses <paramref name="text"/>; definitions (<c>define</c>/<c>block</c>) are added to <paramref name="templates"/>, the top level is returned.</summary>
    public static GoListNode Parse(string text, IReadOnlySet<string> functions, Dictionary<string, GoListNode> templates)
    {
        var parser = new GoParser(GoLexer.Tokenize(text), functions, templates);
        return parser.ParseTop();
    }

    // ---- token stream -------------------------------------------------------------------------------------------

    private GoToken Next()
    {
        // Past the end the last token (EOF or an error) repeats; the index still moves so Backup stays symmetric.
        var token = _tokens[Math.Min(_index, _tokens.Count - 1)];
        _index++;
        _lastLine = token.Line;
        return token;
    }

    private void Backup() => _index--;

    private GoToken Peek() => _tokens[Math.Min(_index, _tokens.Count - 1)];

    private GoToken NextNonSpace()
    {
        GoToken token;
        do token = Next(); while (token.Kind == GoTokenKind.Space);
        return token;
    }

    private GoToken PeekNonSpace()
    {
        var token = NextNonSpace();
        Backup();
        return token;
    }

    private GoToken Expect(GoTokenKind kind, string context)
    {
        var token = NextNonSpace();
        if (token.Kind != kind) throw Unexpected(token, context);
        return token;
    }

    private GoTemplateException Error(string message) => new($"template: :{_lastLine}: {message}", isParseError: true);

    private GoTemplateException Unexpected(GoToken token, string context)
    {
        if (token.Kind == GoTokenKind.Error)
        {
            string extra = "";
            if (_actionLine != 0 && _actionLine != token.Line)
            {
                extra = $" in action started at :{_actionLine}";
                if (token.Value.EndsWith(" action", StringComparison.Ordinal)) extra = extra[" in action".Length..];
            }
            return Error(token.Value + extra);
        }
        return Error($"unexpected {token} in {context}");
    }

    // ---- structure ----------------------------------------------------------------------------------------------

    private GoListNode ParseTop()
    {
        var root = new GoListNode(Peek().Pos);
        while (Peek().Kind != GoTokenKind.Eof)
        {
            if (Peek().Kind == GoTokenKind.LeftDelim)
            {
                int save = _index;
                Next();
                if (NextNonSpace().Kind == GoTokenKind.Define)
                {
                    ParseDefinition();
                    continue;
                }
                _index = save;
            }
            var node = TextOrAction();
            if (node is EndMarker or ElseMarker) throw Error($"unexpected {node}");
            root.Nodes.Add(node);
        }
        AddTemplate("", root);
        return root;
    }

    private void ParseDefinition()
    {
        const string context = "define clause";
        var nameToken = NextNonSpace();
        if (nameToken.Kind is not (GoTokenKind.String or GoTokenKind.RawString)) throw Unexpected(nameToken, context);
        string name = Unquote(nameToken.Value);
        Expect(GoTokenKind.RightDelim, context);
        var body = InNewTree(() =>
        {
            var (list, end) = ItemList();
            if (end is not EndMarker) throw Error($"unexpected {end} in {context}");
            return list;
        });
        AddTemplate(name, body);
    }

    /// <summary>Definitions are parsed as separate trees: fresh variable scope and range depth.</summary>
    private T InNewTree<T>(Func<T> parse)
    {
        var (vars, depth) = (_vars, _rangeDepth);
        _vars = ["$"];
        _rangeDepth = 0;
        try { return parse(); }
        finally { (_vars, _rangeDepth) = (vars, depth); }
    }

    private void AddTemplate(string name, GoListNode body)
    {
        if (!_templates.TryGetValue(name, out var existing) || IsEmptyTree(existing))
        {
            _templates[name] = body;
            return;
        }
        if (!IsEmptyTree(body)) throw Error($"template: multiple definition of template {GoQuote.Quote(name)}");
    }

    /// <summary>Go's <c>IsEmptyTree</c>: only whitespace text and comments.</summary>
    internal static bool IsEmptyTree(GoNode node) => node switch
    {
        GoListNode list => list.Nodes.All(IsEmptyTree),
        GoTextNode text => string.IsNullOrWhiteSpace(text.Text),
        GoCommentNode => true,
        _ => false,
    };

    private (GoListNode List, GoNode End) ItemList()
    {
        var list = new GoListNode(PeekNonSpace().Pos);
        while (PeekNonSpace().Kind != GoTokenKind.Eof)
        {
            var node = TextOrAction();
            if (node is EndMarker or ElseMarker) return (list, node);
            list.Nodes.Add(node);
        }
        throw Error("unexpected EOF");
    }

    private GoNode TextOrAction()
    {
        var token = NextNonSpace();
        switch (token.Kind)
        {
            case GoTokenKind.Text:
                return new GoTextNode(token.Pos, token.Value);
            case GoTokenKind.LeftDelim:
                _actionLine = token.Line;
                try { return Action(); }
                finally { _actionLine = 0; }
            default:
                throw Unexpected(token, "input");
        }
    }

    private GoNode Action()
    {
        var token = NextNonSpace();
        switch (token.Kind)
        {
            case GoTokenKind.Block: return BlockControl();
            case GoTokenKind.Break: return BreakOrContinue(token, isBreak: true);
            case GoTokenKind.Continue: return BreakOrContinue(token, isBreak: false);
            case GoTokenKind.Else: return ElseControl();
            case GoTokenKind.End: return new EndMarker(Expect(GoTokenKind.RightDelim, "end").Pos);
            case GoTokenKind.If: return IfControl();
            case GoTokenKind.Range: return RangeControl();
            case GoTokenKind.Template: return TemplateControl();
            case GoTokenKind.With: return WithControl();
        }
        Backup();
        var first = Peek();
        return new GoActionNode(first.Pos, first.Line, Pipeline("command", GoTokenKind.RightDelim));
    }

    private GoNode BreakOrContinue(GoToken keyword, bool isBreak)
    {
        string name = isBreak ? "{{break}}" : "{{continue}}";
        var token = NextNonSpace();
        if (token.Kind != GoTokenKind.RightDelim) throw Unexpected(token, name);
        if (_rangeDepth == 0) throw Error($"{name} outside {{{{range}}}}");
        return isBreak ? new GoBreakNode(keyword.Pos, keyword.Line) : new GoContinueNode(keyword.Pos, keyword.Line);
    }

    private GoNode ElseControl()
    {
        var peek = PeekNonSpace();
        // "{{else if ...}}" and "{{else with ...}}" leave the keyword pending for ParseControl.
        if (peek.Kind is GoTokenKind.If or GoTokenKind.With) return new ElseMarker(peek.Pos);
        return new ElseMarker(Expect(GoTokenKind.RightDelim, "else").Pos);
    }

    private (GoPipeNode Pipe, GoListNode List, GoListNode? Else) ParseControl(string context)
    {
        int varsMark = _vars.Count;
        try
        {
            var pipe = Pipeline(context, GoTokenKind.RightDelim);
            if (context == "range") _rangeDepth++;
            var (list, next) = ItemList();
            if (context == "range") _rangeDepth--;
            GoListNode? elseList = null;
            if (next is ElseMarker)
            {
                if (context == "if" && Peek().Kind == GoTokenKind.If)
                {
                    Next();
                    elseList = new GoListNode(next.Pos, [IfControl()]);
                }
                else if (context == "with" && Peek().Kind == GoTokenKind.With)
                {
                    Next();
                    elseList = new GoListNode(next.Pos, [WithControl()]);
                }
                else
                {
                    (elseList, var end) = ItemList();
                    if (end is not EndMarker) throw Error($"expected end; found {end}");
                }
            }
            return (pipe, list, elseList);
        }
        finally
        {
            _vars.RemoveRange(varsMark, _vars.Count - varsMark);
        }
    }

    private GoIfNode IfControl()
    {
        var (pipe, list, elseList) = ParseControl("if");
        return new GoIfNode(pipe.Pos, pipe.Line, pipe, list, elseList);
    }

    private GoRangeNode RangeControl()
    {
        var (pipe, list, elseList) = ParseControl("range");
        return new GoRangeNode(pipe.Pos, pipe.Line, pipe, list, elseList);
    }

    private GoWithNode WithControl()
    {
        var (pipe, list, elseList) = ParseControl("with");
        return new GoWithNode(pipe.Pos, pipe.Line, pipe, list, elseList);
    }

    private GoTemplateNode BlockControl()
    {
        const string context = "block clause";
        var token = NextNonSpace();
        string name = TemplateName(token, context);
        var pipe = Pipeline(context, GoTokenKind.RightDelim);
        var body = InNewTree(() =>
        {
            var (list, end) = ItemList();
            if (end is not EndMarker) throw Error($"unexpected {end} in {context}");
            return list;
        });
        AddTemplate(name, body);
        return new GoTemplateNode(token.Pos, token.Line, name, pipe);
    }

    private GoTemplateNode TemplateControl()
    {
        const string context = "template clause";
        var token = NextNonSpace();
        string name = TemplateName(token, context);
        GoPipeNode? pipe = null;
        if (NextNonSpace().Kind != GoTokenKind.RightDelim)
        {
            Backup();
            pipe = Pipeline(context, GoTokenKind.RightDelim);
        }
        return new GoTemplateNode(token.Pos, token.Line, name, pipe);
    }

    private string TemplateName(GoToken token, string context)
    {
        if (token.Kind is GoTokenKind.String or GoTokenKind.RawString) return Unquote(token.Value);
        throw Unexpected(token, context);
    }

    // ---- pipelines and operands ---------------------------------------------------------------------------------

    private GoPipeNode Pipeline(string context, GoTokenKind end)
    {
        var first = PeekNonSpace();
        var decl = new List<GoVariableNode>();
        bool isAssign = false;
    decls:
        if (PeekNonSpace().Kind == GoTokenKind.Variable)
        {
            int save = _index;
            var v = NextNonSpace();
            var next = PeekNonSpace();
            if (next.Kind is GoTokenKind.Assign or GoTokenKind.Declare)
            {
                isAssign = next.Kind == GoTokenKind.Assign;
                NextNonSpace();
                decl.Add(new GoVariableNode(v.Pos, v.Value.Split('.')));
                _vars.Add(v.Value);
            }
            else if (next.Kind == GoTokenKind.Char && next.Value == ",")
            {
                NextNonSpace();
                decl.Add(new GoVariableNode(v.Pos, v.Value.Split('.')));
                _vars.Add(v.Value);
                if (context == "range" && decl.Count < 2)
                {
                    if (PeekNonSpace().Kind is GoTokenKind.Variable or GoTokenKind.RightDelim or GoTokenKind.RightParen) goto decls;
                    throw Error("range can only initialize variables");
                }
                throw Error($"too many declarations in {context}");
            }
            else _index = save;
        }
        var cmds = new List<GoCommandNode>();
        while (true)
        {
            var token = NextNonSpace();
            if (token.Kind == end)
            {
                if (cmds.Count == 0) throw Error($"missing value for {context}");
                for (int i = 1; i < cmds.Count; i++)
                {
                    if (cmds[i].Args[0] is GoBoolNode or GoDotNode or GoNilNode or GoNumberNode or GoStringNode)
                        throw Error($"non executable command in pipeline stage {i + 1}");
                }
                return new GoPipeNode(first.Pos, first.Line, isAssign, decl, cmds);
            }
            switch (token.Kind)
            {
                case GoTokenKind.Bool or GoTokenKind.CharConstant or GoTokenKind.Dot or GoTokenKind.Field or GoTokenKind.Identifier
                    or GoTokenKind.Number or GoTokenKind.Nil or GoTokenKind.RawString or GoTokenKind.String or GoTokenKind.Variable
                    or GoTokenKind.LeftParen:
                    Backup();
                    cmds.Add(Command());
                    break;
                default:
                    throw Unexpected(token, context);
            }
        }
    }

    private GoCommandNode Command()
    {
        var args = new List<GoNode>();
        int pos = PeekNonSpace().Pos;
        while (true)
        {
            PeekNonSpace();
            var operand = Operand();
            if (operand != null) args.Add(operand);
            var token = Next();
            if (token.Kind == GoTokenKind.Space) continue;
            if (token.Kind is GoTokenKind.RightDelim or GoTokenKind.RightParen) Backup();
            else if (token.Kind != GoTokenKind.Pipe) throw Unexpected(token, "operand");
            break;
        }
        if (args.Count == 0) throw Error("empty command");
        return new GoCommandNode(pos, args);
    }

    private GoNode? Operand()
    {
        var node = Term();
        if (node == null) return null;
        if (Peek().Kind != GoTokenKind.Field) return node;
        var fields = new List<string>();
        int pos = Peek().Pos;
        while (Peek().Kind == GoTokenKind.Field) fields.AddRange(Next().Value[1..].Split('.'));
        switch (node)
        {
            case GoFieldNode f: return new GoFieldNode(pos, [.. f.Ident, .. fields]);
            case GoVariableNode v: return new GoVariableNode(pos, [.. v.Ident, .. fields]);
            case GoBoolNode or GoStringNode or GoNumberNode or GoNilNode or GoDotNode:
                throw Error($"unexpected . after term {GoQuote.Quote(node.ToString()!)}");
            default: return new GoChainNode(pos, node, fields.ToArray());
        }
    }

    private GoNode? Term()
    {
        var token = NextNonSpace();
        switch (token.Kind)
        {
            case GoTokenKind.Identifier:
                if (!_functions.Contains(token.Value)) throw Error($"function {GoQuote.Quote(token.Value)} not defined");
                return new GoIdentifierNode(token.Pos, token.Value);
            case GoTokenKind.Dot:
                return new GoDotNode(token.Pos);
            case GoTokenKind.Nil:
                return new GoNilNode(token.Pos);
            case GoTokenKind.Variable:
            {
                var v = new GoVariableNode(token.Pos, token.Value.Split('.'));
                if (!_vars.Contains(v.Ident[0])) throw Error($"undefined variable {GoQuote.Quote(v.Ident[0])}");
                return v;
            }
            case GoTokenKind.Field:
                return new GoFieldNode(token.Pos, token.Value[1..].Split('.'));
            case GoTokenKind.Bool:
                return new GoBoolNode(token.Pos, token.Value == "true");
            case GoTokenKind.CharConstant or GoTokenKind.Number:
                return ParseNumber(token);
            case GoTokenKind.LeftParen:
                return Pipeline("parenthesized pipeline", GoTokenKind.RightParen);
            case GoTokenKind.String or GoTokenKind.RawString:
                return new GoStringNode(token.Pos, token.Value, Unquote(token.Value));
        }
        Backup();
        return null;
    }

    private GoNumberNode ParseNumber(GoToken token)
    {
        string text = token.Value;
        if (token.Kind == GoTokenKind.CharConstant)
        {
            string s = GoStringLiteral.Unquote(text, out bool ok);
            if (!ok || s.EnumerateRunes().Count() != 1) throw Error($"malformed character constant: {text}");
            int rune = s.EnumerateRunes().First().Value;
            return new GoNumberNode(token.Pos, text, true, rune, true, rune);
        }
        bool isInt = GoStringLiteral.TryParseInt(text, out long i);
        bool isUint = GoStringLiteral.TryParseUint(text, out ulong u);
        if (isInt) return new GoNumberNode(token.Pos, text, true, i, true, i);
        if (isUint) return new GoNumberNode(token.Pos, text, false, 0, true, u);
        string clean = text.Replace("_", "");
        if (double.TryParse(clean, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && !clean.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            if (clean.AsSpan().IndexOfAny(".eEpP") < 0) throw Error($"integer overflow: {GoQuote.Quote(text)}");
            bool exactInt = Math.Floor(f) == f && f >= long.MinValue && f < 9.2233720368547758e18;
            return new GoNumberNode(token.Pos, text, exactInt, exactInt ? (long)f : 0, true, f);
        }
        throw Error($"illegal number syntax: {GoQuote.Quote(text)}");
    }

    private string Unquote(string literal)
    {
        string s = GoStringLiteral.Unquote(literal, out bool ok);
        if (!ok) throw Error("invalid syntax");
        return s;
    }

    /// <summary>Parser-internal markers returned for <c>{{end}}</c> and <c>{{else}}</c>.</summary>
    private sealed class EndMarker(int pos) : GoNode(pos)
    {
        public override string ToString() => "{{end}}";
        internal override GoNode Copy() => this;
    }

    private sealed class ElseMarker(int pos) : GoNode(pos)
    {
        public override string ToString() => "{{else}}";
        internal override GoNode Copy() => this;
    }
}
