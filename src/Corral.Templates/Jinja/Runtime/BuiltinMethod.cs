namespace Corral.Templates.Jinja.Runtime;

/// <summary>A built-in function or bound method implemented in C#.</summary>
internal sealed class BuiltinMethod : JinjaCallable
{
    private readonly Func<Interpreter, JinjaArgs, JinjaValue> _body;

    public BuiltinMethod(string name, Func<Interpreter, JinjaArgs, JinjaValue> body)
    {
        Name = name;
        _body = body;
    }

    public override string Name { get; }

    internal override JinjaValue Invoke(Interpreter interpreter, JinjaArgs args) => _body(interpreter, args);
}
