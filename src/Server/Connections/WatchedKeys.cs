using PasteRedis.Server.Commands;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Connections;

/// <summary>
/// Which connections WATCH which keys (Redis's db->watched_keys), and the touch that
/// spoils their next EXEC. Used under the execution lock; costs one comparison per write
/// while nobody watches.
/// </summary>
internal sealed class WatchedKeys
{
    private readonly Dictionary<byte[], List<ClientSession>>?[] _byDb;
    private int _count;

    public WatchedKeys(int databases) => _byDb = new Dictionary<byte[], List<ClientSession>>?[databases];

    /// <summary>Keys watched, over all databases and connections.</summary>
    public int Count => _count;

    public void Add(Database db, byte[] key, ClientSession c)
    {
        var dict = _byDb[db.Id] ??= new Dictionary<byte[], List<ClientSession>>(ByteKeyComparer.Instance);
        if (!dict.TryGetValue(key, out var list)) dict[key] = list = [];
        list.Add(c);
        _count++;
    }

    public void Remove(Database db, byte[] key, ClientSession c)
    {
        var dict = _byDb[db.Id];
        if (dict == null || !dict.TryGetValue(key, out var list) || !list.Remove(c)) return;
        if (list.Count == 0) dict.Remove(key);
        _count--;
    }

    /// <summary>A key changed (written, deleted, expired, evicted): every connection watching it fails its EXEC.</summary>
    public void Touch(Database db, ReadOnlySpan<byte> key)
    {
        if (_count == 0) return;
        var dict = _byDb[db.Id];
        if (dict == null || !dict.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out var list)) return;
        foreach (var c in list) c.WatchedKeyChanged = true;
    }

    /// <summary>
    /// After a write command changed the keyspace: touch the keys it names (its key
    /// positions, as COMMAND INFO gives them). FLUSHDB/FLUSHALL touch every watched key that existed.
    /// </summary>
    public void TouchWritten(ClientSession c, RedisCommand cmd)
    {
        if (_count == 0) return;
        var req = c.Request;
        int last = cmd.LastKey < 0 ? req.Count + cmd.LastKey : cmd.LastKey;
        if (cmd.FirstKey <= 0 || cmd.Step <= 0) return;
        for (int i = cmd.FirstKey; i <= last && i < req.Count; i += cmd.Step) Touch(c.Db, req.Arg(i));
    }

    /// <summary>FLUSHDB/FLUSHALL, before the keys go: every watched key that exists in <paramref name="db"/> is touched.</summary>
    public void TouchAllExisting(Database db, long nowMs)
    {
        if (_count == 0) return;
        var dict = _byDb[db.Id];
        if (dict == null) return;
        foreach (var (key, list) in dict)
            if (db.Lookup(key, nowMs, touch: false) != null)
                foreach (var c in list) c.WatchedKeyChanged = true;
    }
}
