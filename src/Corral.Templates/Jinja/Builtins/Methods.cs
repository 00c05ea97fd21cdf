using Corral.Templates.Jinja.Runtime;

namespace Corral.Templates.Jinja.Builtins;

/// <summary>A Python method implementation: receives the bound object and the call arguments.</summary>
internal delegate JinjaValue MethodImpl(Interpreter interpreter, JinjaValue self, JinjaArgs args);

/// <summary>Looks up Python's built-in methods of str, list, tuple and dict (<c>'a'.upper()</c>, <c>d.items()</c>, <c>l.append(x)</c>).</summary>
internal static class Methods
{
    public static bool TryBind(JinjaValue target, string name, out JinjaValue method)
    {
        MethodImpl? impl = target.Kind switch
        {
            JinjaKind.String => StringMethods.Find(name),
            JinjaKind.List => ListMethods.Find(target.AsList.Flavor, name),
            JinjaKind.Dict => DictMethods.Find(name),
            _ => null,
        };
        if (impl == null)
        {
            method = default;
            return false;
        }
        method = JinjaValue.FromCallable(new BoundMethod(name, target, impl));
        return true;
    }

    /// <summary>str methods markupsafe's Markup overrides to return Markup.</summary>
    private static readonly HashSet<string> MarkupWrapped = new(StringComparer.Ordinal)
    {
        "capitalize", "title", "lower", "upper", "replace", "ljust", "rjust", "lstrip", "rstrip", "center", "strip",
        "expandtabs", "swapcase", "zfill", "removeprefix", "removesuffix", "split", "rsplit", "splitlines",
        "partition", "rpartition", "join", "format",
    };

    /// <summary>Of those, the ones that do not escape their arguments.</summary>
    private static readonly HashSet<string> MarkupUnescapedArguments = new(StringComparer.Ordinal) { "split", "rsplit", "splitlines" };

    private sealed class BoundMethod(string name, JinjaValue self, MethodImpl impl) : JinjaCallable
    {
        public override string Name => name;

        public override string Repr() => $"<built-in method {name} of {PyFormat.TypeName(self)} object>";

        internal override JinjaValue Invoke(Interpreter interpreter, JinjaArgs args)
        {
            if (!self.IsMarkup || !MarkupWrapped.Contains(name)) return impl(interpreter, self, args);
            // markupsafe escapes string arguments of these methods and marks the results safe.
            if (!MarkupUnescapedArguments.Contains(name))
                args = new JinjaArgs(args.Positional.Select(EscapeArgument).ToArray(),
                    args.Named.Select(e => new KeyValuePair<string, JinjaValue>(e.Key, EscapeArgument(e.Value))).ToArray());
            return Markup.Wrap(impl(interpreter, self, args));
        }

        private JinjaValue EscapeArgument(JinjaValue v)
        {
            if (name == "join" && (v.IsList || v.Kind == JinjaKind.Iterator))
                return JinjaValue.List(Access.Iterate(v).Select(x => x.IsString ? JinjaValue.FromMarkup(Markup.Escape(x)) : x));
            return v.IsString ? JinjaValue.FromMarkup(Markup.Escape(v)) : v;
        }
    }

    internal static string StringArg(JinjaValue v, string function, string what = "argument")
    {
        if (v.IsString) return v.AsString;
        throw Errors.Type($"{function}() {what} must be str, not {PyFormat.TypeName(v)}");
    }

    internal static string? OptionalStringArg(JinjaValue v, string function)
    {
        if (v.IsNullish) return null;
        return StringArg(v, function);
    }

    internal static long IntArg(JinjaValue v, string function)
    {
        if (v.IsIntegral) return v.AsInt;
        throw Errors.Type($"'{PyFormat.TypeName(v)}' object cannot be interpreted as an integer ({function})");
    }
}
