using System.Text;
using Corral.Templates.Jinja.Syntax;

namespace Corral.Templates.Jinja.Runtime;

/// <summary>Walks the statement tree of a template, writing output. One instance per render.</summary>
internal sealed partial class Interpreter
{
    private StringBuilder _out = new();
    private int _depth;

    public Interpreter(JinjaOptions options, Func<DateTime>? now = null)
    {
        Options = options;
        Now = now ?? options.Now;
    }

    /// <summary>The clock of this render (<c>strftime_now</c>): the caller's, else the options'.</summary>
    public Func<DateTime> Now { get; }

    public JinjaOptions Options { get; }

    public string Render(IReadOnlyList<Stmt> body, Scope scope)
    {
        Execute(body, scope);
        return _out.ToString();
    }

    /// <summary>Runs <paramref name="body"/> with its output captured into a string (macros, set blocks, filter blocks).</summary>
    public string RenderToString(IReadOnlyList<Stmt> body, Scope scope, int line)
    {
        var saved = _out;
        _out = new StringBuilder();
        if (++_depth > Options.MaxRecursionDepth)
            throw new JinjaException(JinjaErrorKind.Runtime, "maximum recursion depth exceeded", line);
        try
        {
            Execute(body, scope);
            return _out.ToString();
        }
        finally
        {
            _out = saved;
            _depth--;
        }
    }

    private Flow Execute(IReadOnlyList<Stmt> body, Scope scope)
    {
        foreach (var stmt in body)
        {
            var flow = ExecuteOne(stmt, scope);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow ExecuteOne(Stmt stmt, Scope scope)
    {
        try
        {
            switch (stmt)
            {
                case TextStmt t:
                    _out.Append(t.Text);
                    return Flow.Normal;
                case OutputStmt o:
                    AppendValue(Evaluate(o.Value, scope));
                    return Flow.Normal;
                case IfStmt i:
                    foreach (var (test, branch) in i.Branches)
                        if (Evaluate(test, scope).IsTruthy) return Execute(branch, scope);
                    return i.Else != null ? Execute(i.Else, scope) : Flow.Normal;
                case ForStmt f:
                    return ExecuteFor(f, scope);
                case SetStmt s:
                    Assign(s.Target, Evaluate(s.Value, scope), scope);
                    return Flow.Normal;
                case SetBlockStmt sb:
                {
                    JinjaValue value = RenderToString(sb.Body, new Scope(scope), sb.Line);
                    Assign(sb.Target, ApplyFilterChain(sb.Filters, value, scope), scope);
                    return Flow.Normal;
                }
                case MacroStmt m:
                    scope.Set(m.Macro.Name, JinjaValue.FromCallable(new Macro(m.Macro, scope)));
                    return Flow.Normal;
                case CallBlockStmt c:
                    AppendValue(EvaluateCall(c.Call, scope, JinjaValue.FromCallable(new Macro(c.Caller, scope))));
                    return Flow.Normal;
                case FilterBlockStmt fb:
                {
                    JinjaValue value = RenderToString(fb.Body, new Scope(scope), fb.Line);
                    AppendValue(ApplyFilterChain(fb.Filters, value, scope));
                    return Flow.Normal;
                }
                case BreakStmt:
                    return Flow.Break;
                case ContinueStmt:
                    return Flow.Continue;
                case WithStmt w:
                {
                    var inner = new Scope(scope);
                    foreach (var (target, value) in w.Assignments) Assign(target, Evaluate(value, scope), inner);
                    return Execute(w.Body, inner);
                }
                case DoStmt d:
                    Evaluate(d.Value, scope);
                    return Flow.Normal;
                case BlockBodyStmt b:
                    return Execute(b.Body, new Scope(scope));
                default:
                    throw new InvalidOperationException("unknown statement " + stmt.GetType().Name);
            }
        }
        catch (JinjaException ex) when (ex.Line == 0)
        {
            throw ex.WithLine(stmt.Line);
        }
    }

    private void AppendValue(JinjaValue value)
    {
        if (value.Kind == JinjaKind.String) _out.Append(value.AsString);
        else if (!value.IsUndefined) PyFormat.AppendRepr(_out, value);
    }

    private JinjaValue ApplyFilterChain(IReadOnlyList<FilterExpr> filters, JinjaValue value, Scope scope)
    {
        foreach (var f in filters) value = ApplyFilter(f, value, scope);
        return value;
    }

    private Flow ExecuteFor(ForStmt f, Scope scope)
    {
        var iterable = Evaluate(f.Iterable, scope);
        bool completed = RunLoop(f, iterable, scope, 0);
        if (!completed && f.Else != null) return Execute(f.Else, new Scope(scope));
        return Flow.Normal;
    }

    /// <summary>
    /// Runs the loop body once per item; returns whether any iteration ran to its end. Jinja2 runs the <c>else</c>
    /// branch otherwise: also when every iteration ended in <c>continue</c>, or <c>break</c> hit in the first one.
    /// </summary>
    private bool RunLoop(ForStmt f, JinjaValue iterable, Scope outer, int depth0)
    {
        IEnumerable<JinjaValue> items = Access.Iterate(iterable);
        if (f.Filter != null)
        {
            var filter = f.Filter;
            items = items.Where(item =>
            {
                var probe = new Scope(outer);
                Assign(f.Target, item, probe);
                return Evaluate(filter, probe).IsTruthy;
            });
        }
        Func<JinjaValue, int, string>? recurse = null;
        if (f.Recursive)
        {
            recurse = (children, depth) =>
            {
                var saved = _out;
                _out = new StringBuilder();
                if (++_depth > Options.MaxRecursionDepth)
                    throw new JinjaException(JinjaErrorKind.Runtime, "maximum recursion depth exceeded", f.Line);
                try
                {
                    RunLoop(f, children, outer, depth);
                    return _out.ToString();
                }
                finally
                {
                    _out = saved;
                    _depth--;
                }
            };
        }
        var loop = new LoopContext(items, depth0, recurse);
        var loopValue = JinjaValue.FromObject(loop);
        bool completed = false;
        while (loop.MoveNext())
        {
            var iteration = new Scope(outer);
            iteration.Set("loop", loopValue);
            Assign(f.Target, loop.Current, iteration);
            var flow = Execute(f.Body, iteration);
            if (flow == Flow.Break) break;
            if (flow == Flow.Normal) completed = true;
        }
        return completed;
    }

    private void Assign(Target target, JinjaValue value, Scope scope)
    {
        switch (target)
        {
            case NameTarget n:
                scope.Set(n.Name, value);
                break;
            case TupleTarget t:
            {
                var items = Access.Iterate(value).ToList();
                if (items.Count < t.Items.Count)
                    throw Errors.Value($"not enough values to unpack (expected {t.Items.Count}, got {items.Count})");
                if (items.Count > t.Items.Count)
                    throw Errors.Value($"too many values to unpack (expected {t.Items.Count})");
                for (int i = 0; i < items.Count; i++) Assign(t.Items[i], items[i], scope);
                break;
            }
            case AttrTarget a:
            {
                var owner = Evaluate(a.Owner, scope);
                if (owner.Kind != JinjaKind.Object || owner.AsObject is not JinjaNamespace ns)
                    throw Errors.Runtime("cannot assign attribute on non-namespace object");
                ns.SetAttribute(a.Attribute, value);
                break;
            }
        }
    }
}
