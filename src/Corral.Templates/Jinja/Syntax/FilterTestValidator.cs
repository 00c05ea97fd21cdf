using Corral.Templates.Jinja.Builtins;

namespace Corral.Templates.Jinja.Syntax;

/// <summary>
/// Jinja2 rejects unknown filters and tests when compiling, except inside <c>if</c> statements and conditional
/// expressions ("soft" frames), where the error is deferred until the filter is actually used.
/// Loops, macros and blocks open fresh frames, which are strict again.
/// </summary>
internal static class FilterTestValidator
{
    public static void Validate(IReadOnlyList<Stmt> body) => VisitAll(body, soft: false);

    private static void VisitAll(IEnumerable<Stmt> body, bool soft)
    {
        foreach (var s in body) Visit(s, soft);
    }

    private static void Visit(Stmt stmt, bool soft)
    {
        switch (stmt)
        {
            case OutputStmt o: Visit(o.Value, soft); break;
            case IfStmt i:
                foreach (var (test, body) in i.Branches) { Visit(test, true); VisitAll(body, true); }
                if (i.Else != null) VisitAll(i.Else, true);
                break;
            case ForStmt f:
                Visit(f.Iterable, soft);
                Visit(f.Filter, false);
                VisitAll(f.Body, false);
                if (f.Else != null) VisitAll(f.Else, false);
                break;
            case SetStmt s: Visit(s.Value, soft); break;
            case SetBlockStmt sb:
                foreach (var f in sb.Filters) VisitFilter(f, false);
                VisitAll(sb.Body, false);
                break;
            case MacroStmt m: VisitMacro(m.Macro); break;
            case CallBlockStmt c:
                Visit(c.Call, soft);
                VisitMacro(c.Caller);
                break;
            case FilterBlockStmt fb:
                foreach (var f in fb.Filters) VisitFilter(f, false);
                VisitAll(fb.Body, false);
                break;
            case WithStmt w:
                foreach (var (_, v) in w.Assignments) Visit(v, soft);
                VisitAll(w.Body, false);
                break;
            case DoStmt d: Visit(d.Value, soft); break;
            case BlockBodyStmt b: VisitAll(b.Body, false); break;
        }
    }

    private static void VisitMacro(MacroDef macro)
    {
        foreach (var p in macro.Params) Visit(p.Default, false);
        VisitAll(macro.Body, false);
    }

    private static void VisitArgs(CallArgs args, bool soft)
    {
        foreach (var p in args.Positional) Visit(p, soft);
        foreach (var (_, v) in args.Named) Visit(v, soft);
        Visit(args.StarArgs, soft);
        Visit(args.StarKwargs, soft);
    }

    private static void VisitFilter(FilterExpr f, bool soft)
    {
        if (!soft && !Filters.Exists(f.Name)) throw Errors.Syntax($"No filter named '{f.Name}'.", f.Line);
        Visit(f.Operand, soft);
        VisitArgs(f.Args, soft);
    }

    private static void Visit(Expr? expr, bool soft)
    {
        switch (expr)
        {
            case null: break;
            case FilterExpr f: VisitFilter(f, soft); break;
            case TestExpr t:
                if (!soft && !Tests.Exists(t.Name)) throw Errors.Syntax($"No test named '{t.Name}'.", t.Line);
                Visit(t.Operand, soft);
                VisitArgs(t.Args, soft);
                break;
            case CondExpr c: Visit(c.Test, true); Visit(c.Then, true); Visit(c.Else, true); break;
            case ListExpr l: foreach (var i in l.Items) Visit(i, soft); break;
            case TupleExpr t: foreach (var i in t.Items) Visit(i, soft); break;
            case DictExpr d: foreach (var (k, v) in d.Items) { Visit(k, soft); Visit(v, soft); } break;
            case GetAttrExpr g: Visit(g.Target, soft); break;
            case GetItemExpr g: Visit(g.Target, soft); Visit(g.Key, soft); break;
            case SliceExpr s: Visit(s.Target, soft); Visit(s.Start, soft); Visit(s.Stop, soft); Visit(s.Step, soft); break;
            case CallExpr c: Visit(c.Callee, soft); VisitArgs(c.Args, soft); break;
            case UnaryExpr u: Visit(u.Operand, soft); break;
            case BinaryExpr b: Visit(b.Left, soft); Visit(b.Right, soft); break;
            case AndExpr a: Visit(a.Left, soft); Visit(a.Right, soft); break;
            case OrExpr o: Visit(o.Left, soft); Visit(o.Right, soft); break;
            case NotExpr n: Visit(n.Operand, soft); break;
            case CompareExpr c: Visit(c.First, soft); foreach (var (_, e) in c.Rest) Visit(e, soft); break;
        }
    }
}
