using PasteRedis.Paste;

namespace PasteRedis.Server.Keyspace;

/// <summary>
/// One numbered database: the key dictionary plus two slot lists (all keys, keys with a
/// TTL) that serve SCAN, RANDOMKEY, active expiry and eviction. Callers hold the server's
/// execution lock; nothing here is thread-safe on its own.
/// </summary>
internal sealed class Database
{
    // Not readonly: SWAPDB exchanges them between two databases.
    private Dictionary<byte[], RedisObject> _dict = new(ByteKeyComparer.Instance);
    private Dictionary<byte[], RedisObject>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private SlotList _all = new();
    private SlotList _volatile = new();
    private readonly KeyspaceEvents _events;
    // Keys a replay indexed without building their objects (plain SETs), until looked up or
    // built in the background; null when there are none (the lookups' miss path checks it).
    private DeferredStrings? _deferred;

    public Database(int id, KeyspaceEvents events)
    {
        Id = id;
        _events = events;
        _lookup = _dict.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Id { get; }
    public int Count => _dict.Count + (_deferred?.Count ?? 0);
    public int VolatileCount => _volatile.Count;
    public int ScanCapacity
    {
        get
        {
            MaterializeAll();
            return _all.Capacity;
        }
    }

    /// <summary>Keys indexed by a replay whose objects are not built yet (INFO's loading_deferred_keys).</summary>
    public int DeferredCount => _deferred?.Count ?? 0;

    /// <summary>The key has an object (deferred keys aside): a replayed SET of it must overwrite it as a command.</summary>
    public bool HoldsObject(ReadOnlySpan<byte> key) => _dict.Count > 0 && _lookup.ContainsKey(key);

    /// <summary>
    /// Replay of a plain `SET key value` whose key and value lie in packet buffers, for a key
    /// with no object (<see cref="HoldsObject"/>): the value is indexed where it lies, its
    /// object built later.
    /// </summary>
    public void Defer(PacketBufferPool pool, in PbufExtent key, int hash, in DeferredStrings.Value value, int capacity) =>
        (_deferred ??= new DeferredStrings(pool, capacity)).Set(key, hash, value);

    /// <summary>The loader's first look ahead at a SET it will defer: the table slot of its key's hash.</summary>
    public void PrefetchDeferred(int hash) => _deferred?.Prefetch(hash);

    /// <summary>The loader's second look ahead: the key bytes of the entry in that slot, which an overwrite compares.</summary>
    public void PrefetchDeferredOccupant(int hash) => _deferred?.PrefetchOccupant(hash);

    /// <summary>
    /// Builds the objects of up to <paramref name="budget"/> deferred keys (the background
    /// build, under the execution lock); returns how many are left.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int MaterializeSome(int budget, long nowMs)
    {
        if (_deferred == null) return 0;
        ReserveForDeferred();
        for (int i = 0; i < budget && _deferred.TryTakeNext(out var key, out var value); i++)
            Build(_deferred.Pool.Read(key).ToArray(), value, nowMs);
        int left = _deferred.Count;
        if (left == 0) _deferred = null;
        return left;
    }

    /// <summary>Builds every deferred key's object: before anything that walks the keyspace.</summary>
    public void MaterializeAll()
    {
        if (_deferred != null) MaterializeSome(int.MaxValue, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>The deferred key's object, built now; null when it is not deferred.</summary>
    private RedisObject? Materialize(ReadOnlySpan<byte> key, long nowMs)
    {
        if (_deferred == null || !_deferred.TryTake(key, out var value)) return null;
        var obj = Build(key.ToArray(), value, nowMs);
        if (_deferred.Count == 0) _deferred = null;
        return obj;
    }

    /// <summary>
    /// Before building deferred keys: room in the dictionary and the slot list for all of
    /// them, so that building a load's keys grows neither (each doubling rehashed or copied
    /// what it held, into fresh memory).
    /// </summary>
    private void ReserveForDeferred()
    {
        int want = _dict.Count + _deferred!.Count;
        if (_dict.Capacity >= want) return;
        _dict.EnsureCapacity(want);
        _all.EnsureCapacity(_all.Capacity + _deferred.Count);
    }

    /// <summary>
    /// A deferred key's object, inserted quietly: the key was in the dataset all along, so
    /// nothing is notified, counted as a change, or marked for a rewrite (none runs while
    /// keys are deferred: a rewrite builds them all first).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private StringObject Build(byte[] key, in DeferredStrings.Value value, long nowMs)
    {
        var obj = new StringObject(key);
        _events.Stored(obj.Adopt(value));
        _dict.Add(key, obj);
        obj.Slot = _all.Add(obj);
        obj.LastAccess = nowMs;
        obj.AccessSeq = ++_events.AccessClock;
        obj.LfuData = Lfu.Initial(nowMs);
        return obj;
    }

    /// <summary>
    /// The live object under <paramref name="key"/>, or null. An expired key is deleted on
    /// the way (lazy expiry) and reported to the events sink, unless CLIENT PAUSE holds
    /// expiry (<see cref="KeyspaceEvents.ExpiryPaused"/>); while loading, nothing expires
    /// (<see cref="KeyspaceEvents.Loading"/>).
    /// </summary>
    public RedisObject? Lookup(ReadOnlySpan<byte> key, long nowMs, bool touch = true)
    {
        if (!_lookup.TryGetValue(key, out var obj) && (obj = Materialize(key, nowMs)) == null) return null;
        if (obj.ExpireAt != RedisObject.NoExpiry && obj.ExpireAt <= nowMs && !_events.Loading)
        {
            // CLIENT PAUSE: the key reads as gone but stays until the pause ends (Redis's expireIfNeeded).
            if (!_events.ExpiryPaused(nowMs)) Expire(obj);
            return null;
        }
        if (touch)
        {
            obj.LastAccess = nowMs;
            obj.AccessSeq = ++_events.AccessClock;
            if (_events.LfuEnabled) _events.TouchLfu(obj, nowMs);
        }
        return obj;
    }

    /// <summary>The object under <paramref name="key"/>, expired or not, without touching or expiring it.</summary>
    public RedisObject? Peek(ReadOnlySpan<byte> key) =>
        _lookup.TryGetValue(key, out var obj) ? obj : _deferred == null ? null : Materialize(key, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    /// <summary>The key is here but its time has passed (Redis's keyIsExpired): nothing is deleted.</summary>
    public bool HoldsExpired(ReadOnlySpan<byte> key, long nowMs) =>
        Peek(key) is { } obj && obj.ExpireAt != RedisObject.NoExpiry && obj.ExpireAt <= nowMs && !_events.Loading;

    /// <summary>A new key (Redis's dbAdd): notified as "new".</summary>
    public void Add(RedisObject obj, long nowMs)
    {
        Insert(obj, nowMs);
        _events.NewKey(this, obj);
    }

    /// <summary>
    /// Redis's dbOverwrite (setKey on a key that exists): <paramref name="old"/> goes and
    /// <paramref name="obj"/> takes its key; the key is not new (no "new" notification).
    /// </summary>
    public void Overwrite(RedisObject old, RedisObject obj, long nowMs)
    {
        Remove(old);
        Insert(obj, nowMs);
    }

    private void Insert(RedisObject obj, long nowMs)
    {
        _events.Dirty++;
        _dict.Add(obj.Key, obj);
        obj.Slot = _all.Add(obj);
        obj.LastAccess = nowMs;
        obj.AccessSeq = ++_events.AccessClock;
        if (obj.LfuData == 0) obj.LfuData = Lfu.Initial(nowMs); // a moved or renamed key keeps its count
        if (obj.HasExpiry) obj.VolatileSlot = _volatile.Add(obj);
        _events.Added(this, obj);
    }

    /// <summary>Removes the key if present; returns the removed object.</summary>
    public RedisObject? Remove(ReadOnlySpan<byte> key)
    {
        if (!_lookup.Remove(key, out _, out var obj))
        {
            if (_deferred == null || Materialize(key, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) == null) return null;
            _lookup.Remove(key, out _, out obj);
        }
        Unlink(obj!);
        return obj;
    }

    public void Remove(RedisObject obj)
    {
        _dict.Remove(obj.Key);
        Unlink(obj);
    }

    private void Unlink(RedisObject obj)
    {
        _events.Dirty++;
        Detach(obj);
        _events.Removed(this, obj);
    }

    private void Detach(RedisObject obj)
    {
        _all.Remove(obj.Slot);
        obj.Slot = -1;
        if (obj.VolatileSlot >= 0)
        {
            _volatile.Remove(obj.VolatileSlot);
            obj.VolatileSlot = -1;
        }
    }

    /// <summary>Moves a live object to a new key (RENAME): its value and TTL go with it, nothing is released.</summary>
    public void Rekey(RedisObject obj, byte[] newKey, long nowMs)
    {
        _dict.Remove(obj.Key);
        Detach(obj);
        obj.Key = newKey;
        Add(obj, nowMs);
    }

    /// <summary>
    /// MOVE: takes a live object out of this database and adds it to <paramref name="target"/>
    /// (which must not hold its key); its value and TTL go with it, nothing is released.
    /// </summary>
    public void MoveTo(RedisObject obj, Database target, long nowMs)
    {
        _dict.Remove(obj.Key);
        _events.Dirty++;
        Detach(obj);
        target.Add(obj, nowMs);
    }

    /// <summary>SWAPDB: the two databases exchange every key (with its slot and TTL bookkeeping); ids stay.</summary>
    public void SwapContents(Database other)
    {
        (_deferred, other._deferred) = (other._deferred, _deferred);
        (_dict, other._dict) = (other._dict, _dict);
        (_lookup, other._lookup) = (other._lookup, _lookup);
        (_all, other._all) = (other._all, _all);
        (_volatile, other._volatile) = (other._volatile, _volatile);
        _events.Dirty++;
    }

    public void SetExpire(RedisObject obj, long expireAtMs)
    {
        _events.Dirty++;
        obj.ExpireAt = expireAtMs;
        if (obj.VolatileSlot < 0) obj.VolatileSlot = _volatile.Add(obj);
    }

    /// <summary>Clears a TTL; returns false when there was none.</summary>
    public bool Persist(RedisObject obj)
    {
        if (obj.VolatileSlot < 0) return false;
        _events.Dirty++;
        _volatile.Remove(obj.VolatileSlot);
        obj.VolatileSlot = -1;
        obj.ExpireAt = RedisObject.NoExpiry;
        return true;
    }

    private void Expire(RedisObject obj)
    {
        Remove(obj);
        _events.Expired(this, obj);
    }

    // Where active expiry goes on in the TTL slot list (Redis 7's db->expires_cursor).
    private int _expireCursor;

    /// <summary>
    /// One pass of active expiry, as Redis 7's activeExpireCycle for a database: walk the keys
    /// with a TTL from where the last pass stopped (a slot-list cursor, as Redis scans its
    /// expires dict), 20 keys at a time (at most 400 slots, holes included), delete the
    /// expired ones, and go on while more than 10 % of those 20 had expired, until
    /// <paramref name="deadline"/> (a Stopwatch timestamp, looked at every 16 rounds).
    /// <paramref name="timedOut"/> says the deadline stopped it.
    /// </summary>
    public int ActiveExpireCycle(long nowMs, long deadline, out int sampled, out bool timedOut)
    {
        int expired = 0, iterations = 0;
        sampled = 0;
        timedOut = false;
        while (_volatile.Count > 0)
        {
            int roundExpired = 0, round = 0, want = Math.Min(20, _volatile.Count);
            for (int slots = 0; round < want && slots < want * 20; slots++)
            {
                if (_expireCursor >= _volatile.Capacity) _expireCursor = 0;
                var obj = _volatile.At(_expireCursor++);
                if (obj == null) continue;
                round++;
                if (obj.ExpireAt <= nowMs)
                {
                    Expire(obj);
                    roundExpired++;
                }
            }
            sampled += round;
            expired += roundExpired;
            if ((++iterations & 0xf) == 0 && System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
            {
                timedOut = true;
                break;
            }
            if (round > 0 && roundExpired * 10 <= round) break; // at most 10 % stale: good enough (Redis's acceptable stale)
        }
        return expired;
    }

    /// <summary>Average remaining TTL of keys with one, estimated from a sample as Redis does.</summary>
    public long AverageTtlEstimate(long nowMs, Random random)
    {
        int n = Math.Min(64, _volatile.Count);
        if (n == 0) return 0;
        long sum = 0;
        int counted = 0;
        for (int i = 0; i < n; i++)
            if (_volatile.Sample(random) is { } obj && obj.ExpireAt > nowMs) { sum += obj.ExpireAt - nowMs; counted++; }
        return counted == 0 ? 0 : sum / counted;
    }

    public RedisObject? RandomObject(Random random)
    {
        MaterializeAll();
        return _all.Sample(random);
    }

    public RedisObject? RandomVolatile(Random random) => _volatile.Sample(random);

    public RedisObject? AtSlot(int slot)
    {
        MaterializeAll();
        return _all.At(slot);
    }

    public Dictionary<byte[], RedisObject>.ValueCollection Objects
    {
        get
        {
            MaterializeAll();
            return _dict.Values;
        }
    }

    /// <summary>Drops every key (FLUSHDB); each value's storage is released.</summary>
    public void Clear()
    {
        _deferred?.Clear();
        _deferred = null;
        foreach (var obj in _dict.Values) _events.Removed(this, obj);
        _events.Dirty++;
        _dict.Clear();
        _all.Clear();
        _volatile.Clear();
    }
}

/// <summary>
/// What the keyspace tells the layers above it: removals (to release value storage),
/// expirations and evictions (counted, and logged as DEL).
/// </summary>
internal class KeyspaceEvents
{
    public long ExpiredKeys;

    /// <summary>The server's access clock (all databases share it), for LRU eviction.</summary>
    public long AccessClock;

    /// <summary>Changes to the keyspace (Redis's server.dirty): a write that moved it gets logged.</summary>
    public long Dirty;

    /// <summary>
    /// Redis's server.loading: while the log is replayed (or a Redis AOF imported) no key
    /// counts as expired, because the commands that follow in the log ran while it was alive
    /// (a replay an hour later must not see a PERSIST's key gone). Once loaded, keys past
    /// their time expire as usual, logged as DEL.
    /// </summary>
    public bool Loading;

    /// <summary>
    /// CLIENT PAUSE (WRITE or ALL) holds expiry and eviction until this time, as Redis 7.0
    /// does (checkClientPauseTimeoutAndReturnIfPaused in expireIfNeeded, activeExpireCycle
    /// and performEvictions), so the dataset does not change under a pause: an expired key
    /// reads as missing but is deleted (and logged) only after the pause. 0: no pause.
    /// </summary>
    public long ExpiryPausedUntilMs;

    public bool ExpiryPaused(long nowMs) => nowMs < ExpiryPausedUntilMs;

    /// <summary>maxmemory-policy is allkeys-lfu or volatile-lfu: every access updates the key's LFU counter.</summary>
    public bool LfuEnabled;
    public int LfuLogFactor = 10, LfuDecayMinutes = 1;
    private ulong _random = 0x9E3779B97F4A7C15UL;

    public void TouchLfu(RedisObject obj, long nowMs)
    {
        // xorshift64*: the probability draw of Redis's LFULogIncr, without a lock or an allocation
        _random ^= _random >> 12;
        _random ^= _random << 25;
        _random ^= _random >> 27;
        double r = ((_random * 0x2545F4914F6CDD1DUL) >> 11) * (1.0 / (1UL << 53));
        obj.LfuData = Lfu.Touch(obj.LfuData, nowMs, LfuLogFactor, LfuDecayMinutes, r);
    }
    public virtual void Added(Database db, RedisObject obj) { }
    /// <summary>A value stored (by reference, spanning, or copied), for the store counters.</summary>
    public virtual void Stored(StoreKind kind) { }
    /// <summary>After <see cref="Added"/>, for a key that did not exist (not an overwrite, not a rename's or move's own).</summary>
    public virtual void NewKey(Database db, RedisObject obj) { }
    public virtual void Removed(Database db, RedisObject obj) { }
    public virtual void Expired(Database db, RedisObject obj) => ExpiredKeys++;
    public virtual void Evicted(Database db, RedisObject obj) { }
}
