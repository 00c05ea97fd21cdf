using System.Text;
using Corral.Templates.GoTemplates.Syntax;

namespace Corral.Templates.GoTemplates;

/// <summary>
/// A parsed Go <c>text/template</c> (with Ollama's <c>missingkey=zero</c>). Immutable after parsing; safe to execute
/// concurrently. <see cref="Root"/> and <see cref="Definitions"/> expose the tree for analysis (Ollama inspects
/// templates to infer tool-call and thinking tags, and cuts legacy templates after <c>.Response</c>).
/// </summary>
public sealed class GoTemplate
{
    private readonly Dictionary<string, GoFunction> _functions;
    private readonly int[] _lineStarts;

    private GoTemplate(string text, GoListNode root, Dictionary<string, GoListNode> definitions, Dictionary<string, GoFunction> functions)
    {
        Text = text;
        Root = root;
        Definitions = definitions;
        _functions = functions;
        var starts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n') starts.Add(i + 1);
        _lineStarts = starts.ToArray();
    }

    /// <summary>The source text.</summary>
    public string Text { get; }

    /// <summary>The top-level template (name <c>""</c>).</summary>
    public GoListNode Root { get; }

    /// <summary>Every template of the set by name, including the top level under <c>""</c> and each <c>define</c>/<c>block</c>.</summary>
    public IReadOnlyDictionary<string, GoListNode> Definitions { get; }

    /// <summary>Parses <paramref name="text"/>. Functions used must be built-ins or in <paramref name="functions"/>.</summary>
    /// <exception cref="GoTemplateException">With Go's message, e.g. <c>template: :1: function "foo" not defined</c>.</exception>
    public static GoTemplate Parse(string text, IEnumerable<GoFunction>? functions = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var extra = new Dictionary<string, GoFunction>(StringComparer.Ordinal);
        foreach (var f in functions ?? []) extra[f.Name] = f;
        var names = new HashSet<string>(GoBuiltins.All.Keys, StringComparer.Ordinal);
        names.UnionWith(extra.Keys);
        var definitions = new Dictionary<string, GoListNode>(StringComparer.Ordinal);
        var root = GoParser.Parse(text, names, definitions);
        return new GoTemplate(text, definitions[""], definitions, extra);
    }

    /// <summary>Executes the template with <paramref name="data"/> as dot.</summary>
    /// <param name="now">Clock for date functions; defaults to local time.</param>
    /// <exception cref="GoTemplateException">With Go's message, e.g. <c>template: :1:3: executing "" at &lt;.Foo&gt;: ...</c>.</exception>
    public string Execute(GoValue data, Func<DateTime>? now = null) => Execute(Root, data, now);

    /// <summary>Executes a (possibly modified) copy of this template's tree, with this template's definitions and functions.</summary>
    public string Execute(GoListNode root, GoValue data, Func<DateTime>? now = null)
    {
        try
        {
            return new GoExecutor(this, now ?? (() => DateTime.Now)).Execute(root, data);
        }
        catch (InsufficientExecutionStackException)
        {
            throw new GoTemplateException("template: exceeded maximum template depth", isParseError: false);
        }
    }

    /// <summary>A deep copy of the top-level tree that callers may prune.</summary>
    public GoListNode CopyRoot() => Root.CopyList();

    internal bool TryGetFunction(string name, out GoFunction function, out bool isBuiltin)
    {
        if (_functions.TryGetValue(name, out function!))
        {
            isBuiltin = false;
            return true;
        }
        isBuiltin = GoBuiltins.All.TryGetValue(name, out function!);
        return isBuiltin;
    }

    /// <summary>1-based line and 0-based byte column of a source offset, as Go reports them.</summary>
    internal (int Line, int Column) Location(int pos)
    {
        int index = Array.BinarySearch(_lineStarts, pos);
        if (index < 0) index = ~index - 1;
        int lineStart = _lineStarts[index];
        int column = Encoding.UTF8.GetByteCount(Text.AsSpan(lineStart, Math.Max(0, Math.Min(pos, Text.Length) - lineStart)));
        return (index + 1, column);
    }
}
