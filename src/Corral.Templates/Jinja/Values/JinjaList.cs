using System.Collections;

namespace Corral.Templates.Jinja;

/// <summary>Which Python sequence type a <see cref="JinjaList"/> stands for (affects printing, equality, JSON and mutability).</summary>
public enum ListFlavor : byte
{
    List,
    Tuple,
    /// <summary><c>dict.keys()</c> view.</summary>
    DictKeys,
    /// <summary><c>dict.values()</c> view.</summary>
    DictValues,
    /// <summary><c>dict.items()</c> view (items are 2-tuples).</summary>
    DictItems,
}

/// <summary>A Python list, tuple or dict view.</summary>
public sealed class JinjaList : IReadOnlyList<JinjaValue>
{
    private readonly List<JinjaValue> _items;

    public JinjaList(ListFlavor flavor = ListFlavor.List)
    {
        _items = new List<JinjaValue>();
        Flavor = flavor;
    }

    public JinjaList(IEnumerable<JinjaValue> items, ListFlavor flavor = ListFlavor.List)
    {
        _items = new List<JinjaValue>(items);
        Flavor = flavor;
    }

    public ListFlavor Flavor { get; }

    /// <summary>Only real lists can be changed (tuples and dict views are read-only).</summary>
    public bool IsMutable => Flavor == ListFlavor.List;

    public int Count => _items.Count;

    public JinjaValue this[int index]
    {
        get => _items[index];
        set { EnsureMutable(); _items[index] = value; }
    }

    public void Add(JinjaValue value) { EnsureMutable(); _items.Add(value); }
    public void AddRange(IEnumerable<JinjaValue> values) { EnsureMutable(); _items.AddRange(values); }
    public void Insert(int index, JinjaValue value) { EnsureMutable(); _items.Insert(index, value); }
    public void RemoveAt(int index) { EnsureMutable(); _items.RemoveAt(index); }
    public void Clear() { EnsureMutable(); _items.Clear(); }
    public void Reverse() { EnsureMutable(); _items.Reverse(); }
    internal void SortInPlace(Comparison<JinjaValue> comparison) { EnsureMutable(); PyEquality.StableSort(_items, comparison); }

    /// <summary>A snapshot copy of the items (safe to enumerate while the template mutates the list).</summary>
    public JinjaValue[] ToArray() => _items.ToArray();

    public List<JinjaValue>.Enumerator GetEnumerator() => _items.GetEnumerator();
    IEnumerator<JinjaValue> IEnumerable<JinjaValue>.GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    internal string PythonTypeName => Flavor switch
    {
        ListFlavor.Tuple => "tuple",
        ListFlavor.DictKeys => "dict_keys",
        ListFlavor.DictValues => "dict_values",
        ListFlavor.DictItems => "dict_items",
        _ => "list",
    };

    private void EnsureMutable()
    {
        if (Flavor != ListFlavor.List)
            throw new JinjaException(JinjaErrorKind.Type, $"'{PythonTypeName}' object does not support item assignment");
    }
}
