using PasteRedis.Server.Commands;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Connections;

/// <summary>
/// Which connections WATCH which keys (Redis's db->watched_keys), and the touch that
/// spoils their next EXEC. Used under the execution lock; costs one comparison per write
/// while nobody watches.
/// </summary>
internal sealed class WatchedKeys(int databases)
{
    private readonly KeyRegistry _watchers = new(databases);

    /// <summary>Client-side caching: a touched key is also an invalidated one (Redis's signalModifiedKey does both).</summary>
    public Tracking? Tracking { get; set; }

    /// <summary>Keys watched, over all databases and connections.</summary>
    public int Count => _watchers.Count;

    public void Add(Database db, byte[] key, ClientSession c) => _watchers.Add(db, key, c);
    public void Remove(Database db, byte[] key, ClientSession c) => _watchers.Remove(db, key, c);

    /// <summary>A key changed (written, deleted, expired, evicted): every connection watching it fails its EXEC.</summary>
    public void Touch(Database db, ReadOnlySpan<byte> key, ClientSession? by = null)
    {
        if (_watchers.Count > 0 && _watchers.Find(db, key) is { } list)
            foreach (var c in list) c.WatchedKeyChanged = true;
        if (Tracking is { Active: true } t) t.Invalidate(key, by);
    }

    /// <summary>
    /// After a write command changed the keyspace: touch the keys it names (its key
    /// positions, as COMMAND INFO gives them).
    /// </summary>
    public void TouchWritten(ClientSession c, RedisCommand cmd)
    {
        if ((_watchers.Count == 0 && Tracking is not { Active: true }) || cmd.FirstKey <= 0 || cmd.Step <= 0 || cmd.SignalsNoKeys) return;
        var req = c.Request;
        int last = cmd.WritesFirstKeyOnly ? cmd.FirstKey : cmd.LastKey < 0 ? req.Count + cmd.LastKey : cmd.LastKey;
        for (int i = cmd.FirstKey; i <= last && i < req.Count; i += cmd.Step) Touch(c.Db, req.Arg(i), c);
    }

    /// <summary>FLUSHDB/FLUSHALL, before the keys go: every watched key that exists in <paramref name="db"/> is touched.</summary>
    public void TouchAllExisting(Database db, long nowMs)
    {
        if (_watchers.Count == 0) return;
        foreach (var (key, list) in _watchers.In(db))
            if (db.Lookup(key, nowMs, touch: false) != null)
                foreach (var c in list) c.WatchedKeyChanged = true;
    }

    /// <summary>
    /// SWAPDB, before the swap (Redis's touchAllWatchedKeysInDb): a key watched in
    /// <paramref name="db"/> is touched when it exists there or in <paramref name="other"/>,
    /// i.e. when the swap changes or removes it.
    /// </summary>
    public void TouchSwapped(Database db, Database other)
    {
        if (_watchers.Count == 0) return;
        foreach (var (key, list) in _watchers.In(db))
            if (db.Peek(key) != null || other.Peek(key) != null) // as Redis: expired or not, nothing is expired here
                foreach (var c in list) c.WatchedKeyChanged = true;
    }
}
