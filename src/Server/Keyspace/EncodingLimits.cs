namespace PasteRedis.Server.Keyspace;

/// <summary>
/// Where Redis 7.0 moves a value from its compact encoding to the full one, as configured
/// (hash-max-listpack-entries/-value, zset-max-listpack-entries/-value,
/// set-max-intset-entries): OBJECT ENCODING, and what a value converts to when it grows,
/// follow them as in Redis. One instance per server's configuration (CONFIG SET changes
/// it in place); each hash, set and sorted set keeps a reference to its server's.
/// </summary>
internal sealed class EncodingLimits
{
    public int HashListpackEntries = 512;
    public int HashListpackValue = 64;
    public int ZSetListpackEntries = 128;
    public int ZSetListpackValue = 64;
    public int SetIntsetEntries = 512;

    /// <summary>Redis 7.0's compiled-in defaults (values made outside a server, such as an RDB file's being imported).</summary>
    public static readonly EncodingLimits Defaults = new();

    /// <summary>A size_t configuration value as an int limit (Redis's go up to LONG_MAX; no count here is that large).</summary>
    public static int Clamp(long value) => (int)Math.Min(int.MaxValue, value);
}
