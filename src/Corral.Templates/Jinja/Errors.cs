namespace Corral.Templates.Jinja;

/// <summary>Throw helpers producing Jinja2-worded errors.</summary>
internal static class Errors
{
    public static JinjaException UndefinedUsed(JinjaValue undefined) =>
        new(JinjaErrorKind.Undefined, UndefinedInfo.MessageOf(undefined));

    public static JinjaException Type(string message) => new(JinjaErrorKind.Type, message);

    public static JinjaException Value(string message) => new(JinjaErrorKind.Value, message);

    public static JinjaException Runtime(string message) => new(JinjaErrorKind.Runtime, message);

    public static JinjaException ZeroDivision(string message) => new(JinjaErrorKind.ZeroDivision, message);

    public static JinjaException Key(JinjaValue key) => new(JinjaErrorKind.Key, PyFormat.Repr(key));

    public static JinjaException Index(string message) => new(JinjaErrorKind.Index, message);

    public static JinjaException Syntax(string message, int line) => new(JinjaErrorKind.Syntax, message, line);

    public static JinjaException NotIterable(JinjaValue v) => Type($"'{PyFormat.TypeName(v)}' object is not iterable");

    public static JinjaException NoLen(JinjaValue v) => Type($"object of type '{PyFormat.TypeName(v)}' has no len()");

    public static JinjaException NotCallable(JinjaValue v) => Type($"'{PyFormat.TypeName(v)}' object is not callable");

    public static JinjaException NotSerializable(JinjaValue v) => Type($"Object of type {PyFormat.TypeName(v)} is not JSON serializable");
}
