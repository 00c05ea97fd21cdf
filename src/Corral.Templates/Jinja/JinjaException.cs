namespace Corral.Templates.Jinja;

/// <summary>The Python exception class Jinja2 would raise for the same failure.</summary>
public enum JinjaErrorKind
{
    /// <summary><c>TemplateSyntaxError</c>: the template source cannot be parsed.</summary>
    Syntax,
    /// <summary><c>UndefinedError</c>: an undefined value was used in a way that needs a value.</summary>
    Undefined,
    /// <summary><c>TypeError</c>: an operation was applied to a value of the wrong type.</summary>
    Type,
    /// <summary><c>ValueError</c>: right type, wrong value (bad unpacking, bad number text, ...).</summary>
    Value,
    /// <summary><c>ZeroDivisionError</c>.</summary>
    ZeroDivision,
    /// <summary><c>KeyError</c>: a missing dict key in <c>dict.pop</c> or <c>str.format</c>.</summary>
    Key,
    /// <summary><c>IndexError</c>: <c>list.pop</c> out of range, <c>str.format</c> positional index.</summary>
    Index,
    /// <summary><c>TemplateRuntimeError</c> and everything else raised while rendering.</summary>
    Runtime,
}

/// <summary>A syntax or runtime error in a Jinja template, with the 1-based template line where it happened.</summary>
public class JinjaException : TemplateException
{
    public JinjaException(JinjaErrorKind kind, string detail, int line = 0, Exception? inner = null)
        : base(Compose(kind, detail, line), inner)
    {
        Kind = kind;
        Detail = detail;
        Line = line;
    }

    /// <summary>Which Jinja2/Python error class this corresponds to.</summary>
    public JinjaErrorKind Kind { get; }

    /// <summary>The message text alone, as Jinja2 words it (e.g. <c>'foo' is undefined</c>).</summary>
    public string Detail { get; }

    /// <summary>1-based line in the template source, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>The Python class name Jinja2 raises for this kind (<c>UndefinedError</c>, <c>TypeError</c>, ...).</summary>
    public string PythonErrorName => Kind switch
    {
        JinjaErrorKind.Syntax => "TemplateSyntaxError",
        JinjaErrorKind.Undefined => "UndefinedError",
        JinjaErrorKind.Type => "TypeError",
        JinjaErrorKind.Value => "ValueError",
        JinjaErrorKind.ZeroDivision => "ZeroDivisionError",
        JinjaErrorKind.Key => "KeyError",
        JinjaErrorKind.Index => "IndexError",
        _ => "TemplateRuntimeError",
    };

    internal JinjaException WithLine(int line) =>
        Line != 0 || line == 0 ? this : new JinjaException(Kind, Detail, line, InnerException);

    private static string Compose(JinjaErrorKind kind, string detail, int line) =>
        line > 0 ? $"{detail} (template line {line})" : detail;
}

/// <summary>Raised when a template calls <c>raise_exception(message)</c>; <see cref="Exception.Message"/> is exactly that message.</summary>
public sealed class TemplateRaisedException : TemplateException
{
    public TemplateRaisedException(string message) : base(message) { }
}
