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
        for (int i = 1; i < c.Request.Count; i++)
            if (c.Db.Lookup(c.Request.Arg(i), c.NowMs) is { } obj)
            {
                c.Db.Remove(obj);
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
        c.Reply.Integer(count);
    }

    public static void Type(ClientSession c)
    {
        var obj = c.Db.Lookup(c.Request.Arg(1), c.NowMs);
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
        if (nx) c.Reply.Integer(1);
        else c.Reply.Ok();
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
        var obj = c.Db.Lookup(c.Request.Arg(2), c.NowMs, touch: false);
        if (obj == null) c.Reply.Null();
        else c.Reply.Integer((c.NowMs - obj.LastAccess) / 1000);
    }

    public static void ObjectRefCount(ClientSession c)
    {
        // Values are never shared between keys here, so a live key's count is always one.
        if (c.Db.Lookup(c.Request.Arg(2), c.NowMs, touch: false) == null) c.Reply.Null();
        else c.Reply.Integer(1);
    }

    public static void ObjectHelp(ClientSession c) => CommandHelp.Reply(c, "OBJECT",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
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
