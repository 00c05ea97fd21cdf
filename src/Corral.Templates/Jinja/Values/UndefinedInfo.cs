namespace Corral.Templates.Jinja;

/// <summary>Why a value is undefined, so errors read like Jinja2's (<c>'x' is undefined</c>, <c>'dict object' has no attribute 'y'</c>).</summary>
internal sealed class UndefinedInfo
{
    private UndefinedInfo(string? hint, JinjaValue? owner, JinjaValue name)
    {
        Hint = hint;
        Owner = owner;
        Name = name;
    }

    public string? Hint { get; }
    public JinjaValue? Owner { get; }
    public JinjaValue Name { get; }

    public static UndefinedInfo ForName(string name) => new(null, null, JinjaValue.FromString(name));
    public static UndefinedInfo ForMember(JinjaValue owner, JinjaValue name) => new(null, owner, name);
    public static UndefinedInfo WithHint(string hint) => new(hint, null, default);

    /// <summary>The message Jinja2's <c>Undefined._undefined_message</c> produces.</summary>
    public string Message
    {
        get
        {
            if (Hint != null) return Hint;
            if (Owner is not { } owner) return PyFormat.Repr(Name) + " is undefined";
            if (!Name.IsString) return PyFormat.ObjectTypeRepr(owner) + " has no element " + PyFormat.Repr(Name);
            return PyFormat.Repr(JinjaValue.FromString(PyFormat.ObjectTypeRepr(owner))) + " has no attribute " + PyFormat.Repr(Name);
        }
    }

    public static string MessageOf(JinjaValue undefined) =>
        undefined.UndefinedInfo?.Message ?? "'undefined' is undefined";
}
