using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Connections;

/// <summary>
/// Connections blocked on keys, in arrival order per key (Redis's db->blocking_keys), and
/// the keys that became ready (server.ready_keys): a key created while someone waits on
/// it. After each command the ready keys are served, first come first served, while they
/// still hold something. Used under the execution lock.
/// </summary>
internal sealed class BlockedClients
{
    private readonly Dictionary<byte[], List<ClientSession>>?[] _byDb;
    private readonly List<(Database Db, byte[] Key)> _ready = [];
    private int _count;

    public BlockedClients(int databases) => _byDb = new Dictionary<byte[], List<ClientSession>>?[databases];

    /// <summary>(connection, key) pairs waiting.</summary>
    public int Count => _count;

    public bool HasReady => _ready.Count > 0;

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

    /// <summary>A key was created (the keyspace's add): when someone waits on it, serve them after this command.</summary>
    public void KeyAdded(Database db, RedisObject obj)
    {
        if (_count == 0) return;
        var dict = _byDb[db.Id];
        if (dict == null || !dict.ContainsKey(obj.Key)) return;
        foreach (var (d, k) in _ready)
            if (d == db && k.AsSpan().SequenceEqual(obj.Key)) return;
        _ready.Add((db, obj.Key));
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
            if (_byDb[db.Id] is not { } dict || !dict.TryGetValue(key, out var waiting)) continue;
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
