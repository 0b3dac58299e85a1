using System.Runtime.InteropServices;
using PasteRedis.Paste;

namespace PasteRedis.Server.Keyspace;

/// <summary>
/// Keys a replay has found but not yet built objects for: the log's plain `SET key value`
/// records whose key and value lie in packet buffers, each kept as where its key lies and
/// where its value lies (the value's references taken, as a stored value's are). The replay
/// only indexes them, so the server can serve as soon as the log is validated; a lookup
/// builds a key's object when it is first asked for, and a background task builds the rest
/// (<see cref="Database.MaterializeSome"/>). A key is in its database's dictionary or here,
/// never both. No allocation per key: the table is one dictionary of structs whose keys
/// are compared where they lie.
/// </summary>
internal sealed class DeferredStrings
{
    /// <summary>A value as extents: one, or two when it crosses a buffer boundary.</summary>
    public readonly record struct Value(PbufExtent First, PbufExtent Second, int Length)
    {
        public int Count => Second.Length > 0 ? 2 : 1;
    }

    private readonly PacketBufferPool _pool;
    private readonly Dictionary<PbufExtent, Value> _table;
    private Dictionary<PbufExtent, Value>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public DeferredStrings(PacketBufferPool pool, int capacity)
    {
        _pool = pool;
        _table = new Dictionary<PbufExtent, Value>(capacity, new KeyComparer(pool));
        _lookup = _table.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public PacketBufferPool Pool => _pool;
    public int Count => _table.Count;

    /// <summary>Indexes a key's latest value, dropping the value it replaces (its references go).</summary>
    public void Set(in PbufExtent key, in Value value)
    {
        _pool.AddValueRef(value.First);
        if (value.Second.Length > 0) _pool.AddValueRef(value.Second);
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_table, key, out bool exists);
        if (exists) Release(slot);
        slot = value;
    }

    public bool TryTake(ReadOnlySpan<byte> key, out PbufExtent keyExtent, out Value value) =>
        _lookup.Remove(key, out keyExtent, out value);

    /// <summary>
    /// Takes up to <paramref name="into"/>'s length of entries (the background build) and
    /// returns how many. The walk starts at the table's start each time and steps over the
    /// entries taken before (a sequential skip, cheap next to building the objects).
    /// </summary>
    public int Take(Span<KeyValuePair<PbufExtent, Value>> into)
    {
        int n = 0;
        foreach (var entry in _table)
        {
            if (n == into.Length) break;
            into[n++] = entry;
        }
        for (int i = 0; i < n; i++) _table.Remove(into[i].Key);
        return n;
    }

    /// <summary>Drops every entry and the references their values hold (FLUSHDB, FLUSHALL).</summary>
    public void Clear()
    {
        foreach (var v in _table.Values) Release(v);
        _table.Clear();
    }

    private void Release(in Value v)
    {
        _pool.ReleaseValueRef(v.First);
        if (v.Second.Length > 0) _pool.ReleaseValueRef(v.Second);
    }

    /// <summary>Keys compared by their bytes in the packet buffers; probed by a span, hashed as the keyspace hashes.</summary>
    private sealed class KeyComparer(PacketBufferPool pool) : IEqualityComparer<PbufExtent>, IAlternateEqualityComparer<ReadOnlySpan<byte>, PbufExtent>
    {
        public bool Equals(PbufExtent x, PbufExtent y) => pool.Read(x).SequenceEqual(pool.Read(y));
        public int GetHashCode(PbufExtent obj) => ByteKeyComparer.Instance.GetHashCode(pool.Read(obj));
        public bool Equals(ReadOnlySpan<byte> alternate, PbufExtent other) => alternate.SequenceEqual(pool.Read(other));
        public int GetHashCode(ReadOnlySpan<byte> alternate) => ByteKeyComparer.Instance.GetHashCode(alternate);
        public PbufExtent Create(ReadOnlySpan<byte> alternate) =>
            throw new NotSupportedException("deferred keys are added by extent, never by span");
    }
}
