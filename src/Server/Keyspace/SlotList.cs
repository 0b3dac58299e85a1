namespace PasteRedis.Server.Keyspace;

/// <summary>
/// Objects in stable slots: a removed object leaves a hole that a later insert fills, and
/// nothing ever moves. That gives SCAN its guarantee (a cursor is a slot index, and an
/// object present for the whole scan is returned) and O(1) random sampling for RANDOMKEY,
/// active expiry and eviction.
/// </summary>
internal sealed class SlotList
{
    private RedisObject?[] _slots = new RedisObject?[16];
    private readonly Stack<int> _holes = new();
    private int _high; // slots [0, _high) have been used

    public int Count { get; private set; }
    public int Capacity => _high;

    /// <summary>Room for <paramref name="count"/> objects in all without growing (one copy instead of one per doubling).</summary>
    public void EnsureCapacity(int count)
    {
        if (count > _slots.Length) Array.Resize(ref _slots, (int)Math.Min(Array.MaxLength, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)count)));
    }

    public int Add(RedisObject obj)
    {
        int slot;
        if (_holes.Count > 0) slot = _holes.Pop();
        else
        {
            if (_high == _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
            slot = _high++;
        }
        _slots[slot] = obj;
        Count++;
        return slot;
    }

    public void Remove(int slot)
    {
        _slots[slot] = null;
        _holes.Push(slot);
        Count--;
    }

    public RedisObject? At(int slot) => (uint)slot < (uint)_high ? _slots[slot] : null;

    /// <summary>A uniformly chosen object, or null after a bounded number of misses on holes.</summary>
    public RedisObject? Sample(Random random)
    {
        if (Count == 0) return null;
        for (int tries = 0; tries < 64; tries++)
        {
            var obj = _slots[random.Next(_high)];
            if (obj != null) return obj;
        }
        for (int i = 0; i < _high; i++) if (_slots[i] != null) return _slots[i];
        return null;
    }

    public void Clear()
    {
        _slots = new RedisObject?[16];
        _holes.Clear();
        _high = 0;
        Count = 0;
    }
}
