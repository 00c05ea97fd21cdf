using System.Text;
using Corral.Templates.GoTemplates.Syntax;

namespace Corral.Templates.GoTemplates;

/// <summary>
/// Executes a parsed template against data, following Go's <c>text/template</c> exec rules with <c>missingkey=zero</c>:
/// variable stack with marks, field/method/map access, argument type checks, and Go-worded errors with line:column.
/// One instance per execution.
/// </summary>
internal sealed class GoExecutor
{
    private const int MaxTemplateDepth = 1000;

    private enum Flow : byte { Normal, Break, Continue }

    private readonly GoTemplate _template;
    private readonly GoCallContext _context;
    private readonly StringBuilder _out = new();
    private List<(string Name, GoValue Value)> _vars = new();
    private GoNode? _node;
    private string _name = "";
    private int _depth;

    public GoExecutor(GoTemplate template, Func<DateTime> now)
    {
        _template = template;
        _context = new GoCallContext(now);
    }

    public string Execute(GoListNode root, GoValue data)
    {
        _vars = [("$", data)];
        Walk(data, root);
        return _out.ToString();
    }

    // ---- errors and variables -----------------------------------------------------------------------------------

    private GoTemplateException Fail(string message)
    {
        if (_node == null) return new GoTemplateException($"template: {_name}: {message}", isParseError: false);
        var (line, column) = _template.Location(_node.Pos);
        return new GoTemplateException($"template: :{line}:{column}: executing {GoQuote.Quote(_name)} at <{_node}>: {message}", isParseError: false);
    }

    private void At(GoNode node) => _node = node;

    private int Mark() => _vars.Count;

    private void Pop(int mark) => _vars.RemoveRange(mark, _vars.Count - mark);

    private void Push(string name, GoValue value) => _vars.Add((name, value));

    private void SetVar(string name, GoValue value)
    {
        for (int i = _vars.Count - 1; i >= 0; i--)
        {
            if (_vars[i].Name != name) continue;
            _vars[i] = (name, value);
            return;
        }
        throw Fail($"undefined variable: {name}");
    }

    private void SetTopVar(int n, GoValue value) => _vars[^n] = (_vars[^n].Name, value);

    private GoValue VarValue(string name)
    {
        for (int i = _vars.Count - 1; i >= 0; i--)
            if (_vars[i].Name == name) return _vars[i].Value;
        throw Fail($"undefined variable: {name}");
    }

    // ---- walking ------------------------------------------------------------------------------------------------

    private Flow Walk(GoValue dot, GoNode node)
    {
        At(node);
        switch (node)
        {
            case GoActionNode action:
            {
                var value = EvalPipeline(dot, action.Pipe);
                if (action.Pipe.Decl.Count == 0) PrintValue(action, value);
                return Flow.Normal;
            }
            case GoBreakNode:
                return Flow.Break;
            case GoContinueNode:
                return Flow.Continue;
            case GoCommentNode:
                return Flow.Normal;
            case GoIfNode ifNode:
                return WalkIfOrWith(isWith: false, dot, ifNode);
            case GoWithNode withNode:
                return WalkIfOrWith(isWith: true, dot, withNode);
            case GoListNode list:
                foreach (var child in list.Nodes)
                {
                    var flow = Walk(dot, child);
                    if (flow != Flow.Normal) return flow;
                }
                return Flow.Normal;
            case GoRangeNode range:
                WalkRange(dot, range);
                return Flow.Normal;
            case GoTemplateNode call:
                WalkTemplate(dot, call);
                return Flow.Normal;
            case GoTextNode text:
                _out.Append(text.Text);
                return Flow.Normal;
            default:
                throw Fail($"unknown node: {node}");
        }
    }

    private Flow WalkIfOrWith(bool isWith, GoValue dot, GoBranchNode node)
    {
        int mark = Mark();
        try
        {
            var value = EvalPipeline(dot, node.Pipe);
            var (truth, ok) = GoBuiltins.IsTrue(value.Kind == GoKind.Interface ? default : value);
            if (!ok) throw Fail($"if/with can't use {GoFormat.Sprint([value])}");
            if (truth) return Walk(isWith ? value : dot, node.List);
            return node.ElseList != null ? Walk(dot, node.ElseList) : Flow.Normal;
        }
        finally
        {
            Pop(mark);
        }
    }

    private void WalkRange(GoValue dot, GoRangeNode r)
    {
        At(r);
        int mark = Mark();
        try
        {
            var (value, _) = GoBuiltins.Indirect(EvalPipeline(dot, r.Pipe));
            int bodyMark = Mark();
            var decl = r.Pipe.Decl;

            bool OneIteration(GoValue index, GoValue elem)
            {
                if (decl.Count > 0)
                {
                    if (r.Pipe.IsAssign) SetVar(decl[0].Ident[0], decl.Count > 1 ? index : elem);
                    else SetTopVar(1, elem);
                }
                if (decl.Count > 1)
                {
                    if (r.Pipe.IsAssign) SetVar(decl[1].Ident[0], elem);
                    else SetTopVar(2, index);
                }
                var flow = Walk(elem, r.List);
                Pop(bodyMark);
                return flow != Flow.Break;
            }

            switch (value.Kind)
            {
                case GoKind.Slice when value.AsSlice.Count > 0:
                {
                    var items = value.AsSlice;
                    var elemType = value.Type!.Elem ?? GoType.Any;
                    for (int i = 0; i < items.Count; i++)
                        if (!OneIteration(GoValue.Int(i), items[i].ViaInterface(elemType))) break;
                    return;
                }
                case GoKind.Map when value.MapEntries.Count > 0:
                    foreach (var (k, v) in value.SortedMapEntries().ToList())
                        if (!OneIteration(GoValue.OfBasic(value.Type!.Key ?? GoType.String, 0, k), v.ViaInterface(value.Type.Elem ?? GoType.Any))) break;
                    return;
                case GoKind.Int or GoKind.Uint:
                {
                    if (decl.Count > 1) throw Fail($"can't use {GoFormat.Sprint([value])} to iterate over more than one variable");
                    long n = value.Kind == GoKind.Int ? value.AsInt : (long)value.AsUint;
                    if (n <= 0) break;
                    for (long i = 0; i < n; i++)
                        if (!OneIteration(default, GoValue.OfBasic(value.Type!, i))) break;
                    return;
                }
                case GoKind.Slice or GoKind.Map or GoKind.Invalid or GoKind.Interface:
                    break;
                default:
                    throw Fail($"range can't iterate over {GoFormat.Sprint([value])}");
            }
            if (r.ElseList != null) Walk(dot, r.ElseList);
        }
        finally
        {
            Pop(mark);
        }
    }

    private void WalkTemplate(GoValue dot, GoTemplateNode t)
    {
        At(t);
        if (!_template.Definitions.TryGetValue(t.Name, out var body)) throw Fail($"template {GoQuote.Quote(t.Name)} not defined");
        if (_depth >= MaxTemplateDepth) throw Fail($"exceeded maximum template depth ({MaxTemplateDepth})");
        dot = EvalPipeline(dot, t.Pipe);
        var (vars, name) = (_vars, _name);
        _vars = [("$", dot)];
        _name = t.Name;
        _depth++;
        try
        {
            Walk(dot, body);
        }
        finally
        {
            (_vars, _name) = (vars, name);
            _depth--;
        }
    }

    private void PrintValue(GoNode node, GoValue value)
    {
        At(node);
        _out.Append(GoFormat.PrintValue(value.Kind == GoKind.Interface ? default : value));
    }

    // ---- evaluation ---------------------------------------------------------------------------------------------

    private GoValue EvalPipeline(GoValue dot, GoPipeNode? pipe)
    {
        if (pipe == null) return default;
        At(pipe);
        GoValue? value = null;
        foreach (var cmd in pipe.Cmds)
        {
            var result = EvalCommand(dot, cmd, value);
            // An empty-interface result is unwrapped to what it holds; nil becomes no value.
            value = result.Kind == GoKind.Interface ? default : result.Unwrapped;
        }
        var final = value ?? default;
        foreach (var variable in pipe.Decl)
        {
            if (pipe.IsAssign) SetVar(variable.Ident[0], final);
            else Push(variable.Ident[0], final);
        }
        return final;
    }

    private void NotAFunction(IReadOnlyList<GoNode>? args, GoValue? final)
    {
        if ((args != null && args.Count > 1) || final != null)
            throw Fail($"can't give argument to non-function {args![0]}");
    }

    private GoValue EvalCommand(GoValue dot, GoCommandNode cmd, GoValue? final)
    {
        var first = cmd.Args[0];
        switch (first)
        {
            case GoFieldNode field: return EvalFieldNode(dot, field, cmd.Args, final);
            case GoChainNode chain: return EvalChainNode(dot, chain, cmd.Args, final);
            case GoIdentifierNode ident: return EvalFunction(dot, ident, cmd, cmd.Args, final);
            case GoPipeNode pipe:
                NotAFunction(cmd.Args, final);
                return EvalPipeline(dot, pipe);
            case GoVariableNode variable: return EvalVariableNode(dot, variable, cmd.Args, final);
        }
        At(first);
        NotAFunction(cmd.Args, final);
        return first switch
        {
            GoBoolNode b => GoValue.Bool(b.Value),
            GoDotNode => dot,
            GoNilNode => throw Fail("nil is not a command"),
            GoNumberNode n => IdealConstant(n),
            GoStringNode s => GoValue.String(s.Text),
            _ => throw Fail($"can't evaluate command {GoQuote.Quote(first.ToString()!)}"),
        };
    }

    private GoValue IdealConstant(GoNumberNode n)
    {
        At(n);
        bool hex = n.Text.Length > 2 && n.Text[0] == '0' && n.Text[1] is 'x' or 'X' && n.Text.AsSpan().IndexOfAny("pP") < 0;
        bool rune = n.Text.StartsWith('\'');
        if (n.IsFloat && !hex && !rune && n.Text.AsSpan().IndexOfAny(".eEpP") >= 0) return GoValue.Float(n.FloatValue);
        if (n.IsInt) return GoValue.Int(n.IntValue);
        throw Fail($"{n.Text} overflows int");
    }

    private GoValue EvalFieldNode(GoValue dot, GoFieldNode field, IReadOnlyList<GoNode>? args, GoValue? final)
    {
        At(field);
        return EvalFieldChain(dot, dot, field, field.Ident, args, final);
    }

    private GoValue EvalChainNode(GoValue dot, GoChainNode chain, IReadOnlyList<GoNode>? args, GoValue? final)
    {
        At(chain);
        if (chain.Node is GoNilNode) throw Fail($"indirection through explicit nil in {chain}");
        var pipe = EvalArg(dot, null, chain.Node);
        return EvalFieldChain(dot, pipe, chain, chain.Fields, args, final);
    }

    private GoValue EvalVariableNode(GoValue dot, GoVariableNode variable, IReadOnlyList<GoNode>? args, GoValue? final)
    {
        At(variable);
        var value = VarValue(variable.Ident[0]);
        if (variable.Ident.Length == 1)
        {
            NotAFunction(args, final);
            return value;
        }
        return EvalFieldChain(dot, value, variable, variable.Ident[1..], args, final);
    }

    private GoValue EvalFieldChain(GoValue dot, GoValue receiver, GoNode node, string[] ident, IReadOnlyList<GoNode>? args, GoValue? final)
    {
        for (int i = 0; i < ident.Length - 1; i++) receiver = EvalField(dot, ident[i], node, null, null, receiver);
        return EvalField(dot, ident[^1], node, args, final, receiver);
    }

    private GoValue EvalField(GoValue dot, string fieldName, GoNode node, IReadOnlyList<GoNode>? args, GoValue? final, GoValue receiver)
    {
        if (!receiver.IsValid) return default;
        string type = receiver.StaticTypeName;
        var (value, isNil) = GoBuiltins.Indirect(receiver);
        if (value.Kind == GoKind.Interface && isNil) throw Fail($"nil pointer evaluating {type}.{fieldName}");
        bool hasArgs = (args != null && args.Count > 1) || final != null;
        if (fieldName == "String" && value.Type!.Stringer is { } stringer && !isNil)
        {
            if (hasArgs) throw Fail($"wrong number of args for String: want 0 got {(args?.Count ?? 1) - 1 + (final != null ? 1 : 0)}");
            return GoValue.String(stringer(value));
        }
        switch (value.Kind)
        {
            case GoKind.Struct:
                if (value.TryGetField(fieldName, out var field))
                {
                    if (char.IsLower(fieldName[0])) throw Fail($"{fieldName} is an unexported field of struct type {type}");
                    if (hasArgs) throw Fail($"{fieldName} has arguments but cannot be invoked as function");
                    return field.ViaInterface(value.Type!.FindField(fieldName)!.Type);
                }
                break;
            case GoKind.Map when value.Type!.Key?.Kind is null or GoKind.String:
                if (hasArgs) throw Fail($"{fieldName} is not a method but has arguments");
                return value.TryGetMapValue(fieldName, out var entry) ? entry.ViaInterface(value.Type.Elem ?? GoType.Any) : GoValue.Zero(value.Type.Elem ?? GoType.Any);
            case GoKind.Pointer:
                if (value.Type!.Elem?.Kind == GoKind.Struct && value.Type.Elem.FindField(fieldName) == null) break;
                if (isNil) throw Fail($"nil pointer evaluating {type}.{fieldName}");
                break;
        }
        throw Fail($"can't evaluate field {fieldName} in type {type}");
    }

    private GoValue EvalFunction(GoValue dot, GoIdentifierNode node, GoNode cmd, IReadOnlyList<GoNode>? args, GoValue? final)
    {
        At(node);
        if (!_template.TryGetFunction(node.Name, out var function, out bool isBuiltin))
            throw Fail($"{GoQuote.Quote(node.Name)} is not a defined function");
        return EvalCall(dot, function, isBuiltin, cmd, node.Name, args, final);
    }

    private GoValue EvalCall(GoValue dot, GoFunction fn, bool isBuiltin, GoNode node, string name, IReadOnlyList<GoNode>? allArgs, GoValue? final)
    {
        var args = allArgs == null ? [] : allArgs.Skip(1).ToList();
        int numIn = args.Count + (final != null ? 1 : 0);
        int numFixed = args.Count;
        if (fn.IsVariadic)
        {
            numFixed = fn.NumIn - 1;
            if (numIn < numFixed) throw Fail($"wrong number of args for {name}: want at least {fn.NumIn - 1} got {args.Count}");
        }
        else if (numIn != fn.NumIn)
        {
            throw Fail($"wrong number of args for {name}: want {fn.NumIn} got {numIn}");
        }

        if (isBuiltin && name is "and" or "or")
        {
            GoValue v = default;
            foreach (var arg in args)
            {
                v = EvalArg(dot, null, arg);
                if (GoBuiltins.Truth(v) == (name == "or")) return v;
            }
            if (final is { } f) v = f;
            return v;
        }

        var argv = new List<GoValue>(numIn);
        int i = 0;
        for (; i < numFixed && i < args.Count; i++) argv.Add(EvalArg(dot, fn.ParameterType(i), args[i]));
        if (fn.IsVariadic)
            for (; i < args.Count; i++) argv.Add(EvalArg(dot, fn.VariadicElement, args[i]));
        if (final is { } last) argv.Add(ValidateType(last, fn.ParameterType(argv.Count)));

        try
        {
            return fn.Body(_context, argv);
        }
        catch (GoFunctionException ex)
        {
            At(node);
            throw Fail($"error calling {name}: {ex.Message}");
        }
    }

    private static bool CanBeNil(GoType type) => type.Kind is GoKind.Slice or GoKind.Map or GoKind.Pointer or GoKind.Interface;

    /// <summary>Checks an argument against a parameter type; null means "any value" (Go's <c>reflect.Value</c>).</summary>
    private GoValue ValidateType(GoValue value, GoType? type)
    {
        if (!value.IsValid || value.Kind == GoKind.Interface)
        {
            if (type == null) return default;
            if (CanBeNil(type)) return GoValue.Zero(type);
            throw Fail($"invalid value; expected {type}");
        }
        if (type == null || value.Type!.AssignableTo(type)) return value;
        if (value.Kind == GoKind.Pointer && value.Type!.Elem!.AssignableTo(type))
        {
            if (value.IsNil) throw Fail($"dereference of nil pointer of type {type}");
            return value.PointerTarget;
        }
        throw Fail($"wrong type for value; expected {type}; got {value.Type}");
    }

    private GoValue EvalArg(GoValue dot, GoType? type, GoNode n)
    {
        At(n);
        switch (n)
        {
            case GoDotNode: return ValidateType(dot, type);
            case GoNilNode:
                if (type == null) return default;
                if (CanBeNil(type)) return GoValue.Zero(type);
                throw Fail($"cannot assign nil to {type}");
            case GoFieldNode field: return ValidateType(EvalFieldNode(dot, field, [n], null), type);
            case GoVariableNode variable: return ValidateType(EvalVariableNode(dot, variable, null, null), type);
            case GoPipeNode pipe: return ValidateType(EvalPipeline(dot, pipe), type);
            case GoIdentifierNode ident: return ValidateType(EvalFunction(dot, ident, ident, null, null), type);
            case GoChainNode chain: return ValidateType(EvalChainNode(dot, chain, null, null), type);
        }
        switch (type?.Kind)
        {
            case null or GoKind.Interface:
                return EvalEmptyInterface(dot, n);
            case GoKind.Bool:
                if (n is GoBoolNode b) return GoValue.OfBasic(type, b.Value ? 1 : 0);
                throw Fail($"expected bool; found {n}");
            case GoKind.String:
                if (n is GoStringNode s) return GoValue.OfBasic(type, 0, s.Text);
                throw Fail($"expected string; found {n}");
            case GoKind.Int:
                if (n is GoNumberNode { IsInt: true } i) return GoValue.OfBasic(type, i.IntValue);
                throw Fail($"expected integer; found {n}");
            case GoKind.Float:
                if (n is GoNumberNode { IsFloat: true } f) return GoValue.Float(f.FloatValue);
                throw Fail($"expected float; found {n}");
        }
        throw Fail($"can't handle {n} for arg of type {type}");
    }

    private GoValue EvalEmptyInterface(GoValue dot, GoNode n)
    {
        At(n);
        return n switch
        {
            GoBoolNode b => GoValue.Bool(b.Value),
            GoDotNode => dot,
            GoFieldNode f => EvalFieldNode(dot, f, null, null),
            GoIdentifierNode id => EvalFunction(dot, id, id, null, null),
            GoNumberNode num => IdealConstant(num),
            GoStringNode s => GoValue.String(s.Text),
            GoVariableNode v => EvalVariableNode(dot, v, null, null),
            GoPipeNode p => EvalPipeline(dot, p),
            _ => throw Fail($"can't handle assignment of {n} to empty interface argument"),
        };
    }
}
