using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Connections;

/// <summary>
/// Connections registered on keys, per database, in registration order: who WATCHes a
/// key, who is blocked on it. Used under the execution lock.
/// </summary>
internal sealed class KeyRegistry(int databases)
{
    private readonly Dictionary<byte[], List<ClientSession>>?[] _byDb = new Dictionary<byte[], List<ClientSession>>?[databases];

    /// <summary>(connection, key) pairs registered, over all databases.</summary>
    public int Count { get; private set; }

    public void Add(Database db, byte[] key, ClientSession c)
    {
        var dict = _byDb[db.Id] ??= new Dictionary<byte[], List<ClientSession>>(ByteKeyComparer.Instance);
        if (!dict.TryGetValue(key, out var list)) dict[key] = list = [];
        list.Add(c);
        Count++;
    }

    public void Remove(Database db, byte[] key, ClientSession c)
    {
        var dict = _byDb[db.Id];
        if (dict == null || !dict.TryGetValue(key, out var list) || !list.Remove(c)) return;
        if (list.Count == 0) dict.Remove(key);
        Count--;
    }

    /// <summary>The connections registered on <paramref name="key"/> in <paramref name="db"/>, or null.</summary>
    public List<ClientSession>? Find(Database db, ReadOnlySpan<byte> key) =>
        Count > 0 && _byDb[db.Id] is { } dict && dict.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out var list) ? list : null;

    /// <summary>Every registered key of <paramref name="db"/> with its connections.</summary>
    public IEnumerable<KeyValuePair<byte[], List<ClientSession>>> In(Database db) =>
        _byDb[db.Id] ?? Enumerable.Empty<KeyValuePair<byte[], List<ClientSession>>>();
}
