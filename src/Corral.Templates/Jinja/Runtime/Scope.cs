namespace Corral.Templates.Jinja.Runtime;

/// <summary>
/// Variables visible at one point of a render. Loop iterations, macro calls, call blocks and <c>with</c> get a child
/// scope, so their <c>set</c>s do not leak out (objects are shared by reference, so <c>ns.x</c> and <c>.append</c> do).
/// </summary>
internal sealed class Scope
{
    private readonly Dictionary<string, JinjaValue> _vars = new(StringComparer.Ordinal);

    public Scope(Scope? parent) => Parent = parent;

    public Scope? Parent { get; }

    public bool TryGet(string name, out JinjaValue value)
    {
        for (var s = this; s != null; s = s.Parent)
            if (s._vars.TryGetValue(name, out value)) return true;
        value = default;
        return false;
    }

    public JinjaValue Get(string name) => TryGet(name, out var v) ? v : JinjaValue.UndefinedVariable(name);

    public void Set(string name, JinjaValue value) => _vars[name] = value;
}
