using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Persistence;

/// <summary>
/// The commands that rebuild a list, hash, set, sorted set or stream (compaction's base
/// records and the Redis AOF export): RPUSH/HSET/SADD/ZADD in chunks of at most 64 items
/// or 1 MB, as Redis's rewriteAppendOnlyFile does, a stream as Redis's rewriteStreamObject
/// writes it, then PEXPIREAT for a TTL.
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
            {
                var placeholder = hash.IsHashtable && hash.FitsListpack ? Placeholder(m => hash.Fields.Contains(m)) : null;
                Chunks(into, "HSET"u8, obj.Key, hash.Count, 2, (i, c) =>
                {
                    c.Append(hash.Fields.KeyAt(i));
                    c.Append(hash.Fields.ValueAt(i));
                }, i => hash.Fields.KeyAt(i).Length + hash.Fields.ValueAt(i).Length, placeholder == null ? null : c =>
                {
                    c.Append(placeholder);
                    c.Append(""u8);
                });
                if (placeholder != null) into.Add("HDEL"u8, obj.Key, placeholder);
                break;
            }
            case SetObject set:
            {
                var placeholder = set.IsHashtable && set.FitsIntset ? Placeholder(m => set.Members.Contains(m)) : null;
                Chunks(into, "SADD"u8, obj.Key, set.Count, 1, (i, c) => c.Append(set.Members.KeyAt(i)), i => set.Members.KeyAt(i).Length,
                    placeholder == null ? null : c => c.Append(placeholder));
                if (placeholder != null) into.Add("SREM"u8, obj.Key, placeholder);
                break;
            }
            case ZSetObject zset:
            {
                // A skip list keeps a score of -0 where a listpack stores 0, and the rebuild inserts
                // members in table order: so any skip list holding -0 starts as one too.
                var placeholder = zset.IsSkipList && (zset.FitsListpack || zset.HasNegativeZero) ? Placeholder(m => zset.Scores.Contains(m)) : null;
                Chunks(into, "ZADD"u8, obj.Key, zset.Count, 2, (i, c) =>
                {
                    c.Append(zset.Scores.ValueAt(i));
                    c.Append(zset.Scores.KeyAt(i));
                }, i => zset.Scores.KeyAt(i).Length + 24, placeholder == null ? null : c =>
                {
                    c.Append("0"u8);
                    c.Append(placeholder);
                });
                if (placeholder != null) into.Add("ZREM"u8, obj.Key, placeholder);
                break;
            }
            case StreamObject stream:
                ComposeStream(stream, into);
                break;
            default:
                throw new ArgumentException($"not a collection: {obj.Type}");
        }
        if (obj.HasExpiry) into.Add("PEXPIREAT"u8, obj.Key, obj.ExpireAt);
    }

    /// <param name="lead">An item written first in the first command (the same number of arguments as the others).</param>
    private static void Chunks(ComposedCommand into, ReadOnlySpan<byte> verb, byte[] key, int count, int argsPerItem,
        Action<int, ComposedCommand> append, Func<int, int> size, Action<ComposedCommand>? lead = null)
    {
        for (int start = 0; start < count;)
        {
            int end = start, bytes = 0;
            while (end < count && end - start < ItemsPerCommand && (end == start || bytes + size(end) <= BytesPerCommand)) bytes += size(end++);
            bool first = start == 0 && lead != null;
            into.Begin(2 + (end - start + (first ? 1 : 0)) * argsPerItem);
            into.Append(verb);
            into.Append(key);
            if (first) lead!(into);
            for (int i = start; i < end; i++) append(i, into);
            into.End();
            start = end;
        }
    }

    // Encodings only grow (listpack or intset to hashtable or skip list), so a collection that
    // shrank back under the limits would be rebuilt by its commands in the small encoding: OBJECT
    // ENCODING, SSCAN/ZSCAN order and -0 scores would change across a restart. Such a collection
    // is rebuilt with a placeholder added first (a member too long for a listpack, or not an
    // integer for an intset) and removed by the last command, so it comes back as it was.

    /// <summary>A member longer than a listpack holds (64 bytes) and not an integer, that <paramref name="contains"/> does not have.</summary>
    public static byte[] Placeholder(Func<byte[], bool> contains)
    {
        var member = Enumerable.Repeat((byte)0xFF, 65).ToList();
        while (contains(member.ToArray())) member.Add(0xFF);
        return [.. member];
    }

    private static byte[] Id(StreamId id) => System.Text.Encoding.ASCII.GetBytes(id.ToString());

    /// <summary>
    /// A stream (Redis's rewriteStreamObject): its entries (an empty one made by XADD MAXLEN 0),
    /// XSETID with its counters, each group with its read counter, its consumers and their
    /// pending entries with delivery time and count.
    /// </summary>
    private static void ComposeStream(StreamObject s, ComposedCommand into)
    {
        var key = s.Key;
        if (s.Length == 0)
        {
            into.Begin(7);
            into.Append("XADD"u8);
            into.Append(key);
            into.Append("MAXLEN"u8);
            into.Append("0"u8);
            into.Append("0-1"u8);
            into.Append("x"u8);
            into.Append("y"u8);
            into.End();
        }
        for (int i = 0; i < s.Length; i++)
        {
            var e = s[i];
            into.Begin(3 + e.FieldsAndValues.Length);
            into.Append("XADD"u8);
            into.Append(key);
            into.Append(Id(e.Id));
            foreach (var f in e.FieldsAndValues) into.Append(f);
            into.End();
        }
        // XSETID refuses a last ID below the MAXDELETEDID it is given, yet Redis 7.0's XSETID
        // without it can lower the last ID below the deleted one: then the counters go first,
        // at the deleted ID, and a second XSETID lowers the last ID.
        bool lowered = s.LastId < s.MaxDeletedId;
        into.Begin(7);
        into.Append("XSETID"u8);
        into.Append(key);
        into.Append(Id(lowered ? s.MaxDeletedId : s.LastId));
        into.Append("ENTRIESADDED"u8);
        into.Append(s.EntriesAdded);
        into.Append("MAXDELETEDID"u8);
        into.Append(Id(s.MaxDeletedId));
        into.End();
        if (lowered) into.Add("XSETID"u8, key, Id(s.LastId));
        foreach (var g in s.Groups.Values)
        {
            GroupPosition(into, "CREATE"u8, key, g);
            foreach (var consumer in g.Consumers.Values)
            {
                into.Add("XGROUP"u8, "CREATECONSUMER"u8, key, g.Name, consumer.Name);
                foreach (var nack in consumer.Pending.Values) Claim(into, key, g, nack, lastId: false);
            }
        }
    }

    /// <summary>XGROUP CREATE | SETID key group last-delivered-id ENTRIESREAD n: a group's position and read counter.</summary>
    public static void GroupPosition(ComposedCommand into, ReadOnlySpan<byte> subcommand, ReadOnlySpan<byte> key, ConsumerGroup g)
    {
        into.Begin(7);
        into.Append("XGROUP"u8);
        into.Append(subcommand);
        into.Append(key);
        into.Append(g.Name);
        into.Append(Id(g.LastDelivered));
        into.Append("ENTRIESREAD"u8);
        into.Append(g.EntriesRead);
        into.End();
    }

    /// <summary>Redis's streamPropagateXCLAIM: XCLAIM key group consumer 0 id TIME t RETRYCOUNT n FORCE JUSTID [LASTID id].</summary>
    public static void Claim(ComposedCommand into, ReadOnlySpan<byte> key, ConsumerGroup g, PendingEntry nack, bool lastId)
    {
        into.Begin(lastId ? 14 : 12);
        into.Append("XCLAIM"u8);
        into.Append(key);
        into.Append(g.Name);
        into.Append(nack.Consumer.Name);
        into.Append("0"u8);
        into.Append(Id(nack.Id));
        into.Append("TIME"u8);
        into.Append(nack.DeliveryTime);
        into.Append("RETRYCOUNT"u8);
        into.Append(nack.DeliveryCount);
        into.Append("FORCE"u8);
        into.Append("JUSTID"u8);
        if (lastId)
        {
            into.Append("LASTID"u8);
            into.Append(Id(g.LastDelivered));
        }
        into.End();
    }
}
