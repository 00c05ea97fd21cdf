using System.Runtime.CompilerServices;

namespace Corral.Templates.Jinja;

/// <summary>The Python type family a <see cref="JinjaValue"/> belongs to.</summary>
public enum JinjaKind : byte
{
    /// <summary>Jinja2's <c>Undefined</c>: a missing variable, key or attribute. The default value.</summary>
    Undefined,
    None,
    Bool,
    Int,
    Float,
    String,
    /// <summary>A list, tuple or dict view (see <see cref="JinjaList.Flavor"/>).</summary>
    List,
    Dict,
    /// <summary>A runtime object with attributes: namespace, loop, cycler, joiner.</summary>
    Object,
    Callable,
    /// <summary>A one-shot Python iterator/generator (result of <c>map</c>, <c>select</c>, <c>reverse</c>, ...).</summary>
    Iterator,
}

/// <summary>
/// One value of the template language, modelled on the Python values Jinja2 works with.
/// Scalars are stored inline; containers are shared by reference (mutation is visible everywhere, as in Python).
/// </summary>
public readonly struct JinjaValue
{
    private readonly object? _ref;
    private readonly long _bits;

    private JinjaValue(JinjaKind kind, object? reference, long bits)
    {
        Kind = kind;
        _ref = reference;
        _bits = bits;
    }

    public JinjaKind Kind { get; }

    /// <summary>A plain undefined value (as for an unknown variable without a name).</summary>
    public static JinjaValue Undefined => default;
    public static JinjaValue None { get; } = new(JinjaKind.None, null, 0);
    public static JinjaValue True { get; } = new(JinjaKind.Bool, null, 1);
    public static JinjaValue False { get; } = new(JinjaKind.Bool, null, 0);
    public static JinjaValue EmptyString { get; } = new(JinjaKind.String, "", 0);

    public static JinjaValue FromBool(bool value) => value ? True : False;
    public static JinjaValue FromInt(long value) => new(JinjaKind.Int, null, value);
    public static JinjaValue FromFloat(double value) => new(JinjaKind.Float, null, BitConverter.DoubleToInt64Bits(value));
    public static JinjaValue FromString(string value) => new(JinjaKind.String, value ?? throw new ArgumentNullException(nameof(value)), 0);
    /// <summary>A markupsafe <c>Markup</c> string (from <c>|safe</c>/<c>|escape</c>): concatenating plain strings to it HTML-escapes them.</summary>
    public static JinjaValue FromMarkup(string value) => new(JinjaKind.String, value ?? throw new ArgumentNullException(nameof(value)), 1);
    public static JinjaValue FromList(JinjaList list) => new(JinjaKind.List, list, 0);
    public static JinjaValue FromDict(JinjaDict dict) => new(JinjaKind.Dict, dict, 0);
    public static JinjaValue FromObject(JinjaObject obj) => new(JinjaKind.Object, obj, 0);
    public static JinjaValue FromCallable(JinjaCallable callable) => new(JinjaKind.Callable, callable, 0);
    public static JinjaValue FromIterator(JinjaIterator iterator) => new(JinjaKind.Iterator, iterator, 0);

    /// <summary>An undefined value that remembers why it is undefined, for Jinja2-worded error messages.</summary>
    internal static JinjaValue MakeUndefined(UndefinedInfo info) => new(JinjaKind.Undefined, info, 0);

    /// <summary>Undefined variable <paramref name="name"/> (message <c>'name' is undefined</c>).</summary>
    public static JinjaValue UndefinedVariable(string name) => MakeUndefined(UndefinedInfo.ForName(name));

    /// <summary>A new list holding <paramref name="items"/>.</summary>
    public static JinjaValue List(IEnumerable<JinjaValue> items) => FromList(new JinjaList(items));
    public static JinjaValue ListOf(params JinjaValue[] items) => FromList(new JinjaList(items));
    public static JinjaValue Tuple(params JinjaValue[] items) => FromList(new JinjaList(items, ListFlavor.Tuple));

    public static implicit operator JinjaValue(string value) => FromString(value);
    public static implicit operator JinjaValue(long value) => FromInt(value);
    public static implicit operator JinjaValue(int value) => FromInt(value);
    public static implicit operator JinjaValue(double value) => FromFloat(value);
    public static implicit operator JinjaValue(bool value) => FromBool(value);
    public static implicit operator JinjaValue(JinjaList value) => FromList(value);
    public static implicit operator JinjaValue(JinjaDict value) => FromDict(value);

    public bool IsUndefined => Kind == JinjaKind.Undefined;
    public bool IsNone => Kind == JinjaKind.None;
    /// <summary>Undefined or none: the two "no value" values.</summary>
    public bool IsNullish => Kind <= JinjaKind.None;
    public bool IsString => Kind == JinjaKind.String;
    /// <summary>A string marked safe (markupsafe <c>Markup</c>).</summary>
    public bool IsMarkup => Kind == JinjaKind.String && _bits == 1;
    /// <summary>Python numbers: int, float and bool (bool is an int subclass).</summary>
    public bool IsNumber => Kind is JinjaKind.Bool or JinjaKind.Int or JinjaKind.Float;
    /// <summary>Python ints including bools.</summary>
    public bool IsIntegral => Kind is JinjaKind.Bool or JinjaKind.Int;
    public bool IsList => Kind == JinjaKind.List;
    public bool IsDict => Kind == JinjaKind.Dict;

    public bool AsBool => _bits != 0;
    /// <summary>The integer value of an int or bool.</summary>
    public long AsInt => _bits;
    /// <summary>The numeric value of an int, bool or float, as a double.</summary>
    public double AsFloat => Kind == JinjaKind.Float ? BitConverter.Int64BitsToDouble(_bits) : _bits;
    public string AsString => (string)_ref!;
    public JinjaList AsList => (JinjaList)_ref!;
    public JinjaDict AsDict => (JinjaDict)_ref!;
    public JinjaObject AsObject => (JinjaObject)_ref!;
    public JinjaCallable AsCallable => (JinjaCallable)_ref!;
    public JinjaIterator AsIterator => (JinjaIterator)_ref!;
    internal UndefinedInfo? UndefinedInfo => _ref as UndefinedInfo;

    /// <summary>Python truthiness.</summary>
    public bool IsTruthy => Kind switch
    {
        JinjaKind.Undefined or JinjaKind.None => false,
        JinjaKind.Bool or JinjaKind.Int => _bits != 0,
        JinjaKind.Float => AsFloat != 0.0,
        JinjaKind.String => AsString.Length != 0,
        JinjaKind.List => AsList.Count != 0,
        JinjaKind.Dict => AsDict.Count != 0,
        _ => true,
    };

    /// <summary>True when both values are the same reference (containers, objects) or the same scalar bits.</summary>
    internal bool IsSameAs(JinjaValue other) =>
        Kind == other.Kind && _bits == other._bits && (ReferenceEquals(_ref, other._ref) || (_ref is string a && other._ref is string b && a == b));

    /// <summary>Python <c>str(value)</c>; undefined gives <c>""</c>.</summary>
    public override string ToString() => PyFormat.Str(this);

    /// <summary>Python <c>repr(value)</c>.</summary>
    public string ToRepr() => PyFormat.Repr(this);

    /// <summary>Converts a JSON node (object key order kept); see <see cref="JinjaValueConverter"/>.</summary>
    public static JinjaValue FromJson(System.Text.Json.Nodes.JsonNode? node) => JinjaValueConverter.FromJsonNode(node);

    /// <summary>Converts a CLR value (string, numbers, bool, dictionaries, lists, JSON nodes/elements).</summary>
    public static JinjaValue FromClr(object? value) => JinjaValueConverter.FromClr(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static JinjaValue Number(double value, bool asInt) => asInt ? FromInt((long)value) : FromFloat(value);
}
