namespace PasteRedis.Server.Keyspace;

/// <summary>A hash: fields and values in a <see cref="DenseTable{TValue}"/> (managed memory).</summary>
internal sealed class HashObject(byte[] key, EncodingLimits limits) : RedisObject(key)
{
    public readonly DenseTable<byte[]> Fields = new();
    private bool _hashtable;

    // hash-max-listpack-entries (Redis 7.0 compiles in 512; redis.conf's sample sets 128) and hash-max-listpack-value.
    private readonly EncodingLimits _limits = limits;
    private int ListpackMaxEntries => _limits.HashListpackEntries;
    private int ListpackMaxValue => _limits.HashListpackValue;

    public override RedisType Type => RedisType.Hash;
    public int Count => Fields.Count;

    /// <summary>Sets a field; true when it is new.</summary>
    public bool Set(ReadOnlySpan<byte> field, byte[] value)
    {
        // Redis 7.0 converts a listpack to a hashtable for a field or value over hash-max-listpack-value
        // bytes, or past hash-max-listpack-entries entries, and never back.
        if (!_hashtable && (field.Length > ListpackMaxValue || value.Length > ListpackMaxValue)) _hashtable = true;
        bool added = Fields.Set(field, value);
        if (!_hashtable && Fields.Count > ListpackMaxEntries) _hashtable = true;
        return added;
    }

    public override string Encoding(PasteRedis.Paste.PacketBufferPool? pool) => _hashtable ? "hashtable" : "listpack";

    /// <summary>Converted to a hashtable (it never goes back, even when it shrinks).</summary>
    public bool IsHashtable => _hashtable;

    /// <summary>Small enough for a listpack: rebuilt field by field, it would be one.</summary>
    public bool FitsListpack
    {
        get
        {
            if (Fields.Count > ListpackMaxEntries) return false;
            for (int i = 0; i < Fields.Count; i++)
                if (Fields.KeyAt(i).Length > ListpackMaxValue || Fields.ValueAt(i).Length > ListpackMaxValue) return false;
            return true;
        }
    }

    /// <summary>COPY: the same fields and values (fresh arrays) and encoding under another key.</summary>
    public override RedisObject CloneAs(byte[] key, PasteRedis.Paste.PacketBufferPool? pool)
    {
        var copy = new HashObject(key, _limits) { _hashtable = _hashtable };
        for (int i = 0; i < Fields.Count; i++) copy.Fields.Set(Fields.KeyAt(i), [.. Fields.ValueAt(i)]);
        return copy;
    }
}
