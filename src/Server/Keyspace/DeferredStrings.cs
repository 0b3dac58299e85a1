using System.Runtime.CompilerServices;
using PasteRedis.Paste;

namespace PasteRedis.Server.Keyspace;

/// <summary>
/// Keys a replay has found but not yet built objects for: the log's plain `SET key value`
/// records whose key and value lie in packet buffers, each kept as where its key lies and
/// where its value lies (the value's references taken, as a stored value's are). The replay
/// only indexes them, so the server can serve as soon as the log is validated; a lookup
/// builds a key's object when it is first asked for, and a background task builds the rest
/// (<see cref="Database.MaterializeSome"/>). A key is in its database's dictionary or here,
/// never both.
/// <para>
/// An open-addressing table of structs (linear probing, deletions leave tombstones), with
/// no allocation per key, because a replay's time is its cache misses: the table slot and
/// the key of the entry it holds are both asked for ahead (<see cref="Prefetch"/>,
/// <see cref="PrefetchOccupant"/>) by the loader, a few records before each is indexed.
/// </para>
/// </summary>
internal sealed class DeferredStrings
{
    /// <summary>A value as extents: one, or two when it crosses a buffer boundary.</summary>
    public readonly record struct Value(PbufExtent First, PbufExtent Second)
    {
        public int Count => Second.Length > 0 ? 2 : 1;
        public int Length => First.Length + Second.Length;
    }

    // Key.Length: > 0 an entry, 0 an empty slot, -1 a tombstone (keys are never empty here).
    private struct Entry
    {
        public int Hash;
        public PbufExtent Key;
        public Value Value;
    }

    private readonly PacketBufferPool _pool;
    private Entry[] _slots;
    private int _used;   // entries and tombstones: what probing walks over
    private int _cursor; // where the background build's walk goes on

    public DeferredStrings(PacketBufferPool pool, int capacity)
    {
        _pool = pool;
        _slots = new Entry[Math.Max(16, (int)Math.Min(1 << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, capacity) * 2)))];
    }

    public PacketBufferPool Pool => _pool;
    public int Count { get; private set; }

    public static int Hash(ReadOnlySpan<byte> key) => ByteKeyComparer.Instance.GetHashCode(key);

    /// <summary>Asks for the slot a key of this hash probes first.</summary>
    public unsafe void Prefetch(int hash)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref _slots[hash & (_slots.Length - 1)]));
    }

    /// <summary>Asks for the key bytes of the entry in that slot (the comparison an overwrite makes).</summary>
    public void PrefetchOccupant(int hash)
    {
        ref var e = ref _slots[hash & (_slots.Length - 1)];
        if (e.Key.Length > 0 && e.Hash == hash) _pool.Prefetch(e.Key);
    }

    /// <summary>Indexes a key's latest value, dropping the value it replaces (its references go).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Set(in PbufExtent key, int hash, in Value value)
    {
        _pool.AddValueRef(value.First);
        if (value.Second.Length > 0) _pool.AddValueRef(value.Second);
        int found = Find(_pool.Read(key), hash, out int free);
        if (found >= 0)
        {
            ref var e = ref _slots[found];
            Release(e.Value);
            e.Value = value;
            return;
        }
        ref var slot = ref _slots[free];
        if (slot.Key.Length == 0) _used++;
        slot = new Entry { Hash = hash, Key = key, Value = value };
        Count++;
        if (_used * 2 > _slots.Length) Grow();
    }

    public bool TryTake(ReadOnlySpan<byte> key, out Value value)
    {
        int found = Find(key, Hash(key), out _);
        if (found < 0)
        {
            value = default;
            return false;
        }
        value = _slots[found].Value;
        Bury(found);
        return true;
    }

    /// <summary>
    /// Takes the next entry of a walk over the slots that goes on where the last one stopped
    /// (the background build); false when none is left.
    /// </summary>
    public bool TryTakeNext(out PbufExtent key, out Value value)
    {
        while (Count > 0)
        {
            if (_cursor >= _slots.Length) _cursor = 0;
            ref var e = ref _slots[_cursor];
            if (e.Key.Length > 0)
            {
                (key, value) = (e.Key, e.Value);
                Bury(_cursor);
                return true;
            }
            _cursor++;
        }
        (key, value) = (default, default);
        return false;
    }

    /// <summary>Drops every entry and the references their values hold (FLUSHDB, FLUSHALL).</summary>
    public void Clear()
    {
        foreach (ref var e in _slots.AsSpan())
            if (e.Key.Length > 0) Release(e.Value);
        Array.Clear(_slots);
        Count = _used = 0;
    }

    /// <summary>The slot holding the key, or -1 with <paramref name="free"/> where it would go (the first tombstone or the empty slot that ends the probe).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Find(ReadOnlySpan<byte> key, int hash, out int free)
    {
        int mask = _slots.Length - 1;
        free = -1;
        for (int i = hash & mask; ; i = (i + 1) & mask)
        {
            ref var e = ref _slots[i];
            if (e.Key.Length == 0)
            {
                if (free < 0) free = i;
                return -1;
            }
            if (e.Key.Length < 0)
            {
                if (free < 0) free = i;
                continue;
            }
            if (e.Hash == hash && e.Key.Length == key.Length && _pool.Read(e.Key).SequenceEqual(key)) return i;
        }
    }

    private void Bury(int slot)
    {
        _slots[slot] = new Entry { Key = new PbufExtent(0, 0, -1) };
        Count--;
    }

    private void Grow()
    {
        var old = _slots;
        _slots = new Entry[old.Length * 2];
        int mask = _slots.Length - 1;
        foreach (ref var e in old.AsSpan())
        {
            if (e.Key.Length <= 0) continue;
            int i = e.Hash & mask;
            while (_slots[i].Key.Length != 0) i = (i + 1) & mask;
            _slots[i] = e;
        }
        _used = Count;
        _cursor = 0;
    }

    private void Release(in Value v)
    {
        _pool.ReleaseValueRef(v.First);
        if (v.Second.Length > 0) _pool.ReleaseValueRef(v.Second);
    }
}
