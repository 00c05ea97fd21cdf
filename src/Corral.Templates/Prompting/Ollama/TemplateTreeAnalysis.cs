using Corral.Templates.GoTemplates;
using Corral.Templates.GoTemplates.Syntax;

namespace Corral.Templates.Prompting.Ollama;

/// <summary>
/// Facts Ollama reads off a template's parse tree: the identifiers it uses, the tool-call tag (tools/template.go),
/// the thinking tags (thinking/template.go), and the legacy-template cut after <c>.Response</c> (template.go).
/// </summary>
internal static class TemplateTreeAnalysis
{
    /// <summary>Ollama's <c>Identifiers</c>: field and variable names of every pipeline, lists and branches included.</summary>
    public static void CollectIdentifiers(GoNode node, List<string> names)
    {
        switch (node)
        {
            case GoListNode list:
                foreach (var n in list.Nodes) CollectIdentifiers(n, names);
                break;
            case GoTemplateNode t:
                if (t.Pipe == null) throw new GoTemplateException("undefined template specified", isParseError: true);
                CollectIdentifiers(t.Pipe, names);
                break;
            case GoActionNode a:
                CollectIdentifiers(a.Pipe, names);
                break;
            case GoBranchNode b:
                CollectIdentifiers(b.Pipe, names);
                CollectIdentifiers(b.List, names);
                if (b.ElseList != null) CollectIdentifiers(b.ElseList, names);
                break;
            case GoPipeNode p:
                foreach (var cmd in p.Cmds)
                    foreach (var arg in cmd.Args) CollectIdentifiers(arg, names);
                break;
            case GoFieldNode f:
                names.AddRange(f.Ident);
                break;
            case GoVariableNode v:
                names.AddRange(v.Ident);
                break;
        }
    }

    // ---- tool-call tag ------------------------------------------------------------------------------------------

    /// <summary>
    /// The text that introduces tool calls: the first non-blank text inside the first <c>if</c> testing <c>.ToolCalls</c>,
    /// cut at the first <c>{</c> and trimmed; <c>{</c> when there is none.
    /// </summary>
    public static string InferToolCallTag(GoListNode root)
    {
        var node = FindToolCallsIf(root.Nodes);
        if (node == null) return "{";
        var text = FindFirstText(node.List.Nodes);
        if (text == null) return "{";
        string tag = text.Text.Replace("\r\n", "\n");
        int brace = tag.IndexOf('{');
        if (brace >= 0) tag = tag[..brace];
        tag = tag.Trim();
        return tag.Length == 0 ? "{" : tag;
    }

    private static GoIfNode? FindToolCallsIf(IEnumerable<GoNode> nodes)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case GoIfNode ifNode:
                    if (ifNode.Pipe.Cmds.Any(c => c.Args.Any(a => a is GoFieldNode f && f.Ident.Contains("ToolCalls")))) return ifNode;
                    if (FindToolCallsIf(ifNode.List.Nodes) is { } inIf) return inIf;
                    if (ifNode.ElseList != null && FindToolCallsIf(ifNode.ElseList.Nodes) is { } inElse) return inElse;
                    break;
                case GoListNode list:
                    if (FindToolCallsIf(list.Nodes) is { } inList) return inList;
                    break;
                case GoBranchNode branch: // range, with
                    if (FindToolCallsIf(branch.List.Nodes) is { } inBody) return inBody;
                    if (branch.ElseList != null && FindToolCallsIf(branch.ElseList.Nodes) is { } inElse2) return inElse2;
                    break;
            }
        }
        return null;
    }

    private static GoTextNode? FindFirstText(IEnumerable<GoNode> nodes)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case GoTextNode t:
                    if (string.IsNullOrWhiteSpace(t.Text)) continue;
                    return t;
                case GoListNode list:
                    if (FindFirstText(list.Nodes) is { } inList) return inList;
                    break;
                case GoBranchNode branch:
                    if (FindFirstText(branch.List.Nodes) is { } inBody) return inBody;
                    if (branch.ElseList != null && FindFirstText(branch.ElseList.Nodes) is { } inElse) return inElse;
                    return null;
                case GoActionNode:
                    return null;
            }
        }
        return null;
    }

    // ---- thinking tags ------------------------------------------------------------------------------------------

    /// <summary>
    /// The tags around thinking traces: for each <c>.Thinking</c> reference inside a <c>range</c> over <c>.Messages</c>,
    /// the first and last text nodes (trimmed) of the nearest enclosing list. Later references overwrite earlier ones.
    /// </summary>
    public static (string Open, string Close) InferThinkingTags(GoListNode root)
    {
        string open = "", close = "";
        var ancestors = new List<GoNode>();

        void Visit(GoNode? n)
        {
            if (n == null) return;
            ancestors.Add(n);
            if (n is GoFieldNode f && f.Ident.Length > 0 && f.Ident[0] == "Thinking")
            {
                var range = ancestors.OfType<GoRangeNode>().LastOrDefault();
                if (range != null && RangeUsesField(range, "Messages"))
                {
                    var list = ancestors.OfType<GoListNode>().LastOrDefault();
                    if (list != null && list.Nodes.Count > 0)
                    {
                        if (list.Nodes[0] is GoTextNode first) open = first.Text.Trim();
                        if (list.Nodes[^1] is GoTextNode last) close = last.Text.Trim();
                    }
                }
            }
            switch (n)
            {
                case GoListNode l: foreach (var c in l.Nodes) Visit(c); break;
                case GoBranchNode b: Visit(b.Pipe); Visit(b.List); Visit(b.ElseList); break;
                case GoActionNode a: Visit(a.Pipe); break;
                case GoTemplateNode t: Visit(t.Pipe); break;
                case GoPipeNode p: foreach (var c in p.Cmds) Visit(c); break;
                case GoCommandNode c: foreach (var a in c.Args) Visit(a); break;
            }
            ancestors.RemoveAt(ancestors.Count - 1);
        }

        Visit(root);
        return (open, close);
    }

    private static bool RangeUsesField(GoRangeNode range, string field) =>
        range.Pipe.Cmds.Any(c => c.Args.Any(a => UsesField(a, field)));

    private static bool UsesField(GoNode node, string field) => node switch
    {
        GoFieldNode f => f.Ident.Length > 0 && f.Ident[0] == field,
        GoPipeNode p => p.Cmds.Any(c => c.Args.Any(a => UsesField(a, field))),
        _ => false,
    };

    // ---- legacy cut ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Ollama's final legacy pass: in a copy of the tree, keeps the first <c>.Response</c> field and deletes every node
    /// visited after it (action pipes and branch bodies are searched; branch conditions are not).
    /// </summary>
    public static GoListNode CutAfterResponse(GoListNode copy)
    {
        bool cut = false;

        bool Matches(GoNode n)
        {
            if (n is GoFieldNode f && f.Ident.Contains("Response"))
            {
                cut = true;
                return false;
            }
            return cut;
        }

        GoNode? Walk(GoNode n)
        {
            if (Matches(n)) return null;
            switch (n)
            {
                case GoListNode list:
                {
                    var kept = new List<GoNode>();
                    foreach (var c in list.Nodes)
                        if (Walk(c) is { } k) kept.Add(k);
                    list.Nodes.Clear();
                    list.Nodes.AddRange(kept);
                    return list;
                }
                case GoBranchNode branch:
                    // Upstream crashes when a cut removes a whole else-list; here the else-list is simply dropped.
                    branch.List = (GoListNode?)Walk(branch.List) ?? new GoListNode(branch.List.Pos);
                    if (branch.ElseList != null) branch.ElseList = (GoListNode?)Walk(branch.ElseList);
                    return branch;
                case GoActionNode action:
                    if (Walk(action.Pipe) is not GoPipeNode actionPipe) return null;
                    action.Pipe = actionPipe;
                    return action;
                case GoPipeNode pipe:
                {
                    var commands = new List<GoCommandNode>();
                    foreach (var c in pipe.Cmds)
                    {
                        var args = new List<GoNode>();
                        foreach (var a in c.Args)
                            if (Walk(a) is { } kept) args.Add(kept);
                        if (args.Count == 0) return null;
                        c.Args = args;
                        commands.Add(c);
                    }
                    if (commands.Count == 0) return null;
                    pipe.Cmds = commands;
                    return pipe;
                }
                default:
                    return n;
            }
        }

        return (GoListNode?)Walk(copy) ?? new GoListNode(copy.Pos);
    }
}
