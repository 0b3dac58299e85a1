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

    /// <summary>
    /// A key changed (written, deleted, expired, evicted): every connection watching it fails
    /// its EXEC, as Redis's touchWatchedKey decides it. A key whose time had already passed at
    /// WATCH and is now gone is no change (that watch forgets it was expired); such a watch on
    /// a key still there ends the walk, and the connections after it in watch order are not
    /// touched (Redis 7.0's break). A connection already failed counts as unwatched, as Redis
    /// unwatches its keys.
    /// </summary>
    public void Touch(Database db, ReadOnlySpan<byte> key, ClientSession? by = null)
    {
        if (_watchers.Count > 0 && _watchers.Find(db, key) is { } list)
            foreach (var c in list)
            {
                if (c.WatchedKeyChanged) continue;
                if (c.Watched(db, key) is { ExpiredWhenWatched: true } w)
                {
                    if (db.Peek(key) != null) break;
                    w.ExpiredWhenWatched = false;
                    continue;
                }
                c.WatchedKeyChanged = true;
            }
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

    /// <summary>FLUSHDB/FLUSHALL, before the keys go (Redis's touchAllWatchedKeysInDb with nothing in their place).</summary>
    public void TouchAllExisting(Database db, long nowMs) => TouchEmptied(db, replacedWith: null, nowMs);

    /// <summary>SWAPDB, before the swap: <paramref name="db"/>'s keys are replaced with <paramref name="other"/>'s.</summary>
    public void TouchSwapped(Database db, Database other, long nowMs) => TouchEmptied(db, other, nowMs);

    /// <summary>
    /// Redis's touchAllWatchedKeysInDb: a key watched in <paramref name="db"/> is touched when
    /// it is there or in <paramref name="replacedWith"/> (expired or not: nothing is deleted
    /// here), except where nothing logical changes: a key expired at WATCH that goes, or
    /// stays expired; a missing key replaced by an expired one (that watch now counts as
    /// expired at WATCH).
    /// </summary>
    private void TouchEmptied(Database db, Database? replacedWith, long nowMs)
    {
        if (_watchers.Count == 0) return;
        foreach (var (key, list) in _watchers.In(db))
        {
            bool inEmptied = db.Peek(key) != null, inReplacement = replacedWith?.Peek(key) != null;
            if (!inEmptied && !inReplacement) continue;
            foreach (var c in list)
            {
                var w = c.Watched(db, key);
                if (w is { ExpiredWhenWatched: true })
                {
                    if (!inReplacement)
                    {
                        w.ExpiredWhenWatched = false;
                        continue;
                    }
                    if (replacedWith!.HoldsExpired(key, nowMs)) continue;
                }
                else if (w != null && !inEmptied && replacedWith!.HoldsExpired(key, nowMs))
                {
                    w.ExpiredWhenWatched = true;
                    continue;
                }
                c.WatchedKeyChanged = true;
            }
        }
    }
}
