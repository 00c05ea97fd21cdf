using Corral.Templates.Jinja.Builtins;
using Corral.Templates.Jinja.Runtime;
using Corral.Templates.Jinja.Syntax;

namespace Corral.Templates.Jinja;

/// <summary>
/// A parsed Jinja2 template. Parse once, render many times; instances are immutable and thread-safe.
/// <code>
/// var t = JinjaTemplate.Parse(source);
/// string prompt = t.Render(new Dictionary&lt;string, JinjaValue&gt; { ["messages"] = JinjaValue.FromJson(messagesNode) });
/// </code>
/// </summary>
public sealed class JinjaTemplate
{
    private readonly IReadOnlyList<Stmt> _body;

    private JinjaTemplate(string source, IReadOnlyList<Stmt> body, JinjaOptions options)
    {
        Source = source;
        _body = body;
        Options = options;
    }

    public string Source { get; }

    public JinjaOptions Options { get; }

    /// <summary>Parses <paramref name="source"/>; throws <see cref="JinjaException"/> (kind <see cref="JinjaErrorKind.Syntax"/>) with the line of the error.</summary>
    public static JinjaTemplate Parse(string source, JinjaOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= JinjaOptions.Default;
        return new JinjaTemplate(source, JinjaParser.Parse(source, options), options);
    }

    /// <summary>
    /// Renders with <paramref name="variables"/> as the template context.
    /// Throws <see cref="JinjaException"/> for runtime errors and <see cref="TemplateRaisedException"/> when the template calls <c>raise_exception</c>.
    /// <paramref name="now"/> is the clock for <c>strftime_now</c> (default: <see cref="JinjaOptions.Now"/>).
    /// </summary>
    public string Render(IEnumerable<KeyValuePair<string, JinjaValue>> variables, Func<DateTime>? now = null)
    {
        var globals = new Scope(null);
        Globals.Install(globals);
        var root = new Scope(globals);
        foreach (var (name, value) in variables) root.Set(name, value);
        var interpreter = new Interpreter(Options, now);
        try
        {
            return interpreter.Render(_body, root);
        }
        catch (InsufficientExecutionStackException)
        {
            throw new JinjaException(JinjaErrorKind.Runtime, "template nesting too deep");
        }
    }

    /// <summary>Renders with the properties of a JSON object as the context (key order preserved).</summary>
    public string Render(System.Text.Json.Nodes.JsonObject context)
    {
        var variables = new List<KeyValuePair<string, JinjaValue>>();
        foreach (var (k, v) in context) variables.Add(new(k, JinjaValue.FromJson(v)));
        return Render(variables);
    }
}
