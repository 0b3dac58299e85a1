namespace PasteRedis.Server.Keyspace;

/// <summary>A hash: fields and values in a <see cref="DenseTable{TValue}"/> (managed memory).</summary>
internal sealed class HashObject(byte[] key) : RedisObject(key)
{
    public readonly DenseTable<byte[]> Fields = new();
    private bool _hashtable;

    public override RedisType Type => RedisType.Hash;
    public int Count => Fields.Count;

    /// <summary>Sets a field; true when it is new.</summary>
    public bool Set(ReadOnlySpan<byte> field, byte[] value)
    {
        // Redis converts a listpack to a hashtable past 128 entries or 64-byte items, and never back.
        if (!_hashtable && (field.Length > 64 || value.Length > 64 || Fields.Count >= 128)) _hashtable = true;
        return Fields.Set(field, value);
    }

    public override string Encoding(PasteRedis.Paste.PacketBufferPool? pool) => _hashtable ? "hashtable" : "listpack";

    /// <summary>COPY: the same fields and values (fresh arrays) and encoding under another key.</summary>
    public override RedisObject CloneAs(byte[] key, PasteRedis.Paste.PacketBufferPool? pool)
    {
        var copy = new HashObject(key) { _hashtable = _hashtable };
        for (int i = 0; i < Fields.Count; i++) copy.Fields.Set(Fields.KeyAt(i), [.. Fields.ValueAt(i)]);
        return copy;
    }
}
