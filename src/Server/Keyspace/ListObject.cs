namespace PasteRedis.Server.Keyspace;

/// <summary>
/// A list: a ring buffer of elements, O(1) at both ends and by index (LINDEX, LSET,
/// LRANGE start), O(n) in the middle (LINSERT, LREM) as in Redis's quicklist.
/// Elements live in managed memory (see the README's architecture section).
/// </summary>
internal sealed class ListObject(byte[] key) : RedisObject(key)
{
    private byte[][] _items = new byte[4][];
    private int _head;

    public override RedisType Type => RedisType.List;
    public int Count { get; private set; }

    public byte[] this[int i]
    {
        get => _items[(_head + i) & (_items.Length - 1)];
        set => _items[(_head + i) & (_items.Length - 1)] = value;
    }

    public void PushLeft(byte[] value)
    {
        Grow();
        _head = (_head - 1) & (_items.Length - 1);
        _items[_head] = value;
        Count++;
    }

    public void PushRight(byte[] value)
    {
        Grow();
        _items[(_head + Count) & (_items.Length - 1)] = value;
        Count++;
    }

    public byte[] PopLeft()
    {
        var v = _items[_head];
        _items[_head] = null!;
        _head = (_head + 1) & (_items.Length - 1);
        Count--;
        return v;
    }

    public byte[] PopRight()
    {
        int i = (_head + Count - 1) & (_items.Length - 1);
        var v = _items[i];
        _items[i] = null!;
        Count--;
        return v;
    }

    /// <summary>Inserts at position <paramref name="index"/> (0..Count), shifting the shorter side.</summary>
    public void Insert(int index, byte[] value)
    {
        if (index == 0) { PushLeft(value); return; }
        if (index == Count) { PushRight(value); return; }
        PushRight(value);
        for (int i = Count - 1; i > index; i--) this[i] = this[i - 1];
        this[index] = value;
    }

    public void RemoveAt(int index)
    {
        for (int i = index; i < Count - 1; i++) this[i] = this[i + 1];
        PopRight();
    }

    /// <summary>Keeps elements [start, end] (already clamped, start ≤ end), as LTRIM.</summary>
    public void Trim(int start, int end)
    {
        for (int i = Count - 1; i > end; i--) PopRight();
        for (int i = 0; i < start; i++) PopLeft();
    }

    private void Grow()
    {
        if (Count < _items.Length) return;
        var bigger = new byte[_items.Length * 2][];
        for (int i = 0; i < Count; i++) bigger[i] = this[i];
        _items = bigger;
        _head = 0;
    }

    /// <summary>COPY: the same elements (fresh arrays) under another key.</summary>
    public override RedisObject CloneAs(byte[] key, PasteRedis.Paste.PacketBufferPool? pool)
    {
        var copy = new ListObject(key);
        for (int i = 0; i < Count; i++) copy.PushRight([.. this[i]]);
        return copy;
    }

    /// <summary>Redis 7.0 keeps every list in a quicklist (of ziplist nodes), however short.</summary>
    public override string Encoding(PasteRedis.Paste.PacketBufferPool? pool) => "quicklist";
}
