namespace Corral.Templates.GoTemplates;

/// <summary>
/// A parse or execution error of a Go <c>text/template</c>, worded as Go words it
/// (<c>template: :3: unexpected EOF</c>, <c>template: :1:12: executing "" at &lt;.Foo&gt;: ...</c>).
/// </summary>
public sealed class GoTemplateException : TemplateException
{
    public GoTemplateException(string message, bool isParseError) : base(message) => IsParseError = isParseError;

    /// <summary>True for errors found while parsing, false for errors during execution.</summary>
    public bool IsParseError { get; }
}
