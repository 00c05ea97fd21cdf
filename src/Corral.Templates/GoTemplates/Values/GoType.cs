namespace Corral.Templates.GoTemplates;

/// <summary>The reflect kinds templates distinguish.</summary>
public enum GoKind : byte
{
    /// <summary>No value at all (Go's zero <c>reflect.Value</c>): prints as <c>&lt;no value&gt;</c>.</summary>
    Invalid,
    Bool,
    Int,
    Uint,
    Float,
    String,
    Slice,
    Map,
    Struct,
    Pointer,
    /// <summary>An interface-typed slot holding nil (non-nil interface values are stored as their concrete value).</summary>
    Interface,
}

/// <summary>One struct field: Go name, type, and its <c>json</c> tag.</summary>
public sealed record GoField(string Name, GoType Type, string? JsonName = null, bool OmitEmpty = false)
{
    /// <summary>The key used by <c>encoding/json</c> (the tag name, or the Go name).</summary>
    public string JsonKey => JsonName ?? Name;
}

/// <summary>
/// A Go type as far as templates can observe it: its printed name (in error messages), kind, element/key types,
/// struct fields, and the <c>String()</c> / <c>MarshalJSON()</c> methods that change printing and JSON output.
/// </summary>
public sealed class GoType
{
    private IReadOnlyList<GoField> _fields;

    private GoType(string name, GoKind kind, GoType? elem = null, GoType? key = null, IReadOnlyList<GoField>? fields = null)
    {
        Name = name;
        Kind = kind;
        Elem = elem;
        Key = key;
        _fields = fields ?? [];
    }

    /// <summary>Go's <c>reflect.Type.String()</c>, e.g. <c>*template.templateMessage</c>, <c>map[string]interface {}</c>.</summary>
    public string Name { get; }
    public GoKind Kind { get; }
    /// <summary>Element type of a slice or map, or the target of a pointer.</summary>
    public GoType? Elem { get; }
    public GoType? Key { get; }
    public IReadOnlyList<GoField> Fields => _fields;

    /// <summary>A <c>String() string</c> method: used when the value is printed.</summary>
    public Func<GoValue, string>? Stringer { get; init; }

    /// <summary>A <c>MarshalJSON</c> method: returns the JSON text for the value.</summary>
    public Func<GoValue, string>? JsonMarshaler { get; init; }

    /// <summary>A Go <c>[]byte</c>: JSON encodes it as base64.</summary>
    public bool IsByteSlice => Kind == GoKind.Slice && Elem?.Name == "uint8";

    public static GoType Bool { get; } = new("bool", GoKind.Bool);
    public static GoType Int { get; } = new("int", GoKind.Int);
    public static GoType Uint8 { get; } = new("uint8", GoKind.Uint);
    public static GoType Float64 { get; } = new("float64", GoKind.Float);
    public static GoType String { get; } = new("string", GoKind.String);
    /// <summary><c>interface {}</c> (Go's <c>any</c>).</summary>
    public static GoType Any { get; } = new("interface {}", GoKind.Interface);
    public static GoType StringSlice { get; } = SliceOf(String);
    public static GoType AnySlice { get; } = SliceOf(Any);
    public static GoType AnyMap { get; } = MapOf(String, Any);

    public static GoType SliceOf(GoType elem, string? name = null) => new(name ?? "[]" + elem.Name, GoKind.Slice, elem);

    public static GoType MapOf(GoType key, GoType elem, string? name = null) => new(name ?? $"map[{key.Name}]{elem.Name}", GoKind.Map, elem, key);

    public static GoType PointerTo(GoType elem) => new("*" + elem.Name, GoKind.Pointer, elem);

    public static GoType Struct(string name, params GoField[] fields) => new(name, GoKind.Struct, fields: fields);

    /// <summary>
    /// A struct type whose fields are given later with <see cref="DefineFields"/>, for recursive types
    /// (a field whose type refers back to the struct) and for attaching methods before the fields exist.
    /// </summary>
    public static GoType DeclareStruct(string name, Func<GoValue, string>? stringer = null, Func<GoValue, string>? marshalJson = null) =>
        new(name, GoKind.Struct) { Stringer = stringer, JsonMarshaler = marshalJson };

    /// <summary>Sets the fields of a type made by <see cref="DeclareStruct"/> (once).</summary>
    public void DefineFields(params GoField[] fields)
    {
        if (Kind != GoKind.Struct || _fields.Count != 0) throw new InvalidOperationException($"fields of {Name} are already defined");
        _fields = fields;
    }

    /// <summary>
    /// A named type with the same underlying structure as <paramref name="underlying"/> and optional methods,
    /// e.g. <c>type templateArgs map[string]any</c> with a <c>String()</c> method.
    /// </summary>
    public static GoType Named(string name, GoType underlying, Func<GoValue, string>? stringer = null, Func<GoValue, string>? marshalJson = null) =>
        new(name, underlying.Kind, underlying.Elem, underlying.Key, underlying.Fields) { Stringer = stringer, JsonMarshaler = marshalJson };

    public GoField? FindField(string name)
    {
        foreach (var f in Fields)
            if (f.Name == name) return f;
        return null;
    }

    /// <summary>Whether a value of this type can be passed where <paramref name="target"/> is expected (identity, or any interface).</summary>
    public bool AssignableTo(GoType target) => ReferenceEquals(this, target) || target.Kind == GoKind.Interface || Name == target.Name;

    public override string ToString() => Name;
}
