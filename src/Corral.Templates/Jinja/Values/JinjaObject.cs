namespace Corral.Templates.Jinja;

/// <summary>A runtime object exposing attributes to templates (namespace, loop, cycler, joiner).</summary>
public abstract class JinjaObject
{
    /// <summary>Qualified Python type name, used in error messages (<c>jinja2.utils.Namespace</c>).</summary>
    public abstract string PythonTypeName { get; }

    public abstract bool TryGetAttribute(string name, out JinjaValue value);

    /// <summary>Python <c>repr</c> of the object.</summary>
    public virtual string Repr() => $"<{PythonTypeName} object>";
}

/// <summary>Jinja2's <c>namespace(...)</c>: the one object templates may assign attributes on (<c>{% set ns.x = 1 %}</c>).</summary>
public sealed class JinjaNamespace : JinjaObject
{
    public JinjaDict Attributes { get; } = new();

    public override string PythonTypeName => "jinja2.utils.Namespace";

    public override bool TryGetAttribute(string name, out JinjaValue value) => Attributes.TryGetValue(name, out value);

    public void SetAttribute(string name, JinjaValue value) => Attributes[name] = value;

    public override string Repr() => "<Namespace " + PyFormat.Repr(JinjaValue.FromDict(Attributes)) + ">";
}
