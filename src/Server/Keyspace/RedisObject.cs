namespace PasteRedis.Server.Keyspace;

public enum RedisType { String, List, Hash, Set, ZSet, Stream }

/// <summary>
/// A value in the keyspace. It knows its own key and its places in the database's slot
/// lists, so deleting, expiring and sampling it need no second lookup.
/// </summary>
internal abstract class RedisObject
{
    public const long NoExpiry = -1;

    protected RedisObject(byte[] key) => Key = key;

    public byte[] Key { get; internal set; }
    public abstract RedisType Type { get; }

    /// <summary>Absolute expiry in Unix milliseconds, or <see cref="NoExpiry"/>.</summary>
    public long ExpireAt = NoExpiry;

    /// <summary>Last access in Unix milliseconds, for LRU eviction and OBJECT IDLETIME.</summary>
    public long LastAccess;

    /// <summary>Order of last access across the server: exact LRU, where milliseconds would tie.</summary>
    public long AccessSeq;

    /// <summary>LFU minutes and counter (<see cref="Lfu"/>), kept under an LFU maxmemory-policy.</summary>
    public int LfuData;

    /// <summary>The log rewrite that has already written this key's base record (compaction).</summary>
    internal int RewriteEpoch;

    internal int Slot = -1;
    internal int VolatileSlot = -1;

    public bool HasExpiry => ExpireAt != NoExpiry;

    /// <summary>Redis's OBJECT ENCODING name for the current representation.</summary>
    public abstract string Encoding(PasteRedis.Paste.PacketBufferPool? pool);

    /// <summary>A copy of the value under <paramref name="key"/> (COPY), without TTL or access time.</summary>
    public abstract RedisObject CloneAs(byte[] key, PasteRedis.Paste.PacketBufferPool? pool);

    public static string TypeName(RedisType t) => t switch
    {
        RedisType.String => "string",
        RedisType.List => "list",
        RedisType.Hash => "hash",
        RedisType.Set => "set",
        RedisType.ZSet => "zset",
        RedisType.Stream => "stream",
        _ => "none",
    };
}
