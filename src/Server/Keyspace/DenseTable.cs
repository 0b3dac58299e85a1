using System.Runtime.InteropServices;

namespace PasteRedis.Server.Keyspace;

/// <summary>
/// A byte-string keyed table whose entries lie densely in arrays: O(1) lookup, insert,
/// delete (the last entry moves into the hole) and uniform random pick (SPOP,
/// SRANDMEMBER, HRANDFIELD). Scans walk from the end towards index 0, so an entry present
/// for a whole scan is returned at least once, as Redis's SCAN guarantees: a delete only
/// ever moves the last entry, which a scan from the end has already visited.
/// </summary>
internal sealed class DenseTable<TValue>
{
    private readonly Dictionary<byte[], int> _index = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private byte[][] _keys = new byte[4][];
    private TValue[] _values = new TValue[4];

    public DenseTable() => _lookup = _index.GetAlternateLookup<ReadOnlySpan<byte>>();

    public int Count { get; private set; }

    public byte[] KeyAt(int i) => _keys[i];
    public ref TValue ValueAt(int i) => ref _values[i];

    public int IndexOf(ReadOnlySpan<byte> key) => _lookup.TryGetValue(key, out int i) ? i : -1;

    public bool Contains(ReadOnlySpan<byte> key) => _lookup.ContainsKey(key);

    public bool TryGetValue(ReadOnlySpan<byte> key, out TValue value)
    {
        if (_lookup.TryGetValue(key, out int i))
        {
            value = _values[i];
            return true;
        }
        value = default!;
        return false;
    }

    /// <summary>Sets the value under <paramref name="key"/>; true when the key is new.</summary>
    public bool Set(ReadOnlySpan<byte> key, TValue value)
    {
        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_lookup, key, out bool exists);
        if (exists)
        {
            _values[slot] = value;
            return false;
        }
        if (Count == _keys.Length)
        {
            Array.Resize(ref _keys, Count * 2);
            Array.Resize(ref _values, Count * 2);
        }
        slot = Count;
        _keys[Count] = FindStoredKey(key);
        _values[Count] = value;
        Count++;
        return true;
    }

    // The dictionary created the key array for the span (IAlternateEqualityComparer.Create);
    // the dense arrays share it instead of copying the bytes again.
    private byte[] FindStoredKey(ReadOnlySpan<byte> key)
    {
        _lookup.TryGetValue(key, out byte[]? stored, out _);
        return stored!;
    }

    public bool Remove(ReadOnlySpan<byte> key)
    {
        if (!_lookup.Remove(key, out _, out int i)) return false;
        MoveLastInto(i);
        return true;
    }

    public void RemoveAt(int i)
    {
        _index.Remove(_keys[i]);
        MoveLastInto(i);
    }

    private void MoveLastInto(int i)
    {
        int last = --Count;
        if (i != last)
        {
            _keys[i] = _keys[last];
            _values[i] = _values[last];
            _index[_keys[i]] = i;
        }
        _keys[last] = null!;
        _values[last] = default!;
    }

    public int RandomIndex(Random random) => random.Next(Count);

    /// <summary>
    /// One scan step: visits up to <paramref name="count"/> entries below position
    /// <paramref name="cursor"/> (0 = start from the end) and returns the next cursor (0 = done).
    /// </summary>
    public long Scan(long cursor, int count, Action<int> visit)
    {
        long next = cursor == 0 ? Count : Math.Min(cursor, Count);
        while (next > 0 && count-- > 0) visit((int)--next);
        return next;
    }
}
