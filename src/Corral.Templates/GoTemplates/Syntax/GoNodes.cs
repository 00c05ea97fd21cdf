using System.Text;

namespace Corral.Templates.GoTemplates.Syntax;

/// <summary>
/// Parse tree nodes mirroring Go's <c>text/template/parse</c>. <see cref="ToString"/> reproduces Go's node text,
/// which appears in execution errors (<c>executing "" at &lt;.Foo&gt;</c>). Nodes are mutable only while a tree is
/// being copied and pruned (Ollama's legacy-template cut).
/// </summary>
public abstract class GoNode
{
    protected GoNode(int pos) => Pos = pos;

    /// <summary>Offset of the node in the template source (UTF-16 index).</summary>
    public int Pos { get; }

    internal abstract GoNode Copy();
}

public sealed class GoListNode : GoNode
{
    public GoListNode(int pos, List<GoNode>? nodes = null) : base(pos) => Nodes = nodes ?? new List<GoNode>();

    public List<GoNode> Nodes { get; }

    public override string ToString() => string.Concat(Nodes.Select(n => n.ToString()));

    internal override GoNode Copy() => CopyList();

    internal GoListNode CopyList() => new(Pos, Nodes.Select(n => n.Copy()).ToList());
}

public sealed class GoTextNode(int pos, string text) : GoNode(pos)
{
    public string Text { get; } = text;

    public override string ToString() => Text;

    internal override GoNode Copy() => new GoTextNode(Pos, Text);
}

public sealed class GoCommentNode(int pos, string text) : GoNode(pos)
{
    public string Text { get; } = text;

    public override string ToString() => "{{" + Text + "}}";

    internal override GoNode Copy() => this;
}

/// <summary><c>{{ pipeline }}</c>.</summary>
public sealed class GoActionNode(int pos, int line, GoPipeNode pipe) : GoNode(pos)
{
    public int Line { get; } = line;
    public GoPipeNode Pipe { get; internal set; } = pipe;

    public override string ToString() => "{{" + Pipe + "}}";

    internal override GoNode Copy() => new GoActionNode(Pos, Line, Pipe.CopyPipe());
}

/// <summary>A pipeline with optional variable declarations: <c>$x := cmd1 | cmd2</c>.</summary>
public sealed class GoPipeNode : GoNode
{
    public GoPipeNode(int pos, int line, bool isAssign, List<GoVariableNode> decl, List<GoCommandNode> cmds) : base(pos)
    {
        Line = line;
        IsAssign = isAssign;
        Decl = decl;
        Cmds = cmds;
    }

    public int Line { get; }
    public bool IsAssign { get; internal set; }
    public List<GoVariableNode> Decl { get; }
    public List<GoCommandNode> Cmds { get; internal set; }

    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Decl.Count > 0)
        {
            sb.Append(string.Join(", ", Decl.Select(d => d.ToString())));
            sb.Append(IsAssign ? " = " : " := ");
        }
        sb.Append(string.Join(" | ", Cmds.Select(c => c.ToString())));
        return sb.ToString();
    }

    internal override GoNode Copy() => CopyPipe();

    internal GoPipeNode CopyPipe() =>
        new(Pos, Line, IsAssign, Decl.Select(d => (GoVariableNode)d.Copy()).ToList(), Cmds.Select(c => (GoCommandNode)c.Copy()).ToList());
}

/// <summary>One command of a pipeline: an operand followed by arguments.</summary>
public sealed class GoCommandNode(int pos, List<GoNode> args) : GoNode(pos)
{
    public List<GoNode> Args { get; internal set; } = args;

    public override string ToString() =>
        string.Join(" ", Args.Select(a => a is GoPipeNode p ? "(" + p + ")" : a.ToString()));

    internal override GoNode Copy() => new GoCommandNode(Pos, Args.Select(a => a.Copy()).ToList());
}

/// <summary>A function name.</summary>
public sealed class GoIdentifierNode(int pos, string name) : GoNode(pos)
{
    public string Name { get; } = name;
    public override string ToString() => Name;
    internal override GoNode Copy() => this;
}

/// <summary><c>$</c>, <c>$x</c> or <c>$x.Field.Chain</c>; <see cref="Ident"/> holds the variable name then the fields.</summary>
public sealed class GoVariableNode(int pos, string[] ident) : GoNode(pos)
{
    public string[] Ident { get; } = ident;
    public override string ToString() => string.Join(".", Ident);
    internal override GoNode Copy() => this;
}

public sealed class GoDotNode(int pos) : GoNode(pos)
{
    public override string ToString() => ".";
    internal override GoNode Copy() => this;
}

public sealed class GoNilNode(int pos) : GoNode(pos)
{
    public override string ToString() => "nil";
    internal override GoNode Copy() => this;
}

/// <summary><c>.Field.Chain</c>.</summary>
public sealed class GoFieldNode(int pos, string[] ident) : GoNode(pos)
{
    public string[] Ident { get; } = ident;
    public override string ToString() => string.Concat(Ident.Select(i => "." + i));
    internal override GoNode Copy() => this;
}

/// <summary><c>(pipeline).Field</c> or <c>$x.Field</c> where the head is not a plain field/variable.</summary>
public sealed class GoChainNode(int pos, GoNode node, string[] fields) : GoNode(pos)
{
    public GoNode Node { get; } = node;
    public string[] Fields { get; } = fields;

    public override string ToString() =>
        (Node is GoPipeNode p ? "(" + p + ")" : Node.ToString()) + string.Concat(Fields.Select(f => "." + f));

    internal override GoNode Copy() => new GoChainNode(Pos, Node.Copy(), Fields);
}

public sealed class GoBoolNode(int pos, bool value) : GoNode(pos)
{
    public bool Value { get; } = value;
    public override string ToString() => Value ? "true" : "false";
    internal override GoNode Copy() => this;
}

/// <summary>A number constant; <see cref="IsInt"/>/<see cref="IsFloat"/> say which interpretations are exact.</summary>
public sealed class GoNumberNode(int pos, string text, bool isInt, long intValue, bool isFloat, double floatValue) : GoNode(pos)
{
    public string Text { get; } = text;
    public bool IsInt { get; } = isInt;
    public long IntValue { get; } = intValue;
    public bool IsFloat { get; } = isFloat;
    public double FloatValue { get; } = floatValue;
    public override string ToString() => Text;
    internal override GoNode Copy() => this;
}

public sealed class GoStringNode(int pos, string quoted, string text) : GoNode(pos)
{
    /// <summary>The literal as written, with quotes.</summary>
    public string Quoted { get; } = quoted;
    public string Text { get; } = text;
    public override string ToString() => Quoted;
    internal override GoNode Copy() => this;
}

/// <summary>Common shape of <c>if</c>, <c>range</c> and <c>with</c>.</summary>
public abstract class GoBranchNode : GoNode
{
    protected GoBranchNode(int pos, int line, GoPipeNode pipe, GoListNode list, GoListNode? elseList) : base(pos)
    {
        Line = line;
        Pipe = pipe;
        List = list;
        ElseList = elseList;
    }

    public int Line { get; }
    public GoPipeNode Pipe { get; }
    public GoListNode List { get; internal set; }
    public GoListNode? ElseList { get; internal set; }

    protected abstract string Keyword { get; }

    public override string ToString() =>
        "{{" + Keyword + " " + Pipe + "}}" + List + (ElseList != null ? "{{else}}" + ElseList : "") + "{{end}}";
}

public sealed class GoIfNode(int pos, int line, GoPipeNode pipe, GoListNode list, GoListNode? elseList) : GoBranchNode(pos, line, pipe, list, elseList)
{
    protected override string Keyword => "if";
    internal override GoNode Copy() => new GoIfNode(Pos, Line, Pipe.CopyPipe(), List.CopyList(), ElseList?.CopyList());
}

public sealed class GoRangeNode(int pos, int line, GoPipeNode pipe, GoListNode list, GoListNode? elseList) : GoBranchNode(pos, line, pipe, list, elseList)
{
    protected override string Keyword => "range";
    internal override GoNode Copy() => new GoRangeNode(Pos, Line, Pipe.CopyPipe(), List.CopyList(), ElseList?.CopyList());
}

public sealed class GoWithNode(int pos, int line, GoPipeNode pipe, GoListNode list, GoListNode? elseList) : GoBranchNode(pos, line, pipe, list, elseList)
{
    protected override string Keyword => "with";
    internal override GoNode Copy() => new GoWithNode(Pos, Line, Pipe.CopyPipe(), List.CopyList(), ElseList?.CopyList());
}

/// <summary><c>{{template "name" pipeline}}</c> (also the call site of a <c>block</c>).</summary>
public sealed class GoTemplateNode(int pos, int line, string name, GoPipeNode? pipe) : GoNode(pos)
{
    public int Line { get; } = line;
    public string Name { get; } = name;
    public GoPipeNode? Pipe { get; } = pipe;

    public override string ToString() =>
        Pipe == null ? $"{{{{template {GoQuote.Quote(Name)}}}}}" : $"{{{{template {GoQuote.Quote(Name)} {Pipe}}}}}";

    internal override GoNode Copy() => new GoTemplateNode(Pos, Line, Name, Pipe?.CopyPipe());
}

public sealed class GoBreakNode(int pos, int line) : GoNode(pos)
{
    public int Line { get; } = line;
    public override string ToString() => "{{break}}";
    internal override GoNode Copy() => this;
}

public sealed class GoContinueNode(int pos, int line) : GoNode(pos)
{
    public int Line { get; } = line;
    public override string ToString() => "{{continue}}";
    internal override GoNode Copy() => this;
}
