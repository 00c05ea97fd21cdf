namespace Corral.Templates.Jinja.Syntax;

/// <summary>Collects every variable name read in a statement list (to know whether a macro uses <c>caller</c>, <c>varargs</c>, <c>kwargs</c>).</summary>
internal static class NameCollector
{
    public static HashSet<string> Collect(IEnumerable<Stmt> body)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in body) Visit(s, names);
        return names;
    }

    private static void Visit(Stmt stmt, HashSet<string> names)
    {
        switch (stmt)
        {
            case OutputStmt o: Visit(o.Value, names); break;
            case IfStmt i:
                foreach (var (test, body) in i.Branches) { Visit(test, names); VisitAll(body, names); }
                if (i.Else != null) VisitAll(i.Else, names);
                break;
            case ForStmt f:
                Visit(f.Iterable, names);
                if (f.Filter != null) Visit(f.Filter, names);
                VisitAll(f.Body, names);
                if (f.Else != null) VisitAll(f.Else, names);
                break;
            case SetStmt s:
                Visit(s.Value, names);
                if (s.Target is AttrTarget a) Visit(a.Owner, names);
                break;
            case SetBlockStmt sb:
                VisitAll(sb.Body, names);
                foreach (var f in sb.Filters) VisitArgs(f.Args, names);
                break;
            case CallBlockStmt c: Visit(c.Call, names); break;
            case FilterBlockStmt fb:
                VisitAll(fb.Body, names);
                foreach (var f in fb.Filters) VisitArgs(f.Args, names);
                break;
            case WithStmt w:
                foreach (var (_, v) in w.Assignments) Visit(v, names);
                VisitAll(w.Body, names);
                break;
            case DoStmt d: Visit(d.Value, names); break;
            case BlockBodyStmt b: VisitAll(b.Body, names); break;
        }
    }

    private static void VisitAll(IEnumerable<Stmt> body, HashSet<string> names)
    {
        foreach (var s in body) Visit(s, names);
    }

    private static void VisitArgs(CallArgs args, HashSet<string> names)
    {
        foreach (var p in args.Positional) Visit(p, names);
        foreach (var (_, v) in args.Named) Visit(v, names);
        if (args.StarArgs != null) Visit(args.StarArgs, names);
        if (args.StarKwargs != null) Visit(args.StarKwargs, names);
    }

    private static void Visit(Expr? expr, HashSet<string> names)
    {
        switch (expr)
        {
            case null: break;
            case NameExpr n: names.Add(n.Name); break;
            case ListExpr l: foreach (var i in l.Items) Visit(i, names); break;
            case TupleExpr t: foreach (var i in t.Items) Visit(i, names); break;
            case DictExpr d: foreach (var (k, v) in d.Items) { Visit(k, names); Visit(v, names); } break;
            case GetAttrExpr g: Visit(g.Target, names); break;
            case GetItemExpr g: Visit(g.Target, names); Visit(g.Key, names); break;
            case SliceExpr s: Visit(s.Target, names); Visit(s.Start, names); Visit(s.Stop, names); Visit(s.Step, names); break;
            case CallExpr c: Visit(c.Callee, names); VisitArgs(c.Args, names); break;
            case FilterExpr f: Visit(f.Operand, names); VisitArgs(f.Args, names); break;
            case TestExpr t: Visit(t.Operand, names); VisitArgs(t.Args, names); break;
            case UnaryExpr u: Visit(u.Operand, names); break;
            case BinaryExpr b: Visit(b.Left, names); Visit(b.Right, names); break;
            case AndExpr a: Visit(a.Left, names); Visit(a.Right, names); break;
            case OrExpr o: Visit(o.Left, names); Visit(o.Right, names); break;
            case NotExpr n: Visit(n.Operand, names); break;
            case CompareExpr c: Visit(c.First, names); foreach (var (_, e) in c.Rest) Visit(e, names); break;
            case CondExpr c: Visit(c.Test, names); Visit(c.Then, names); Visit(c.Else, names); break;
        }
    }
}
