using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Commands;

/// <summary>Commands on keys regardless of type (Redis's db.c).</summary>
internal static class KeyCommands
{
    public static void Del(ClientSession c)
    {
        long removed = 0;
        c.KeysTouchedByHandler = true; // the keys deleted, not every key named (Redis signals each deletion)
        for (int i = 1; i < c.Request.Count; i++)
            if (c.Db.Lookup(c.Request.Arg(i), c.NowMs) is { } obj)
            {
                c.Db.Remove(obj);
                c.Server.Watches.Touch(c.Db, c.Request.Arg(i), c);
                c.Notify(NotifyClass.Generic, "del", c.Request.Arg(i));
                removed++;
            }
        c.Reply.Integer(removed);
    }

    /// <summary>EXISTS and TOUCH: count the live keys among the arguments (repeats count again).</summary>
    public static void Exists(ClientSession c)
    {
        long count = 0;
        for (int i = 1; i < c.Request.Count; i++)
            if (c.Db.Lookup(c.Request.Arg(i), c.NowMs) != null) count++;
            else c.KeyMiss(c.Request.Arg(i));
        c.Reply.Integer(count);
    }

    public static void Type(ClientSession c)
    {
        var obj = c.Db.Lookup(c.Request.Arg(1), c.NowMs);
        if (obj == null) c.KeyMiss(c.Request.Arg(1));
        c.Reply.SimpleString(obj == null ? "none" : RedisObject.TypeName(obj.Type));
    }

    public static void Rename(ClientSession c) => RenameGeneric(c, nx: false);
    public static void RenameNx(ClientSession c) => RenameGeneric(c, nx: true);

    private static void RenameGeneric(ClientSession c, bool nx)
    {
        var db = c.Db;
        var src = db.Lookup(c.Request.Arg(1), c.NowMs);
        if (src == null)
        {
            c.Reply.Error(Errors.NoSuchKey);
            return;
        }
        var dstKey = c.Request.Arg(2);
        if (dstKey.SequenceEqual(src.Key))
        {
            if (nx) c.Reply.Integer(0);
            else c.Reply.Ok();
            return;
        }
        var dst = db.Lookup(dstKey, c.NowMs);
        if (dst != null)
        {
            if (nx)
            {
                c.Reply.Integer(0);
                return;
            }
            db.Remove(dst);
        }
        db.Rekey(src, dstKey.ToArray(), c.NowMs);
        c.Notify(NotifyClass.Generic, "rename_from", c.Request.Arg(1));
        c.Notify(NotifyClass.Generic, "rename_to", dstKey);
        if (nx) c.Reply.Integer(1);
        else c.Reply.Ok();
    }

    /// <summary>MOVE key db: the key with its value and TTL, unless the target database has it.</summary>
    public static void Move(ClientSession c)
    {
        if (!TryDbIndex(c, 2, int.MinValue, int.MaxValue, Errors.NotInteger, out var dst, Errors.NotInt32)) return;
        if (dst == c.Db)
        {
            c.Reply.Error(Errors.SameObject);
            return;
        }
        var obj = c.Db.Lookup(c.Request.Arg(1), c.NowMs);
        if (obj == null || dst.Lookup(obj.Key, c.NowMs, touch: false) != null)
        {
            c.Reply.Integer(0);
            return;
        }
        c.Db.MoveTo(obj, dst, c.NowMs);
        c.Server.Watches.Touch(dst, obj.Key, c); // the source's key is touched as the command's key
        c.Notify(NotifyClass.Generic, "move_from", obj.Key);
        c.Server.Notify(NotifyClass.Generic, "move_to", obj.Key, dst.Id, c);
        c.Reply.Integer(1);
    }

    /// <summary>COPY source destination [DB destination-db] [REPLACE]: values in packet buffers are shared, not copied.</summary>
    public static void Copy(ClientSession c)
    {
        var req = c.Request;
        var dstDb = c.Db;
        bool replace = false;
        for (int i = 3; i < req.Count; i++)
        {
            if (c.ArgIs(i, "REPLACE"u8)) replace = true;
            else if (c.ArgIs(i, "DB"u8) && i + 1 < req.Count)
            {
                if (!TryDbIndex(c, ++i, long.MinValue, long.MaxValue, Errors.NotInteger, out dstDb)) return;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        var dstKey = req.Arg(2);
        if (dstDb == c.Db && dstKey.SequenceEqual(req.Arg(1)))
        {
            c.Reply.Error(Errors.SameObject);
            return;
        }
        var src = c.Db.Lookup(req.Arg(1), c.NowMs);
        if (src == null)
        {
            c.KeyMiss(req.Arg(1));
            c.Reply.Integer(0);
            return;
        }
        var existing = dstDb.Lookup(dstKey, c.NowMs, touch: false);
        if (existing != null && !replace)
        {
            c.Reply.Integer(0);
            return;
        }
        var copy = src.CloneAs(dstKey.ToArray(), c.Server.Pool);
        copy.ExpireAt = src.ExpireAt;
        if (existing != null) dstDb.Remove(existing);
        dstDb.Add(copy, c.NowMs);
        c.KeysTouchedByHandler = true; // Redis signals the destination only, not the source
        c.Server.Watches.Touch(dstDb, copy.Key, c);
        c.Server.Notify(NotifyClass.Generic, "copy_to", copy.Key, dstDb.Id, c);
        c.Reply.Integer(1);
    }

    /// <summary>SWAPDB index1 index2: every key, TTL included, changes database; connections keep their db numbers.</summary>
    public static void SwapDb(ClientSession c)
    {
        if (!TryDbIndex(c, 1, int.MinValue, int.MaxValue, "ERR invalid first DB index", out var a)) return;
        if (!TryDbIndex(c, 2, int.MinValue, int.MaxValue, "ERR invalid second DB index", out var b)) return;
        var server = c.Server;
        if (a != b)
        {
            server.Watches.TouchSwapped(a, b, c.NowMs);
            server.Watches.TouchSwapped(b, a, c.NowMs);
            server.Aof?.BeforeSwapDb(server, a, b);
            a.SwapContents(b);
            server.Blocking.ScanForReady(a, c.NowMs);
            server.Blocking.ScanForReady(b, c.NowMs);
        }
        else server.Events.Dirty++; // Redis propagates SWAPDB n n too
        c.Reply.Ok();
    }

    /// <summary>
    /// A database number argument: an integer within [min, max] (Redis parses an int or a
    /// long, each with its own message past its range), then a valid index.
    /// </summary>
    private static bool TryDbIndex(ClientSession c, int arg, long min, long max, string notInteger, out Database db, string? outOfRange = null)
    {
        db = null!;
        if (!RespNumber.TryParseInt64(c.Request.Arg(arg), out long index))
        {
            c.Reply.Error(notInteger);
            return false;
        }
        if (index < min || index > max)
        {
            c.Reply.Error(outOfRange ?? notInteger);
            return false;
        }
        if (index < 0 || index >= c.Server.Databases.Length)
        {
            c.Reply.Error(Errors.DbIndexOutOfRange);
            return false;
        }
        db = c.Server.Databases[index];
        return true;
    }

    /// <summary>DUMP key: the value in Redis's RDB payload format (RESTORE here or in Redis 7 loads it).</summary>
    public static void Dump(ClientSession c)
    {
        var obj = c.Db.Lookup(c.Request.Arg(1), c.NowMs);
        if (obj == null)
        {
            c.KeyMiss(c.Request.Arg(1));
            c.Reply.Null();
            return;
        }
        c.Reply.Bulk(Persistence.RdbValue.Dump(obj, c.Server.Pool, c.Server.Config.RdbCompression));
    }

    /// <summary>
    /// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency].
    /// A relative TTL is logged as an absolute one (ABSTTL), as Redis propagates it.
    /// </summary>
    public static void Restore(ClientSession c)
    {
        var req = c.Request;
        bool replace = false, absTtl = false;
        long idle = -1, freq = -1;
        for (int j = 4; j < req.Count; j++)
        {
            bool more = j + 1 < req.Count;
            if (c.ArgIs(j, "REPLACE"u8)) replace = true;
            else if (c.ArgIs(j, "ABSTTL"u8)) absTtl = true;
            else if (c.ArgIs(j, "IDLETIME"u8) && more && freq == -1)
            {
                if (!c.TryLong(++j, out idle)) return;
                if (idle < 0)
                {
                    c.Reply.Error("ERR Invalid IDLETIME value, must be >= 0");
                    return;
                }
            }
            else if (c.ArgIs(j, "FREQ"u8) && more && idle == -1)
            {
                if (!c.TryLong(++j, out freq)) return;
                if (freq < 0 || freq > 255)
                {
                    c.Reply.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
                    return;
                }
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        var key = req.Arg(1);
        var existing = c.Db.Lookup(key, c.NowMs, touch: false);
        if (!replace && existing != null)
        {
            c.Reply.Error("BUSYKEY Target key name already exists.");
            return;
        }
        if (!c.TryLong(2, out long ttl)) return;
        if (ttl < 0)
        {
            c.Reply.Error("ERR Invalid TTL value, must be >= 0");
            return;
        }
        var payload = System.Buffers.BuffersExtensions.ToArray(req.ArgSequence(3));
        if (!Persistence.RdbValue.Verify(payload))
        {
            c.Reply.Error("ERR DUMP payload version or checksum are wrong");
            return;
        }
        RedisObject obj;
        try { obj = Persistence.RdbValue.Load(payload, key.ToArray(), c.Server.Random, c.Server.Config.Encoding, c.Server.Pool); }
        catch (Persistence.RdbValue.FormatException)
        {
            c.Reply.Error("ERR Bad data format");
            return;
        }
        if (replace && existing != null) c.Db.Remove(existing);
        if (ttl > 0 && !absTtl) ttl += c.NowMs;
        if (ttl > 0 && c.IsPast(ttl))
        {
            // Already expired: nothing is created; a replaced key is gone, logged as DEL.
            if (existing != null && replace)
            {
                c.LogAbsolute(replace: true).Add("DEL"u8, key);
                c.Notify(NotifyClass.Generic, "del", key);
            }
            c.Reply.Ok();
            return;
        }
        if (ttl > 0) obj.ExpireAt = ttl;
        c.Db.Add(obj, c.NowMs);
        if (idle >= 0) obj.LastAccess = c.NowMs - idle * 1000;
        if (freq >= 0) obj.LfuData = (obj.LfuData & ~255) | (int)freq;
        c.Notify(NotifyClass.Generic, "restore", key);
        if (ttl > 0 && !absTtl) c.LogAbsolute(replace: true).AddRestore(key, ttl, payload, replace, absTtl: true);
        c.Reply.Ok();
    }

    public static void Keys(ClientSession c)
    {
        var pattern = c.Request.Arg(1);
        bool all = pattern.Length == 1 && pattern[0] == (byte)'*';
        var matches = new List<byte[]>();
        foreach (var obj in c.Db.Objects)
        {
            if (obj.HasExpiry && obj.ExpireAt <= c.NowMs) continue;
            if (all || GlobMatcher.IsMatch(pattern, obj.Key)) matches.Add(obj.Key);
        }
        c.Reply.ArrayHeader(matches.Count);
        foreach (var k in matches) c.Reply.Bulk(k);
    }

    /// <summary>
    /// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. The cursor is a slot index in
    /// the database's stable slot list, so keys present for the whole scan are all returned.
    /// </summary>
    public static void Scan(ClientSession c)
    {
        var req = c.Request;
        if (!ulong.TryParse(req.Arg(1), out ulong cursor))
        {
            c.Reply.Error("ERR invalid cursor");
            return;
        }
        long count = 10;
        int patternIndex = -1;
        string? type = null;
        for (int i = 2; i < req.Count; i++)
        {
            bool hasNext = i + 1 < req.Count;
            if (c.ArgIs(i, "COUNT"u8) && hasNext)
            {
                if (!c.TryLong(++i, out count)) return;
                if (count < 1)
                {
                    c.Reply.Error(Errors.Syntax);
                    return;
                }
            }
            else if (c.ArgIs(i, "MATCH"u8) && hasNext) patternIndex = ++i;
            else if (c.ArgIs(i, "TYPE"u8) && hasNext) type = c.ArgString(++i).ToLowerInvariant();
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        var db = c.Db;
        var keys = new List<byte[]>();
        long slot = (long)Math.Min(cursor, int.MaxValue);
        long visited = 0;
        int capacity = db.ScanCapacity;
        while (slot < capacity && visited < count)
        {
            var obj = db.AtSlot((int)slot++);
            if (obj == null) continue;
            visited++;
            if (obj.HasExpiry && obj.ExpireAt <= c.NowMs) continue;
            if (type != null && RedisObject.TypeName(obj.Type) != type) continue;
            if (patternIndex > 0 && !GlobMatcher.IsMatch(req.Arg(patternIndex), obj.Key)) continue;
            keys.Add(obj.Key);
        }
        long next = slot >= capacity ? 0 : slot;
        c.Reply.ArrayHeader(2);
        c.Reply.BulkInteger(next);
        c.Reply.ArrayHeader(keys.Count);
        foreach (var k in keys) c.Reply.Bulk(k);
    }

    public static void RandomKey(ClientSession c)
    {
        var db = c.Db;
        for (int tries = 0; tries < 100 && db.Count > 0; tries++)
        {
            var obj = db.RandomObject(c.Server.Random);
            if (obj == null) break;
            if (obj.HasExpiry && obj.ExpireAt <= c.NowMs)
            {
                db.Lookup(obj.Key, c.NowMs); // expires it
                continue;
            }
            c.Reply.Bulk(obj.Key);
            return;
        }
        c.Reply.Null();
    }

    public static void DbSize(ClientSession c) => c.Reply.Integer(c.Db.Count);

    public static void Select(ClientSession c)
    {
        if (!RespNumber.TryParseInt64(c.Request.Arg(1), out long index))
        {
            c.Reply.Error("ERR value is not an integer or out of range");
            return;
        }
        if (index < 0 || index >= c.Server.Databases.Length)
        {
            c.Reply.Error(Errors.DbIndexOutOfRange);
            return;
        }
        c.Select((int)index);
        c.Reply.Ok();
    }

    public static void FlushDb(ClientSession c)
    {
        if (!FlushModeOk(c)) return;
        c.Server.Watches.TouchAllExisting(c.Db, c.NowMs);
        c.Db.Clear();
        c.Server.Tracking.InvalidateAll();
        c.Reply.Ok();
    }

    public static void FlushAll(ClientSession c)
    {
        if (!FlushModeOk(c)) return;
        foreach (var db in c.Server.Databases)
        {
            c.Server.Watches.TouchAllExisting(db, c.NowMs);
            db.Clear();
        }
        c.Server.Tracking.InvalidateAll();
        c.Reply.Ok();
    }

    /// <summary>FLUSHDB/FLUSHALL accept ASYNC or SYNC; both free at once here (nothing to free lazily yet).</summary>
    private static bool FlushModeOk(ClientSession c)
    {
        if (c.Request.Count == 1) return true;
        if (c.Request.Count == 2 && (c.ArgIs(1, "ASYNC"u8) || c.ArgIs(1, "SYNC"u8))) return true;
        c.Reply.Error(Errors.Syntax);
        return false;
    }

    /// <summary>OBJECT ENCODING | IDLETIME | REFCOUNT | FREQ key</summary>
    public static void ObjectEncoding(ClientSession c)
    {
        var obj = c.Db.Lookup(c.Request.Arg(2), c.NowMs);
        if (obj == null) c.Reply.Null();
        else c.Reply.Bulk(obj.Encoding(c.Server.Pool));
    }

    public static void ObjectIdleTime(ClientSession c)
    {
        if (c.Server.Events.LfuEnabled)
        {
            c.Reply.Error("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
            return;
        }
        var obj = c.Db.Lookup(c.Request.Arg(2), c.NowMs, touch: false);
        if (obj == null) c.Reply.Null();
        else c.Reply.Integer((c.NowMs - obj.LastAccess) / 1000);
    }

    /// <summary>OBJECT FREQ key: the LFU counter, decayed to now (only under an LFU maxmemory-policy).</summary>
    public static void ObjectFreq(ClientSession c)
    {
        var obj = c.Db.Lookup(c.Request.Arg(2), c.NowMs, touch: false);
        if (obj == null)
        {
            c.Reply.Null();
            return;
        }
        if (!c.Server.Events.LfuEnabled)
        {
            c.Reply.Error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
            return;
        }
        c.Reply.Integer(Lfu.Counter(obj.LfuData, c.NowMs, c.Server.Events.LfuDecayMinutes));
    }

    /// <summary>
    /// Objects are never shared between keys here (COPY shares packet-buffer bytes, not the
    /// object): one. But Redis keeps the integers 0–9999 as shared objects whose count reads
    /// INT_MAX, unless an LRU/LFU policy with a maxmemory needs each value its own clock: a
    /// string Redis would have stored as one of them answers as Redis does.
    /// </summary>
    public static void ObjectRefCount(ClientSession c)
    {
        var obj = c.Db.Lookup(c.Request.Arg(2), c.NowMs, touch: false);
        if (obj == null)
        {
            c.Reply.Null();
            return;
        }
        var config = c.Server.Config;
        bool sharedIntegers = config.MaxMemory == 0 || !(config.MaxMemoryPolicy.Contains("lru") || config.MaxMemoryPolicy.Contains("lfu"));
        bool shared = sharedIntegers && obj is StringObject { Duplicated: false } s && s.Encoding(c.Server.Pool) == "int"
            && Resp.RespNumber.TryParseInt64(s.Value(c.Server.Pool), out long v) && v is >= 0 and < 10_000;
        c.Reply.Integer(shared ? int.MaxValue : 1);
    }

    public static void ObjectHelp(ClientSession c) => CommandHelp.Reply(c, "OBJECT",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.");

    /// <summary>
    /// DEBUG OBJECT key: Redis's line, plus where the value lies — "pbufs:index@offset+length,…"
    /// for a value kept in packet buffers, "pbufs:managed" for one kept in process memory.
    /// </summary>
    public static void DebugObject(ClientSession c)
    {
        var obj = c.Db.Lookup(c.Request.Arg(2), c.NowMs, touch: false);
        if (obj == null)
        {
            c.Reply.Error(Errors.NoSuchKey);
            return;
        }
        string where = "managed";
        long length = 0;
        if (obj is StringObject s)
        {
            length = s.Length;
            var extents = s.Extents().Select(e => $"{e.Index}@{e.Offset}+{e.Length}").ToList();
            if (extents.Count > 0) where = string.Join(',', extents);
        }
        c.Reply.SimpleString($"Value at:0x0 refcount:1 encoding:{obj.Encoding(c.Server.Pool)} serializedlength:{length} " +
                             $"lru:0 lru_seconds_idle:{(c.NowMs - obj.LastAccess) / 1000} pbufs:{where}");
    }
}
