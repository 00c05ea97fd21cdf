namespace Corral.Templates.Jinja.Syntax;

/// <summary>Base of statement nodes.</summary>
internal abstract record Stmt(int Line);

/// <summary>Literal template text.</summary>
internal sealed record TextStmt(string Text, int Line) : Stmt(Line);

/// <summary><c>{{ expr }}</c>.</summary>
internal sealed record OutputStmt(Expr Value, int Line) : Stmt(Line);

internal sealed record IfStmt(IReadOnlyList<(Expr Test, IReadOnlyList<Stmt> Body)> Branches, IReadOnlyList<Stmt>? Else, int Line) : Stmt(Line);

/// <summary>Assignment targets: a name, a tuple of targets, or <c>ns.attr</c>.</summary>
internal abstract record Target(int Line);
internal sealed record NameTarget(string Name, int Line) : Target(Line);
internal sealed record TupleTarget(IReadOnlyList<Target> Items, int Line) : Target(Line);
internal sealed record AttrTarget(Expr Owner, string Attribute, int Line) : Target(Line);

internal sealed record ForStmt(Target Target, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt>? Else, bool Recursive, int Line) : Stmt(Line);

internal sealed record SetStmt(Target Target, Expr Value, int Line) : Stmt(Line);

/// <summary><c>{% set x | filters %}body{% endset %}</c>.</summary>
internal sealed record SetBlockStmt(Target Target, IReadOnlyList<FilterExpr> Filters, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);

internal sealed record MacroParam(string Name, Expr? Default);

/// <summary>A macro definition; the flags record whether the body reads <c>caller</c>, <c>varargs</c> or <c>kwargs</c>, which changes how Jinja2 binds arguments.</summary>
internal sealed record MacroDef(string Name, IReadOnlyList<MacroParam> Params, IReadOnlyList<Stmt> Body, bool UsesCaller, bool UsesVarargs, bool UsesKwargs, int Line);

internal sealed record MacroStmt(MacroDef Macro, int Line) : Stmt(Line);

/// <summary><c>{% call(params) macro(args) %}body{% endcall %}</c>.</summary>
internal sealed record CallBlockStmt(CallExpr Call, MacroDef Caller, int Line) : Stmt(Line);

/// <summary><c>{% filter f | g %}body{% endfilter %}</c>.</summary>
internal sealed record FilterBlockStmt(IReadOnlyList<FilterExpr> Filters, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);

internal sealed record BreakStmt(int Line) : Stmt(Line);

internal sealed record ContinueStmt(int Line) : Stmt(Line);

/// <summary><c>{% with a = 1 %}body{% endwith %}</c>: body runs in a new scope.</summary>
internal sealed record WithStmt(IReadOnlyList<(Target Target, Expr Value)> Assignments, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);

/// <summary><c>{% do expr %}</c>: evaluate and discard.</summary>
internal sealed record DoStmt(Expr Value, int Line) : Stmt(Line);

/// <summary>A body rendered in place: <c>{% generation %}</c> (Hugging Face's assistant-mask tag) and <c>{% autoescape %}</c>.</summary>
internal sealed record BlockBodyStmt(IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);
