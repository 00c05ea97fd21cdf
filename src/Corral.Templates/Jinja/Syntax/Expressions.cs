namespace Corral.Templates.Jinja.Syntax;

/// <summary>Base of expression nodes; <see cref="Line"/> is the 1-based source line for error messages.</summary>
internal abstract record Expr(int Line);

internal sealed record ConstExpr(JinjaValue Value, int Line) : Expr(Line);

internal sealed record NameExpr(string Name, int Line) : Expr(Line);

internal sealed record ListExpr(IReadOnlyList<Expr> Items, int Line) : Expr(Line);

internal sealed record TupleExpr(IReadOnlyList<Expr> Items, int Line) : Expr(Line);

internal sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Items, int Line) : Expr(Line);

/// <summary><c>obj.name</c>: attribute first, then item (Jinja2's <c>getattr</c>).</summary>
internal sealed record GetAttrExpr(Expr Target, string Name, int Line) : Expr(Line);

/// <summary><c>obj[key]</c> (also <c>obj.0</c>): item first, then attribute (Jinja2's <c>getitem</c>).</summary>
internal sealed record GetItemExpr(Expr Target, Expr Key, int Line) : Expr(Line);

/// <summary><c>obj[start:stop:step]</c>.</summary>
internal sealed record SliceExpr(Expr Target, Expr? Start, Expr? Stop, Expr? Step, int Line) : Expr(Line);

/// <summary>Call arguments, including <c>*args</c> and <c>**kwargs</c> spreads.</summary>
internal sealed record CallArgs(IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Named, Expr? StarArgs, Expr? StarKwargs)
{
    public static readonly CallArgs None = new([], [], null, null);
}

internal sealed record CallExpr(Expr Callee, CallArgs Args, int Line) : Expr(Line);

/// <summary><c>operand | name(args)</c>; a null <see cref="Operand"/> stands for the body of a filter block.</summary>
internal sealed record FilterExpr(Expr? Operand, string Name, CallArgs Args, int Line) : Expr(Line);

/// <summary><c>operand is [not] name(args)</c>.</summary>
internal sealed record TestExpr(Expr Operand, string Name, CallArgs Args, bool Negated, int Line) : Expr(Line);

internal sealed record UnaryExpr(string Op, Expr Operand, int Line) : Expr(Line);

/// <summary>Arithmetic and concatenation: <c>+ - * / // % ** ~</c>.</summary>
internal sealed record BinaryExpr(string Op, Expr Left, Expr Right, int Line) : Expr(Line);

internal sealed record AndExpr(Expr Left, Expr Right, int Line) : Expr(Line);

internal sealed record OrExpr(Expr Left, Expr Right, int Line) : Expr(Line);

internal sealed record NotExpr(Expr Operand, int Line) : Expr(Line);

/// <summary>A comparison chain <c>a &lt; b &lt;= c</c>; operators are <c>== != &lt; &gt; &lt;= &gt;= in notin</c>.</summary>
internal sealed record CompareExpr(Expr First, IReadOnlyList<(string Op, Expr Operand)> Rest, int Line) : Expr(Line);

/// <summary><c>then if test else otherwise</c>; without <c>else</c> a false test gives undefined.</summary>
internal sealed record CondExpr(Expr Test, Expr Then, Expr? Else, int Line) : Expr(Line);
