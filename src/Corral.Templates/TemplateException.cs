namespace Corral.Templates;

/// <summary>Base of every error raised while parsing or rendering a chat template (Jinja or Go).</summary>
public abstract class TemplateException : Exception
{
    protected TemplateException(string message, Exception? inner = null) : base(message, inner) { }
}
