using System.Globalization;

namespace Corral.Templates.Jinja.Syntax;

/// <summary>Expression grammar, lowest to highest precedence: conditional, or, and, not, comparison, + -, ~, * / // %, **, unary, filters/tests, postfix.</summary>
internal sealed partial class JinjaParser
{
    private Expr ParseExpression(bool withCondExpr = true) => withCondExpr ? ParseCondExpr() : ParseOr();

    /// <summary>Comma-separated expressions form a tuple (<c>{{ a, b }}</c>, <c>for x in a, b</c>).</summary>
    private Expr ParseTuple(bool withCondExpr, string? extraEnd = null, bool explicitParentheses = false)
    {
        int line = Current.Line;
        var items = new List<Expr>();
        bool isTuple = false;
        while (true)
        {
            if (items.Count > 0) ExpectOperator(",");
            if (IsTupleEnd(extraEnd)) break;
            items.Add(ParseExpression(withCondExpr));
            if (Current.IsOperator(",")) isTuple = true;
            else break;
        }
        if (!isTuple)
        {
            if (items.Count > 0) return items[0];
            if (!explicitParentheses) throw Fail($"Expected an expression, got {Current.Describe()}");
        }
        return new TupleExpr(items, line);
    }

    private bool IsTupleEnd(string? extraEnd) =>
        Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.End
        || Current.IsOperator(")")
        || (extraEnd != null && Current.IsName(extraEnd));

    private Expr ParseCondExpr()
    {
        var expr = ParseOr();
        while (Current.IsName("if"))
        {
            int line = Next().Line;
            var test = ParseOr();
            Expr? otherwise = SkipName("else") ? ParseCondExpr() : null;
            expr = new CondExpr(test, expr, otherwise, line);
        }
        return expr;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            int line = Next().Line;
            left = new OrExpr(left, ParseAnd(), line);
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            int line = Next().Line;
            left = new AndExpr(left, ParseNot(), line);
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            int line = Next().Line;
            return new NotExpr(ParseNot(), line);
        }
        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        int line = Current.Line;
        var first = ParseMath1();
        List<(string, Expr)>? rest = null;
        while (true)
        {
            string? op = null;
            if (Current.Kind == TokenKind.Operator && Current.Text is "==" or "!=" or "<" or ">" or "<=" or ">=")
            {
                op = Next().Text;
            }
            else if (Current.IsName("in"))
            {
                _index++;
                op = "in";
            }
            else if (Current.IsName("not") && Peek().IsName("in"))
            {
                _index += 2;
                op = "notin";
            }
            if (op == null) break;
            (rest ??= new()).Add((op, ParseMath1()));
        }
        return rest == null ? first : new CompareExpr(first, rest, line);
    }

    private Expr ParseMath1()
    {
        var left = ParseConcat();
        while (Current.Kind == TokenKind.Operator && Current.Text is "+" or "-")
        {
            var op = Next();
            left = new BinaryExpr(op.Text, left, ParseConcat(), op.Line);
        }
        return left;
    }

    private Expr ParseConcat()
    {
        var left = ParseMath2();
        while (Current.IsOperator("~"))
        {
            var op = Next();
            left = new BinaryExpr("~", left, ParseMath2(), op.Line);
        }
        return left;
    }

    private Expr ParseMath2()
    {
        var left = ParsePow();
        while (Current.Kind == TokenKind.Operator && Current.Text is "*" or "/" or "//" or "%")
        {
            var op = Next();
            left = new BinaryExpr(op.Text, left, ParsePow(), op.Line);
        }
        return left;
    }

    private Expr ParsePow()
    {
        var left = ParseUnary(withFilter: true);
        while (Current.IsOperator("**"))
        {
            var op = Next();
            left = new BinaryExpr("**", left, ParseUnary(withFilter: true), op.Line);
        }
        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        Expr node;
        if (Current.Kind == TokenKind.Operator && Current.Text is "-" or "+")
        {
            var op = Next();
            node = new UnaryExpr(op.Text, ParseUnary(withFilter: false), op.Line);
        }
        else node = ParsePrimary();
        node = ParsePostfix(node);
        if (withFilter) node = ParseFilterExpr(node);
        return node;
    }

    private Expr ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Name:
                _index++;
                return token.Text switch
                {
                    "true" or "True" => new ConstExpr(JinjaValue.True, token.Line),
                    "false" or "False" => new ConstExpr(JinjaValue.False, token.Line),
                    "none" or "None" => new ConstExpr(JinjaValue.None, token.Line),
                    _ => new NameExpr(token.Text, token.Line),
                };
            case TokenKind.String:
            {
                _index++;
                string text = token.Text;
                while (Current.Kind == TokenKind.String) text += Next().Text;
                return new ConstExpr(JinjaValue.FromString(text), token.Line);
            }
            case TokenKind.Integer:
                _index++;
                if (!long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out long l))
                    return new ConstExpr(JinjaValue.FromFloat(double.Parse(token.Text, CultureInfo.InvariantCulture)), token.Line);
                return new ConstExpr(JinjaValue.FromInt(l), token.Line);
            case TokenKind.Float:
                _index++;
                return new ConstExpr(JinjaValue.FromFloat(double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture)), token.Line);
            case TokenKind.Operator when token.Text == "(":
            {
                _index++;
                var inner = ParseTuple(withCondExpr: true, explicitParentheses: true);
                ExpectOperator(")");
                return inner;
            }
            case TokenKind.Operator when token.Text == "[":
                return ParseList();
            case TokenKind.Operator when token.Text == "{":
                return ParseDict();
            default:
                throw Fail($"unexpected {token.Describe()}");
        }
    }

    private ListExpr ParseList()
    {
        int line = ExpectOperator("[").Line;
        var items = new List<Expr>();
        while (!Current.IsOperator("]"))
        {
            if (items.Count > 0) ExpectOperator(",");
            if (Current.IsOperator("]")) break;
            items.Add(ParseExpression());
        }
        ExpectOperator("]");
        return new ListExpr(items, line);
    }

    private DictExpr ParseDict()
    {
        int line = ExpectOperator("{").Line;
        var items = new List<(Expr, Expr)>();
        while (!Current.IsOperator("}"))
        {
            if (items.Count > 0) ExpectOperator(",");
            if (Current.IsOperator("}")) break;
            var key = ParseExpression();
            ExpectOperator(":");
            items.Add((key, ParseExpression()));
        }
        ExpectOperator("}");
        return new DictExpr(items, line);
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator(".") || Current.IsOperator("[")) node = ParseSubscript(node);
            else if (Current.IsOperator("(")) node = new CallExpr(node, ParseCallArgs(), node.Line);
            else return node;
        }
    }

    private Expr ParseFilterExpr(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator("|")) node = ParseFilter(node);
            else if (Current.IsName("is")) node = ParseTest(node);
            else if (Current.IsOperator("(")) node = new CallExpr(node, ParseCallArgs(), node.Line);
            else return node;
        }
    }

    private Expr ParseSubscript(Expr node)
    {
        var token = Next();
        if (token.Text == ".")
        {
            var attr = Next();
            if (attr.Kind == TokenKind.Name) return new GetAttrExpr(node, attr.Text, attr.Line);
            if (attr.Kind == TokenKind.Integer)
                return new GetItemExpr(node, new ConstExpr(JinjaValue.FromInt(long.Parse(attr.Text, CultureInfo.InvariantCulture)), attr.Line), attr.Line);
            throw Errors.Syntax("expected name or number", attr.Line);
        }
        // '[': an index, a slice, or a tuple of those.
        var items = new List<Expr>();
        while (!Current.IsOperator("]"))
        {
            if (items.Count > 0) ExpectOperator(",");
            items.Add(ParseSubscribed(node));
        }
        ExpectOperator("]");
        if (items.Count == 1) return items[0] is SliceExpr slice ? slice : new GetItemExpr(node, items[0], token.Line);
        if (items.Any(i => i is SliceExpr)) throw Errors.Syntax("multi-dimensional slicing is not supported", token.Line);
        return new GetItemExpr(node, new TupleExpr(items, token.Line), token.Line);
    }

    /// <summary>One subscript: an expression, or a slice <c>start:stop:step</c> (returned as a <see cref="SliceExpr"/> on <paramref name="target"/>).</summary>
    private Expr ParseSubscribed(Expr target)
    {
        int line = Current.Line;
        Expr? start = null;
        if (!Current.IsOperator(":"))
        {
            start = ParseExpression();
            if (!Current.IsOperator(":")) return start;
        }
        _index++; // ':'
        Expr? stop = null, step = null;
        if (!Current.IsOperator("]") && !Current.IsOperator(",") && !Current.IsOperator(":")) stop = ParseExpression();
        if (SkipOperator(":"))
        {
            if (!Current.IsOperator("]") && !Current.IsOperator(",")) step = ParseExpression();
        }
        return new SliceExpr(target, start, stop, step, line);
    }

    private CallArgs ParseCallArgs()
    {
        ExpectOperator("(");
        var positional = new List<Expr>();
        var named = new List<(string, Expr)>();
        Expr? starArgs = null, starKwargs = null;
        bool first = true;
        while (!Current.IsOperator(")"))
        {
            if (!first) ExpectOperator(",");
            first = false;
            if (Current.IsOperator(")")) break;
            if (SkipOperator("*"))
            {
                starArgs = ParseExpression();
            }
            else if (SkipOperator("**"))
            {
                starKwargs = ParseExpression();
            }
            else if (Current.Kind == TokenKind.Name && Peek().IsOperator("="))
            {
                if (starKwargs != null) throw Fail("Invalid argument syntax for call expression");
                string name = Next().Text;
                _index++;
                named.Add((name, ParseExpression()));
            }
            else
            {
                if (starArgs != null || starKwargs != null || named.Count > 0) throw Fail("Invalid argument syntax for call expression");
                positional.Add(ParseExpression());
            }
        }
        ExpectOperator(")");
        return new CallArgs(positional, named, starArgs, starKwargs);
    }

    private string ParseDottedName()
    {
        string name = ExpectName();
        while (Current.IsOperator(".") && Peek().Kind == TokenKind.Name)
        {
            _index++;
            name += "." + Next().Text;
        }
        return name;
    }

    private Expr ParseFilter(Expr node)
    {
        while (Current.IsOperator("|"))
        {
            int line = Next().Line;
            string name = ParseDottedName();
            var args = Current.IsOperator("(") ? ParseCallArgs() : CallArgs.None;
            node = new FilterExpr(node, name, args, line);
        }
        return node;
    }

    private Expr ParseTest(Expr node)
    {
        int line = Next().Line; // 'is'
        bool negated = SkipName("not");
        string name = ParseDottedName();
        CallArgs args = CallArgs.None;
        if (Current.IsOperator("("))
        {
            args = ParseCallArgs();
        }
        else if ((Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                  || Current.IsOperator("(") || Current.IsOperator("[") || Current.IsOperator("{"))
                 && !Current.IsName("else") && !Current.IsName("or") && !Current.IsName("and"))
        {
            if (Current.IsName("is")) throw Fail("You cannot chain multiple tests with is");
            var arg = ParsePostfix(ParsePrimary());
            args = new CallArgs([arg], [], null, null);
        }
        return new TestExpr(node, name, args, negated, line);
    }
}
