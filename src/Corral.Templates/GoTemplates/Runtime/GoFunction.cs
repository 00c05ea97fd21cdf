namespace Corral.Templates.GoTemplates;

/// <summary>An error a template function reports; execution stops with <c>error calling NAME: message</c>.</summary>
public sealed class GoFunctionException(string message) : Exception(message);

/// <summary>What a function call can see of the execution (the clock, for date functions).</summary>
public sealed class GoCallContext
{
    internal GoCallContext(Func<DateTime> now) => Now = now;

    public Func<DateTime> Now { get; }
}

/// <summary>
/// A function callable from templates. Parameter types drive argument checking like Go's reflection does:
/// a null entry accepts any value (Go's <c>reflect.Value</c>/<c>any</c>), a concrete type requires an assignable value.
/// </summary>
public sealed class GoFunction
{
    public GoFunction(string name, GoType?[] parameters, Func<GoCallContext, IReadOnlyList<GoValue>, GoValue> body, GoType? variadic = null, bool isVariadic = false)
    {
        Name = name;
        Parameters = parameters;
        Body = body;
        VariadicElement = variadic;
        IsVariadic = isVariadic || variadic != null;
    }

    public string Name { get; }

    /// <summary>Fixed parameters (for variadic functions, not counting the variadic one).</summary>
    public GoType?[] Parameters { get; }

    public bool IsVariadic { get; }

    /// <summary>Element type of the variadic parameter (null = any).</summary>
    public GoType? VariadicElement { get; }

    public Func<GoCallContext, IReadOnlyList<GoValue>, GoValue> Body { get; }

    /// <summary>Go's parameter count as <c>reflect.Type.NumIn</c> reports it.</summary>
    internal int NumIn => Parameters.Length + (IsVariadic ? 1 : 0);

    internal GoType? ParameterType(int index) =>
        index < Parameters.Length ? Parameters[index] : VariadicElement;
}
