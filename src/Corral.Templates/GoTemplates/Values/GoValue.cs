namespace Corral.Templates.GoTemplates;

/// <summary>
/// A typed value as Go's <c>reflect.Value</c> sees it. <c>default</c> is the invalid value (no value).
/// Slices, maps and pointers may be nil; struct values hold their fields in declaration order.
/// </summary>
public readonly struct GoValue
{
    private readonly object? _ref;
    private readonly long _bits;
    private readonly bool _viaInterface;

    private GoValue(GoType type, object? reference, long bits, bool viaInterface = false)
    {
        Type = type;
        _ref = reference;
        _bits = bits;
        _viaInterface = viaInterface;
    }

    /// <summary>
    /// The same value read from an <c>interface {}</c>-typed slot (map element, slice element, field). Go reports
    /// such a value's static type as <c>interface {}</c> in errors until a pipeline unwraps it.
    /// </summary>
    internal GoValue ViaInterface(GoType slotType) =>
        slotType.Kind == GoKind.Interface && Type != null && Kind != GoKind.Interface ? new GoValue(Type, _ref, _bits, true) : this;

    /// <summary>The value without its interface wrapping.</summary>
    internal GoValue Unwrapped => _viaInterface ? new GoValue(Type!, _ref, _bits) : this;

    /// <summary>Go's static type name: <c>interface {}</c> for values read from interface slots.</summary>
    internal string StaticTypeName => _viaInterface ? "interface {}" : Type?.Name ?? "<nil>";

    /// <summary>The static type, or null for the invalid value.</summary>
    public GoType? Type { get; }

    public GoKind Kind => Type?.Kind ?? GoKind.Invalid;
    public bool IsValid => Type != null;

    /// <summary>True for nil slices, maps, pointers and interfaces.</summary>
    public bool IsNil => Kind is GoKind.Slice or GoKind.Map or GoKind.Pointer or GoKind.Interface && _ref == null;

    public static GoValue Invalid => default;
    public static GoValue Bool(bool value) => new(GoType.Bool, null, value ? 1 : 0);
    public static GoValue Int(long value) => new(GoType.Int, null, value);
    public static GoValue Float(double value) => new(GoType.Float64, null, BitConverter.DoubleToInt64Bits(value));
    public static GoValue String(string value) => new(GoType.String, value, 0);

    /// <summary>A value of a named basic type (e.g. a <c>uint8</c> or a string type with methods).</summary>
    public static GoValue OfBasic(GoType type, long bits, string? text = null) => new(type, text, bits);

    public static GoValue Slice(GoType type, IEnumerable<GoValue>? items) =>
        new(type, items == null ? null : new List<GoValue>(items), 0);

    /// <summary>A map; entries keep insertion order (range and printing sort keys, as Go does).</summary>
    public static GoValue Map(GoType type, IEnumerable<KeyValuePair<string, GoValue>>? entries) =>
        new(type, entries == null ? null : new List<KeyValuePair<string, GoValue>>(entries), 0);

    public static GoValue Struct(GoType type, params GoValue[] fields)
    {
        if (fields.Length != type.Fields.Count) throw new ArgumentException($"{type.Name} has {type.Fields.Count} fields, got {fields.Length}");
        return new(type, fields, 0);
    }

    public static GoValue Pointer(GoValue target) => new(GoType.PointerTo(target.Type ?? GoType.Any), new GoValue[] { target }, 0);

    public static GoValue PointerOf(GoType pointerType, GoValue? target) =>
        new(pointerType, target is { } t ? new GoValue[] { t } : null, 0);

    /// <summary>The zero value of <paramref name="type"/>.</summary>
    public static GoValue Zero(GoType type) => type.Kind switch
    {
        GoKind.String => new(type, "", 0),
        GoKind.Struct => new(type, type.Fields.Select(f => Zero(f.Type)).ToArray(), 0),
        _ => new(type, null, 0),
    };

    /// <summary>Identity of the referenced storage (pointer equality).</summary>
    internal object? Reference => _ref;

    public bool AsBool => _bits != 0;
    public long AsInt => _bits;
    public ulong AsUint => (ulong)_bits;
    public double AsFloat => BitConverter.Int64BitsToDouble(_bits);
    public string AsString => (string)_ref!;
    public IReadOnlyList<GoValue> AsSlice => (List<GoValue>?)_ref ?? (IReadOnlyList<GoValue>)Array.Empty<GoValue>();
    public IReadOnlyList<KeyValuePair<string, GoValue>> MapEntries => (List<KeyValuePair<string, GoValue>>?)_ref ?? (IReadOnlyList<KeyValuePair<string, GoValue>>)Array.Empty<KeyValuePair<string, GoValue>>();
    public IReadOnlyList<GoValue> StructFields => (GoValue[])_ref!;
    public GoValue PointerTarget => ((GoValue[])_ref!)[0];

    /// <summary>Map lookup by key.</summary>
    public bool TryGetMapValue(string key, out GoValue value)
    {
        foreach (var (k, v) in MapEntries)
            if (k == key) { value = v; return true; }
        value = default;
        return false;
    }

    /// <summary>Struct field by Go name.</summary>
    public bool TryGetField(string name, out GoValue value)
    {
        var fields = Type!.Fields;
        for (int i = 0; i < fields.Count; i++)
            if (fields[i].Name == name) { value = StructFields[i]; return true; }
        value = default;
        return false;
    }

    /// <summary>Map entries sorted the way Go's <c>fmtsort</c> orders string keys (by code point).</summary>
    public IEnumerable<KeyValuePair<string, GoValue>> SortedMapEntries() =>
        MapEntries.OrderBy(e => e.Key, StringComparer.Ordinal.WithCodePointOrder());

    /// <summary>Length of a string (UTF-8 bytes, as Go counts), slice or map.</summary>
    public int Length => Kind switch
    {
        GoKind.String => System.Text.Encoding.UTF8.GetByteCount(AsString),
        GoKind.Slice => AsSlice.Count,
        GoKind.Map => MapEntries.Count,
        _ => 0,
    };

    public override string ToString() => GoFormat.Sprint([this]);
}

internal static class CodePointOrder
{
    /// <summary>An ordinal comparer that orders surrogate pairs after the BMP, matching Go's byte-wise UTF-8 string order.</summary>
    public static IComparer<string> WithCodePointOrder(this StringComparer _) => Comparer;

    private static readonly IComparer<string> Comparer = Comparer<string>.Create((a, b) =>
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            char x = a[i], y = b[i];
            if (x == y) continue;
            bool xs = char.IsSurrogate(x), ys = char.IsSurrogate(y);
            if (xs == ys) return x < y ? -1 : 1;
            return xs ? 1 : -1;
        }
        return a.Length.CompareTo(b.Length);
    });
}
