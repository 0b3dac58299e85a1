using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Persistence;

/// <summary>
/// The commands that rebuild a list, hash, set or sorted set (compaction's base records
/// and the Redis AOF export): RPUSH/HSET/SADD/ZADD in chunks of at most 64 items or
/// 1 MB, as Redis's rewriteAppendOnlyFile does, then PEXPIREAT for a TTL.
/// </summary>
internal static class CollectionRecords
{
    private const int ItemsPerCommand = 64;
    private const int BytesPerCommand = 1 << 20;

    /// <summary>Composes the commands for <paramref name="obj"/> into <paramref name="into"/> (cleared first).</summary>
    public static void Compose(RedisObject obj, ComposedCommand into)
    {
        into.Clear();
        switch (obj)
        {
            case ListObject list:
                Chunks(into, "RPUSH"u8, obj.Key, list.Count, 1, (i, c) => c.Append(list[i]), i => list[i].Length);
                break;
            case HashObject hash:
                Chunks(into, "HSET"u8, obj.Key, hash.Count, 2, (i, c) =>
                {
                    c.Append(hash.Fields.KeyAt(i));
                    c.Append(hash.Fields.ValueAt(i));
                }, i => hash.Fields.KeyAt(i).Length + hash.Fields.ValueAt(i).Length);
                break;
            case SetObject set:
                Chunks(into, "SADD"u8, obj.Key, set.Count, 1, (i, c) => c.Append(set.Members.KeyAt(i)), i => set.Members.KeyAt(i).Length);
                break;
            case ZSetObject zset:
                Chunks(into, "ZADD"u8, obj.Key, zset.Count, 2, (i, c) =>
                {
                    c.Append(zset.Scores.ValueAt(i));
                    c.Append(zset.Scores.KeyAt(i));
                }, i => zset.Scores.KeyAt(i).Length + 24);
                break;
            default:
                throw new ArgumentException($"not a collection: {obj.Type}");
        }
        if (obj.HasExpiry) into.Add("PEXPIREAT"u8, obj.Key, obj.ExpireAt);
    }

    private static void Chunks(ComposedCommand into, ReadOnlySpan<byte> verb, byte[] key, int count, int argsPerItem,
        Action<int, ComposedCommand> append, Func<int, int> size)
    {
        for (int start = 0; start < count;)
        {
            int end = start, bytes = 0;
            while (end < count && end - start < ItemsPerCommand && (end == start || bytes + size(end) <= BytesPerCommand)) bytes += size(end++);
            into.Begin(2 + (end - start) * argsPerItem);
            into.Append(verb);
            into.Append(key);
            for (int i = start; i < end; i++) append(i, into);
            into.End();
            start = end;
        }
    }
}
