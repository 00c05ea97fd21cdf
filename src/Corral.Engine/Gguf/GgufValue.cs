using System.Globalization;

namespace Corral.Engine.Gguf;

/// <summary>GGUF metadata value types (engine.md §1.1).</summary>
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

/// <summary>
/// One metadata value. Scalars are boxed CLR primitives; arrays are typed CLR arrays
/// (<c>byte[]</c>, <c>int[]</c>, <c>float[]</c>, <c>string[]</c>, <c>bool[]</c>, …). Accessors widen
/// any integer or float type, because real files are not always strict about key types.
/// </summary>
public sealed class GgufValue
{
    public GgufValueType Type { get; }

    /// <summary>For arrays, the element type; otherwise equal to <see cref="Type"/>.</summary>
    public GgufValueType ElementType { get; }

    private readonly object? _value;
    private readonly GgufStringArray? _strings;

    /// <summary>
    /// The value. A long string array of an open <see cref="GgufFile"/> is read from the file on each access and not kept
    /// (see <see cref="Strings"/>): take it once.
    /// </summary>
    public object Value => _value ?? _strings!.ToArray();

    /// <summary>A long string array left in the file: <see cref="Value"/> reads it on each access, or walk its UTF-8 bytes.</summary>
    public GgufStringArray? Strings => _strings;

    /// <summary>True for an array that <see cref="Value"/> reads from its file on each access.</summary>
    public bool IsReadOnAccess => _strings != null;

    public GgufValue(GgufValueType type, object value, GgufValueType elementType)
    {
        Type = type;
        _value = value;
        ElementType = type == GgufValueType.Array ? elementType : type;
    }

    internal GgufValue(GgufStringArray strings)
    {
        Type = GgufValueType.Array;
        ElementType = GgufValueType.String;
        _strings = strings;
    }

    public static GgufValue Of(string s) => new(GgufValueType.String, s, GgufValueType.String);
    public static GgufValue Of(uint v) => new(GgufValueType.UInt32, v, GgufValueType.UInt32);
    public static GgufValue Of(int v) => new(GgufValueType.Int32, v, GgufValueType.Int32);
    public static GgufValue Of(float v) => new(GgufValueType.Float32, v, GgufValueType.Float32);
    public static GgufValue Of(bool v) => new(GgufValueType.Bool, v, GgufValueType.Bool);
    public static GgufValue Of(ulong v) => new(GgufValueType.UInt64, v, GgufValueType.UInt64);

    public bool IsArray => Type == GgufValueType.Array;

    public int ArrayLength => _strings != null ? _strings.Count : _value is Array a ? a.Length : 0;

    public bool IsNumeric => Type is not (GgufValueType.String or GgufValueType.Array);

    public long AsInt64() => Value switch
    {
        byte b => b,
        sbyte sb => sb,
        ushort us => us,
        short s => s,
        uint ui => ui,
        int i => i,
        ulong ul => unchecked((long)ul),
        long l => l,
        float f => (long)f,
        double d => (long)d,
        bool bo => bo ? 1 : 0,
        _ => throw new InvalidCastException($"GGUF value of type {Type} is not a number"),
    };

    public double AsDouble() => Value switch
    {
        float f => f,
        double d => d,
        ulong ul => ul,
        bool bo => bo ? 1 : 0,
        _ => AsInt64(),
    };

    public float AsSingle() => (float)AsDouble();

    public bool AsBool() => Value switch
    {
        bool b => b,
        _ => AsInt64() != 0,
    };

    public string AsString() => Value as string ?? throw new InvalidCastException($"GGUF value of type {Type} is not a string");

    /// <summary>The array as <typeparamref name="T"/>[] when it is stored exactly so.</summary>
    public T[]? ArrayOf<T>() => Value as T[];

    /// <summary>Any numeric array widened to int (e.g. token types stored as i32 or u8).</summary>
    public int[] AsInt32Array()
    {
        if (Value is int[] ints) return ints;
        if (Value is not Array a) throw new InvalidCastException($"GGUF value of type {Type} is not an array");
        var result = new int[a.Length];
        for (int i = 0; i < a.Length; i++) result[i] = Convert.ToInt32(a.GetValue(i), CultureInfo.InvariantCulture);
        return result;
    }

    /// <summary>Any numeric array widened to float (e.g. scores stored as f32 or i32).</summary>
    public float[] AsSingleArray()
    {
        if (Value is float[] floats) return floats;
        if (Value is not Array a) throw new InvalidCastException($"GGUF value of type {Type} is not an array");
        var result = new float[a.Length];
        for (int i = 0; i < a.Length; i++) result[i] = Convert.ToSingle(a.GetValue(i), CultureInfo.InvariantCulture);
        return result;
    }

    public string[] AsStringArray() => Value as string[] ?? throw new InvalidCastException($"GGUF value of type {Type} is not a string array");

    public override string ToString() => _strings != null ? $"[{_strings.Count} × {ElementType}]" : Value switch
    {
        string s => s,
        Array a => $"[{a.Length} × {ElementType}]",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Convert.ToString(Value, CultureInfo.InvariantCulture) ?? "",
    };
}
