namespace Corral.Engine.Tokenizers;

/// <summary>
/// An immutable byte trie (built once, then compacted to flat arrays: each node's outgoing edges are a
/// sorted run searched by binary search). Node 0 is the root.
/// </summary>
internal sealed class ByteTrie
{
    private readonly int[] _edgeStart;  // node → first edge; _edgeStart[node + 1] ends it
    private readonly byte[] _edgeByte;
    private readonly int[] _edgeTarget;
    private readonly int[] _value;      // token id or -1

    public const int Root = 0;

    private ByteTrie(int[] edgeStart, byte[] edgeByte, int[] edgeTarget, int[] value)
    {
        _edgeStart = edgeStart;
        _edgeByte = edgeByte;
        _edgeTarget = edgeTarget;
        _value = value;
    }

    /// <summary>The child of <paramref name="node"/> along <paramref name="b"/>, or -1.</summary>
    public int Next(int node, byte b)
    {
        int lo = _edgeStart[node], hi = _edgeStart[node + 1] - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            byte e = _edgeByte[mid];
            if (e == b) return _edgeTarget[mid];
            if (e < b) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    /// <summary>The value stored at <paramref name="node"/>, or -1.</summary>
    public int Value(int node) => _value[node];

    /// <summary>How far <paramref name="text"/> follows a path from the root (the end need not be a key).</summary>
    public int LongestPathPrefix(ReadOnlySpan<byte> text)
    {
        int node = Root;
        int i = 0;
        while (i < text.Length && (node = Next(node, text[i])) >= 0) i++;
        return i;
    }

    public sealed class Builder
    {
        private readonly List<Dictionary<byte, int>> _children = [new()];
        private readonly List<int> _values = [-1];

        public void Add(ReadOnlySpan<byte> key, int value)
        {
            int node = Root;
            foreach (byte b in key)
            {
                if (!_children[node].TryGetValue(b, out int child))
                {
                    child = _children.Count;
                    _children.Add(new Dictionary<byte, int>());
                    _values.Add(-1);
                    _children[node].Add(b, child);
                }
                node = child;
            }
            _values[node] = value;
        }

        public ByteTrie Build()
        {
            int nodes = _children.Count;
            var start = new int[nodes + 1];
            int edges = 0;
            for (int n = 0; n < nodes; n++)
            {
                start[n] = edges;
                edges += _children[n].Count;
            }
            start[nodes] = edges;
            var edgeByte = new byte[edges];
            var edgeTarget = new int[edges];
            for (int n = 0; n < nodes; n++)
            {
                int e = start[n];
                foreach (var kv in _children[n].OrderBy(kv => kv.Key))
                {
                    edgeByte[e] = kv.Key;
                    edgeTarget[e] = kv.Value;
                    e++;
                }
            }
            return new ByteTrie(start, edgeByte, edgeTarget, _values.ToArray());
        }
    }
}
