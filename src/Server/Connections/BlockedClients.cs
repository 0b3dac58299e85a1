using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Connections;

/// <summary>
/// Connections blocked on keys, in arrival order per key (Redis's db->blocking_keys), and
/// the keys that became ready (server.ready_keys): a key created while someone waits on
/// it. After each command the ready keys are served, first come first served, while they
/// still hold something. Used under the execution lock.
/// </summary>
internal sealed class BlockedClients(int databases)
{
    private readonly KeyRegistry _waiting = new(databases);
    private readonly List<(Database Db, byte[] Key)> _ready = [];

    /// <summary>(connection, key) pairs waiting.</summary>
    public int Count => _waiting.Count;

    public bool HasReady => _ready.Count > 0;

    public void Add(Database db, byte[] key, ClientSession c) => _waiting.Add(db, key, c);
    public void Remove(Database db, byte[] key, ClientSession c) => _waiting.Remove(db, key, c);

    /// <summary>A key was created (the keyspace's add): when someone waits on it, serve them after this command.</summary>
    public void KeyAdded(Database db, RedisObject obj)
    {
        if (_waiting.Find(db, obj.Key) == null) return;
        foreach (var (d, k) in _ready)
            if (d == db && k.AsSpan().SequenceEqual(obj.Key)) return;
        _ready.Add((db, obj.Key));
    }

    /// <summary>SWAPDB: every key waited on in <paramref name="db"/> that exists after the swap is ready.</summary>
    public void ScanForReady(Database db, long nowMs)
    {
        if (_waiting.Count == 0) return;
        foreach (var (key, _) in _waiting.In(db).ToList())
            if (db.Peek(key) is { } obj && (!obj.HasExpiry || obj.ExpireAt > nowMs)) KeyAdded(db, obj);
    }

    /// <summary>
    /// Serves the connections waiting on ready keys, in the order they blocked, while the
    /// key holds the type they wait for. Serving can make more keys ready (BLMOVE's destination).
    /// </summary>
    public void ServeReady(long nowMs)
    {
        for (int r = 0; r < _ready.Count; r++)
        {
            var (db, key) = _ready[r];
            if (_waiting.Find(db, key) is not { } waiting) continue;
            foreach (var c in waiting.ToArray())
            {
                var obj = db.Lookup(key, nowMs, touch: false);
                if (obj == null) break;
                if (!c.IsBlocked || obj.Type != c.BlockedType) continue;
                c.ServeBlocked(nowMs);
            }
        }
        _ready.Clear();
    }
}
