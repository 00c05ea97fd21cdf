using Corral.Templates.Jinja.Syntax;

namespace Corral.Templates.Jinja.Runtime;

/// <summary>A macro (or a call block's <c>caller</c>) closed over the scope where it was defined.</summary>
internal sealed class Macro : JinjaCallable
{
    private readonly MacroDef _def;
    private readonly Scope _closure;

    public Macro(MacroDef def, Scope closure)
    {
        _def = def;
        _closure = closure;
    }

    public override string Name => _def.Name;

    public override string PythonTypeName => "jinja2.runtime.Macro";

    public override string Repr() => $"<Macro '{_def.Name}'>";

    internal override JinjaValue Invoke(Interpreter interpreter, JinjaArgs args)
    {
        var scope = new Scope(_closure);
        var parameters = _def.Params;
        var named = new List<KeyValuePair<string, JinjaValue>>(args.Named);

        if (args.Positional.Count > parameters.Count && !_def.UsesVarargs)
            throw Errors.Type($"macro '{_def.Name}' takes not more than {parameters.Count} argument(s)");

        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (i < args.Positional.Count)
            {
                // A keyword naming an already bound parameter is left over and rejected below, as in Jinja2.
                scope.Set(p.Name, args.Positional[i]);
                continue;
            }
            int kw = named.FindIndex(e => e.Key == p.Name);
            if (kw >= 0)
            {
                scope.Set(p.Name, named[kw].Value);
                named.RemoveAt(kw);
            }
            else if (p.Default != null)
            {
                // Defaults are evaluated in the macro's scope, after the parameters before them are bound.
                scope.Set(p.Name, interpreter.Evaluate(p.Default, scope));
            }
            else
            {
                scope.Set(p.Name, JinjaValue.MakeUndefined(UndefinedInfo.WithHint($"parameter '{p.Name}' was not provided")));
            }
        }

        if (_def.UsesCaller)
        {
            int c = named.FindIndex(e => e.Key == "caller");
            if (c >= 0)
            {
                scope.Set("caller", named[c].Value);
                named.RemoveAt(c);
            }
            else scope.Set("caller", JinjaValue.MakeUndefined(UndefinedInfo.WithHint("No caller defined")));
        }
        if (_def.UsesVarargs)
            scope.Set("varargs", JinjaValue.FromList(new JinjaList(args.Positional.Skip(parameters.Count), ListFlavor.Tuple)));
        if (_def.UsesKwargs)
        {
            var kwargs = new JinjaDict();
            foreach (var (k, v) in named) kwargs[k] = v;
            scope.Set("kwargs", JinjaValue.FromDict(kwargs));
        }
        else if (named.Count > 0)
        {
            throw Errors.Type($"macro '{_def.Name}' takes no keyword argument '{named[0].Key}'");
        }

        return JinjaValue.FromString(interpreter.RenderToString(_def.Body, scope, _def.Line));
    }
}
