using Corral.Templates.Jinja.Builtins;
using Corral.Templates.Jinja.Syntax;

namespace Corral.Templates.Jinja.Runtime;

internal sealed partial class Interpreter
{
    public JinjaValue Evaluate(Expr expr, Scope scope)
    {
        try
        {
            return EvaluateCore(expr, scope);
        }
        catch (JinjaException ex) when (ex.Line == 0)
        {
            throw ex.WithLine(expr.Line);
        }
    }

    private JinjaValue EvaluateCore(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case ConstExpr c:
                return c.Value;
            case NameExpr n:
                return scope.Get(n.Name);
            case GetAttrExpr g:
                return Access.GetAttr(Evaluate(g.Target, scope), g.Name);
            case GetItemExpr g:
                return Access.GetItem(Evaluate(g.Target, scope), Evaluate(g.Key, scope));
            case SliceExpr s:
                return Access.Slice(Evaluate(s.Target, scope), EvaluateOptional(s.Start, scope), EvaluateOptional(s.Stop, scope), EvaluateOptional(s.Step, scope));
            case CallExpr c:
                return EvaluateCall(c, scope, null);
            case FilterExpr f:
                return ApplyFilter(f, f.Operand == null ? default : Evaluate(f.Operand, scope), scope);
            case TestExpr t:
            {
                bool result = ApplyTest(t, Evaluate(t.Operand, scope), scope);
                return t.Negated ? !result : result;
            }
            case AndExpr a:
            {
                var left = Evaluate(a.Left, scope);
                return left.IsTruthy ? Evaluate(a.Right, scope) : left;
            }
            case OrExpr o:
            {
                var left = Evaluate(o.Left, scope);
                return left.IsTruthy ? left : Evaluate(o.Right, scope);
            }
            case NotExpr n:
                return !Evaluate(n.Operand, scope).IsTruthy;
            case CompareExpr c:
            {
                var left = Evaluate(c.First, scope);
                foreach (var (op, operandExpr) in c.Rest)
                {
                    var right = Evaluate(operandExpr, scope);
                    if (!Operators.Compare(op, left, right)) return false;
                    left = right;
                }
                return true;
            }
            case BinaryExpr b:
                return Operators.Binary(b.Op, Evaluate(b.Left, scope), Evaluate(b.Right, scope));
            case UnaryExpr u:
                return Operators.Unary(u.Op, Evaluate(u.Operand, scope));
            case CondExpr c:
                if (Evaluate(c.Test, scope).IsTruthy) return Evaluate(c.Then, scope);
                return c.Else != null
                    ? Evaluate(c.Else, scope)
                    : JinjaValue.MakeUndefined(UndefinedInfo.WithHint($"the inline if-expression on line {c.Line} evaluated to false and no else section was defined."));
            case ListExpr l:
            {
                var list = new JinjaList();
                foreach (var item in l.Items) list.Add(Evaluate(item, scope));
                return JinjaValue.FromList(list);
            }
            case TupleExpr t:
            {
                var items = new JinjaValue[t.Items.Count];
                for (int i = 0; i < items.Length; i++) items[i] = Evaluate(t.Items[i], scope);
                return JinjaValue.FromList(new JinjaList(items, ListFlavor.Tuple));
            }
            case DictExpr d:
            {
                var dict = new JinjaDict();
                foreach (var (k, v) in d.Items) dict.Set(Evaluate(k, scope), Evaluate(v, scope));
                return JinjaValue.FromDict(dict);
            }
            default:
                throw new InvalidOperationException("unknown expression " + expr.GetType().Name);
        }
    }

    private JinjaValue? EvaluateOptional(Expr? expr, Scope scope) => expr == null ? (JinjaValue?)null : Evaluate(expr, scope);

    private JinjaValue EvaluateCall(CallExpr call, Scope scope, JinjaValue? caller)
    {
        var callee = Evaluate(call.Callee, scope);
        var args = EvaluateArgs(call.Args, scope, caller);
        return Call(callee, args);
    }

    public JinjaValue Call(JinjaValue callee, JinjaArgs args)
    {
        switch (callee.Kind)
        {
            case JinjaKind.Callable:
                return callee.AsCallable.Invoke(this, args);
            case JinjaKind.Object when callee.AsObject is LoopContext loop:
                return loop.Call(args);
            case JinjaKind.Undefined:
                throw Errors.UndefinedUsed(callee);
            default:
                throw Errors.NotCallable(callee);
        }
    }

    private JinjaArgs EvaluateArgs(CallArgs args, Scope scope, JinjaValue? caller)
    {
        if (args.Positional.Count == 0 && args.Named.Count == 0 && args.StarArgs == null && args.StarKwargs == null && caller == null)
            return JinjaArgs.Empty;
        var positional = new List<JinjaValue>(args.Positional.Count);
        foreach (var p in args.Positional) positional.Add(Evaluate(p, scope));
        if (args.StarArgs != null) positional.AddRange(Access.Iterate(Evaluate(args.StarArgs, scope)));
        var named = new List<KeyValuePair<string, JinjaValue>>(args.Named.Count);
        foreach (var (name, value) in args.Named) named.Add(new(name, Evaluate(value, scope)));
        if (args.StarKwargs != null)
        {
            var spread = Evaluate(args.StarKwargs, scope);
            if (!spread.IsDict) throw Errors.Type($"argument after ** must be a mapping, not {PyFormat.TypeName(spread)}");
            foreach (var (k, v) in spread.AsDict)
            {
                if (!k.IsString) throw Errors.Type("keywords must be strings");
                named.Add(new(k.AsString, v));
            }
        }
        if (caller is { } c) named.Add(new("caller", c));
        return new JinjaArgs(positional, named);
    }

    private JinjaValue ApplyFilter(FilterExpr f, JinjaValue value, Scope scope)
    {
        if (!Filters.TryGet(f.Name, out var filter))
            throw Errors.Runtime($"No filter named '{f.Name}' found.");
        return filter(this, value, EvaluateArgs(f.Args, scope, null));
    }

    private bool ApplyTest(TestExpr t, JinjaValue value, Scope scope)
    {
        if (!Tests.TryGet(t.Name, out var test))
            throw Errors.Runtime($"No test named '{t.Name}' found.");
        return test(this, value, EvaluateArgs(t.Args, scope, null));
    }

    /// <summary>Applies a filter by name (used by <c>map('filter')</c>, <c>select('test')</c> and friends).</summary>
    public JinjaValue ApplyFilter(string name, JinjaValue value, JinjaArgs args)
    {
        if (!Filters.TryGet(name, out var filter)) throw Errors.Runtime($"No filter named '{name}'.");
        return filter(this, value, args);
    }

    public bool ApplyTest(string name, JinjaValue value, JinjaArgs args)
    {
        if (!Tests.TryGet(name, out var test)) throw Errors.Runtime($"No test named '{name}'.");
        return test(this, value, args);
    }
}
