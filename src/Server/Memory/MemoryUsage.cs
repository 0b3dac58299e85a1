using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Memory;

/// <summary>
/// MEMORY USAGE's estimate (Redis's objectComputeSize, for this server's structures): the
/// bytes a key and its value take, counted from .NET's layout on 64 bits (an object's
/// header and method table 16 bytes, an array's 24, sizes rounded to 8) and from what the
/// value holds: a string's bytes where they lie (its packet buffers, or a managed array),
/// and for a collection the average of <c>samples</c> elements (all of them for 0) times
/// their number, as Redis samples. The dictionary slot and the key count too.
/// </summary>
internal static class MemoryUsage
{
    private const long ObjectHeader = 16, ArrayHeader = 24, Reference = 8;

    // RedisObject's fields (key, expiry, access, LFU, rewrite epoch, slots) and the
    // database dictionary's entry (hash, next, key, value).
    private const long ValueHeader = ObjectHeader + 48, DictionaryEntry = 24;

    private static long Array(long bytes) => ArrayHeader + ((bytes + 7) & ~7L);

    public static long Of(RedisObject obj, long samples)
    {
        long size = ValueHeader + DictionaryEntry + Array(obj.Key.Length);
        return size + obj switch
        {
            StringObject s => 40 + (s.IsReference ? s.Length : Array(s.Length)),
            ListObject l => Array(l.Count * Reference) + Sampled(l.Count, samples, i => Array(l[i].Length)),
            // A dense table: keys and values in arrays, an index dictionary (entry: hash, next, key, position).
            HashObject h => Table(h.Count) + Array(h.Count * Reference)
                + Sampled(h.Count, samples, i => Array(h.Fields.KeyAt(i).Length) + Array(h.Fields.ValueAt(i).Length)),
            SetObject st => Table(st.Count) + Array(st.Count) + Sampled(st.Count, samples, i => Array(st.Members.KeyAt(i).Length)),
            // The table of scores, and a skip-list node per member (object, score, links: 1.33 levels on average).
            ZSetObject z => Table(z.Count) + Array(z.Count * 8L) + z.Count * (ObjectHeader + 32 + Array(2 * Reference))
                + Sampled(z.Count, samples, i => Array(z.Scores.KeyAt(i).Length)),
            StreamObject x => Array(x.Length * Reference) + Sampled(x.Length, samples, i => Entry(x[i])) + Groups(x),
            _ => 0,
        };
    }

    private static long Table(int count) => ObjectHeader + Array(count * Reference) + count * (DictionaryEntry + 4);

    private static long Entry(StreamEntry e)
    {
        long size = ObjectHeader + 32 + Array(e.FieldsAndValues.Length * Reference);
        foreach (var f in e.FieldsAndValues) size += Array(f.Length);
        return size;
    }

    // Each consumer group, consumer and pending entry: an object and a sorted-dictionary node.
    private static long Groups(StreamObject x)
    {
        long size = 0;
        foreach (var g in x.Groups.Values)
        {
            size += ObjectHeader + 48 + Array(g.Name.Length) + 48 + g.Pending.Count * (ObjectHeader + 48 + 48);
            foreach (var consumer in g.Consumers.Values) size += ObjectHeader + 40 + Array(consumer.Name.Length) + 48;
        }
        return size;
    }

    /// <summary>Redis's sampling: the average of the first <paramref name="samples"/> elements times their number.</summary>
    private static long Sampled(int count, long samples, Func<int, long> sizeOf)
    {
        if (count == 0) return 0;
        int n = samples <= 0 || samples >= count ? count : (int)samples;
        long total = 0;
        for (int i = 0; i < n; i++) total += sizeOf(i);
        return n == count ? total : total * count / n;
    }
}
