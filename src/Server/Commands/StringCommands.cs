using System.Buffers.Text;
using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Commands;

/// <summary>String commands (Redis's t_string.c).</summary>
internal static class StringCommands
{
    [Flags]
    private enum SetFlags
    {
        None = 0, Nx = 1, Xx = 2, Get = 4, KeepTtl = 8, Ex = 16, Px = 32, ExAt = 64, PxAt = 128,
        AnyExpire = Ex | Px | ExAt | PxAt,
    }

    /// <summary>The live string under <paramref name="key"/>; replies WRONGTYPE and returns false for another type.</summary>
    internal static bool TryGetString(ClientSession c, ReadOnlySpan<byte> key, out StringObject? str)
    {
        var obj = c.Db.Lookup(key, c.NowMs);
        if (obj == null)
        {
            c.Server.Stats.KeyspaceMisses++;
            c.LookupMissed(key);
            str = null;
            return true;
        }
        c.Server.Stats.KeyspaceHits++;
        str = obj as StringObject;
        if (str != null) return true;
        c.Reply.Error(Errors.WrongType);
        return false;
    }

    public static void Get(ClientSession c)
    {
        if (!TryGetString(c, c.Request.Arg(1), out var str)) return;
        if (str == null) c.Reply.Null();
        else str.WriteBulk(c.Reply, c.Server.Pool);
    }

    /// <summary>
    /// The string object that will hold a new value for <paramref name="key"/> (setKey):
    /// an existing string is reused in place; another type is replaced. Clears the TTL
    /// unless <paramref name="keepTtl"/>; <paramref name="expireAt"/> sets a new one. The
    /// caller then sets the value by reference or by copy.
    /// </summary>
    private static StringObject Prepare(ClientSession c, RedisObject? existing, ReadOnlySpan<byte> key,
        long expireAt = RedisObject.NoExpiry, bool keepTtl = false)
    {
        var db = c.Db;
        StringObject str;
        if (existing is StringObject s)
        {
            str = s;
            c.Server.Events.Dirty++;
            if (!keepTtl) db.Persist(str);
        }
        else
        {
            // KEEPTTL over another type keeps its TTL too: Redis overwrites the value, not the key.
            if (keepTtl && existing is { HasExpiry: true } && expireAt == RedisObject.NoExpiry) expireAt = existing.ExpireAt;
            str = new StringObject(key.ToArray());
            if (existing != null) db.Overwrite(existing, str, c.NowMs);
            else db.Add(str, c.NowMs);
        }
        if (expireAt != RedisObject.NoExpiry) db.SetExpire(str, expireAt);
        return str;
    }

    /// <summary>Stores argument <paramref name="valueArg"/> under <paramref name="key"/>, by reference where it arrived in packet buffers.</summary>
    internal static StringObject Store(ClientSession c, ReadOnlySpan<byte> key, int valueArg, long expireAt = RedisObject.NoExpiry)
    {
        var str = Prepare(c, c.Db.Lookup(key, c.NowMs), key, expireAt);
        c.Server.Memory?.Count(str.Set(c.Server.Pool, c.Request.ArgSequence(valueArg)));
        return str;
    }

    /// <summary>Stores bytes the server computed (INCR results and the like) under <paramref name="key"/>.</summary>
    internal static StringObject StoreBytes(ClientSession c, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var str = Prepare(c, c.Db.Lookup(key, c.NowMs), key);
        str.SetBytes(c.Server.Pool, value);
        return str;
    }

    /// <summary>
    /// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ts | KEEPTTL]
    /// </summary>
    public static void Set(ClientSession c)
    {
        var flags = SetFlags.None;
        long expireArg = 0;
        int expireIndex = -1;
        var req = c.Request;
        for (int i = 3; i < req.Count; i++)
        {
            var a = req.Arg(i);
            bool hasNext = i + 1 < req.Count;
            if (Is(a, "NX"u8) && (flags & SetFlags.Xx) == 0) flags |= SetFlags.Nx;
            else if (Is(a, "XX"u8) && (flags & SetFlags.Nx) == 0) flags |= SetFlags.Xx;
            else if (Is(a, "GET"u8)) flags |= SetFlags.Get;
            else if (Is(a, "KEEPTTL"u8) && (flags & SetFlags.AnyExpire) == 0) flags |= SetFlags.KeepTtl;
            else if (hasNext && (flags & (SetFlags.AnyExpire | SetFlags.KeepTtl)) == 0 && ExpireFlag(a) is var f && f != SetFlags.None)
            {
                flags |= f;
                expireIndex = ++i;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }

        long expireAt = RedisObject.NoExpiry;
        if (expireIndex > 0)
        {
            if (!c.TryLong(expireIndex, out expireArg)) return;
            if (!TryAbsoluteExpire(c, flags, expireArg, "set", out expireAt)) return;
        }
        SetGeneric(c, req.Arg(1), 2, flags, expireAt);
    }

    private static SetFlags ExpireFlag(ReadOnlySpan<byte> a) =>
        Is(a, "EX"u8) ? SetFlags.Ex : Is(a, "PX"u8) ? SetFlags.Px :
        Is(a, "EXAT"u8) ? SetFlags.ExAt : Is(a, "PXAT"u8) ? SetFlags.PxAt : SetFlags.None;

    /// <summary>Turns an EX/PX/EXAT/PXAT argument into absolute Unix milliseconds, as Redis's getExpireMillisecondsOrReply.</summary>
    private static bool TryAbsoluteExpire(ClientSession c, SetFlags unit, long value, string command, out long expireAt)
    {
        expireAt = 0;
        bool seconds = (unit & (SetFlags.Ex | SetFlags.ExAt)) != 0;
        if (value <= 0 || (seconds && value > long.MaxValue / 1000))
        {
            c.Reply.Error(Errors.InvalidExpire(command));
            return false;
        }
        long ms = seconds ? value * 1000 : value;
        if ((unit & (SetFlags.Ex | SetFlags.Px)) != 0)
        {
            if (ms > long.MaxValue - c.NowMs)
            {
                c.Reply.Error(Errors.InvalidExpire(command));
                return false;
            }
            ms += c.NowMs;
        }
        expireAt = ms;
        return true;
    }

    private static void SetGeneric(ClientSession c, ReadOnlySpan<byte> key, int valueArg, SetFlags flags, long expireAt)
    {
        var db = c.Db;
        var existing = db.Lookup(key, c.NowMs);
        if ((flags & SetFlags.Get) != 0)
        {
            if (existing == null) c.KeyMiss(key); // Redis's getGenericCommand reads it
            if (existing != null && existing is not StringObject)
            {
                c.Reply.Error(Errors.WrongType);
                return;
            }
            if (existing is StringObject old) old.WriteBulk(c.Reply, c.Server.Pool);
            else c.Reply.Null();
        }
        if (((flags & SetFlags.Nx) != 0 && existing != null) || ((flags & SetFlags.Xx) != 0 && existing == null))
        {
            if ((flags & SetFlags.Get) == 0) c.Reply.Null();
            return;
        }
        // The GET reply already holds the old value; the store may now overwrite its buffer.
        // An EXAT/PXAT already past stores the key all the same, as Redis 7.0 does: it counts in
        // DBSIZE until a lookup or the expiry cycle deletes it (and logs the deletion).
        var str = Prepare(c, existing, key, expireAt, (flags & SetFlags.KeepTtl) != 0);
        c.Server.Memory?.Count(str.Set(c.Server.Pool, c.Request.ArgSequence(valueArg)));
        // A relative TTL would replay relative to the replay time: log it absolute too.
        if ((flags & (SetFlags.Ex | SetFlags.Px)) != 0) c.LogAbsolute(replace: false).Add("PEXPIREAT"u8, key, expireAt);
        c.Notify(NotifyClass.String, "set", key);
        if ((flags & SetFlags.AnyExpire) != 0) c.Notify(NotifyClass.Generic, "expire", key);
        if ((flags & SetFlags.Get) == 0) c.Reply.Ok();
    }

    public static void SetNx(ClientSession c)
    {
        var key = c.Request.Arg(1);
        if (c.Db.Lookup(key, c.NowMs) != null)
        {
            c.Reply.Integer(0);
            return;
        }
        Store(c, key, 2);
        c.Notify(NotifyClass.String, "set", key);
        c.Reply.Integer(1);
    }

    public static void SetEx(ClientSession c) => SetWithTtl(c, SetFlags.Ex, "setex");
    public static void PSetEx(ClientSession c) => SetWithTtl(c, SetFlags.Px, "psetex");

    private static void SetWithTtl(ClientSession c, SetFlags unit, string name)
    {
        if (!c.TryLong(2, out long ttl)) return;
        if (!TryAbsoluteExpire(c, unit, ttl, name, out long expireAt)) return;
        Store(c, c.Request.Arg(1), 3, expireAt);
        c.LogAbsolute(replace: false).Add("PEXPIREAT"u8, c.Request.Arg(1), expireAt);
        c.Notify(NotifyClass.String, "set", c.Request.Arg(1));
        c.Notify(NotifyClass.Generic, "expire", c.Request.Arg(1));
        c.Reply.Ok();
    }

    public static void GetSet(ClientSession c) =>
        SetGeneric(c, c.Request.Arg(1), 2, SetFlags.Get, RedisObject.NoExpiry);

    public static void GetDel(ClientSession c)
    {
        var key = c.Request.Arg(1);
        if (!TryGetString(c, key, out var str)) return;
        if (str == null)
        {
            c.KeyMiss(key);
            c.Reply.Null();
            return;
        }
        str.WriteBulk(c.Reply, c.Server.Pool);
        c.Db.Remove(str);
        c.Notify(NotifyClass.Generic, "del", key);
    }

    /// <summary>GETEX key [EX s | PX ms | EXAT ts | PXAT ts | PERSIST]</summary>
    public static void GetEx(ClientSession c)
    {
        var req = c.Request;
        var unit = SetFlags.None;
        bool persist = false;
        int valueIndex = -1;
        for (int i = 2; i < req.Count; i++)
        {
            var a = req.Arg(i);
            if (Is(a, "PERSIST"u8) && unit == SetFlags.None && !persist) persist = true;
            else if (i + 1 < req.Count && unit == SetFlags.None && !persist && ExpireFlag(a) is var f && f != SetFlags.None)
            {
                unit = f;
                valueIndex = ++i;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        // Redis's order: the options' syntax, the key (missing: nil; another type: WRONGTYPE), then the time.
        if (!TryGetString(c, req.Arg(1), out var str)) return;
        if (str == null)
        {
            c.KeyMiss(req.Arg(1));
            c.Reply.Null();
            return;
        }
        long expireAt = RedisObject.NoExpiry;
        if (valueIndex > 0)
        {
            if (!c.TryLong(valueIndex, out long v)) return;
            if (!TryAbsoluteExpire(c, unit, v, "getex", out expireAt)) return;
        }
        str.WriteBulk(c.Reply, c.Server.Pool);
        if (expireAt != RedisObject.NoExpiry)
        {
            var log = c.LogAbsolute(replace: true);
            if (c.IsPast(expireAt))
            {
                c.Db.Remove(str);
                log.Add("DEL"u8, req.Arg(1));
                c.Notify(NotifyClass.Generic, "del", req.Arg(1));
            }
            else
            {
                c.Db.SetExpire(str, expireAt);
                log.Add("PEXPIREAT"u8, req.Arg(1), expireAt);
                c.Notify(NotifyClass.Generic, "expire", req.Arg(1));
            }
        }
        else if (persist && c.Db.Persist(str)) c.Notify(NotifyClass.Generic, "persist", req.Arg(1));
    }

    public static void MGet(ClientSession c)
    {
        var req = c.Request;
        c.Reply.ArrayHeader(req.Count - 1);
        for (int i = 1; i < req.Count; i++)
        {
            var obj = c.Db.Lookup(req.Arg(i), c.NowMs);
            if (obj is StringObject s)
            {
                c.Server.Stats.KeyspaceHits++;
                s.WriteBulk(c.Reply, c.Server.Pool);
            }
            else
            {
                if (obj == null)
                {
                    c.Server.Stats.KeyspaceMisses++;
                    c.KeyMiss(req.Arg(i));
                }
                c.Reply.Null();
            }
        }
    }

    public static void MSet(ClientSession c)
    {
        if (!CheckPairs(c)) return;
        for (int i = 1; i < c.Request.Count; i += 2)
        {
            Store(c, c.Request.Arg(i), i + 1);
            c.Notify(NotifyClass.String, "set", c.Request.Arg(i));
        }
        c.Reply.Ok();
    }

    public static void MSetNx(ClientSession c)
    {
        if (!CheckPairs(c)) return;
        var req = c.Request;
        for (int i = 1; i < req.Count; i += 2)
        {
            if (c.Db.Lookup(req.Arg(i), c.NowMs) != null)
            {
                c.Reply.Integer(0);
                return;
            }
        }
        for (int i = 1; i < req.Count; i += 2)
        {
            Store(c, req.Arg(i), i + 1);
            c.Notify(NotifyClass.String, "set", req.Arg(i));
        }
        c.Reply.Integer(1);
    }

    private static bool CheckPairs(ClientSession c)
    {
        if (c.Request.Count % 2 == 1) return true;
        c.Reply.Error($"ERR wrong number of arguments for '{c.Command!.FullName}' command");
        return false;
    }

    public static void Append(ClientSession c)
    {
        var key = c.Request.Arg(1);
        var suffix = c.Request.Arg(2);
        if (!TryGetString(c, key, out var str)) return;
        if (str == null)
        {
            str = Store(c, key, 2);
            c.Notify(NotifyClass.String, "append", key);
            c.Reply.Integer(str.Length);
            return;
        }
        long total = (long)str.Length + suffix.Length;
        if (total > c.Server.Config.ProtoMaxBulkLen)
        {
            c.Reply.Error(Errors.StringTooLong);
            return;
        }
        int oldLength = str.Length;
        suffix.CopyTo(str.Resize(c.Server.Pool, (int)total)[oldLength..]);
        c.Server.Events.Dirty++;
        c.Notify(NotifyClass.String, "append", key);
        c.Reply.Integer(str.Length);
    }

    public static void StrLen(ClientSession c)
    {
        if (!TryGetString(c, c.Request.Arg(1), out var str)) return;
        c.Reply.Integer(str?.Length ?? 0);
    }

    /// <summary>GETRANGE key start end, with Redis's negative-index and clamping rules.</summary>
    public static void GetRange(ClientSession c)
    {
        if (!c.TryLong(2, out long start) || !c.TryLong(3, out long end)) return;
        if (!TryGetString(c, c.Request.Arg(1), out var str)) return;
        var value = str == null ? ReadOnlySpan<byte>.Empty : str.Value(c.Server.Pool);
        long len = value.Length;
        if (start < 0 && end < 0 && start > end)
        {
            c.Reply.Bulk(ReadOnlySpan<byte>.Empty);
            return;
        }
        if (start < 0) start = len + start;
        if (end < 0) end = len + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= len) end = len - 1;
        if (start > end || len == 0)
        {
            c.Reply.Bulk(ReadOnlySpan<byte>.Empty);
            return;
        }
        c.Reply.Bulk(value.Slice((int)start, (int)(end - start + 1)));
    }

    public static void SetRange(ClientSession c)
    {
        if (!c.TryLong(2, out long offset)) return;
        var key = c.Request.Arg(1);
        var value = c.Request.Arg(3);
        if (offset < 0)
        {
            c.Reply.Error(Errors.OffsetOutOfRange);
            return;
        }
        if (!TryGetString(c, key, out var str)) return;
        if (value.Length > 0 && offset + value.Length > c.Server.Config.ProtoMaxBulkLen)
        {
            c.Reply.Error(Errors.StringTooLong);
            return;
        }
        if (str == null)
        {
            if (value.Length == 0)
            {
                c.Reply.Integer(0);
                return;
            }
            str = StoreBytes(c, key, ReadOnlySpan<byte>.Empty);
        }
        if (value.Length > 0)
        {
            long needed = Math.Max(str.Length, offset + value.Length);
            value.CopyTo(str.Resize(c.Server.Pool, (int)needed)[(int)offset..]);
            c.Server.Events.Dirty++;
            c.Notify(NotifyClass.String, "setrange", key);
        }
        c.Reply.Integer(str.Length);
    }

    public static void Incr(ClientSession c) => IncrDecr(c, 1);
    public static void Decr(ClientSession c) => IncrDecr(c, -1);

    public static void IncrBy(ClientSession c)
    {
        if (c.TryLong(2, out long by)) IncrDecr(c, by);
    }

    public static void DecrBy(ClientSession c)
    {
        if (!c.TryLong(2, out long by)) return;
        if (by == long.MinValue)
        {
            c.Reply.Error("ERR decrement would overflow");
            return;
        }
        IncrDecr(c, -by);
    }

    private static void IncrDecr(ClientSession c, long by)
    {
        var key = c.Request.Arg(1);
        if (!TryGetString(c, key, out var str)) return;
        long current = 0;
        if (str != null && !RespNumber.TryParseInt64(str.Value(c.Server.Pool), out current))
        {
            c.Reply.Error(Errors.NotInteger);
            return;
        }
        if ((by < 0 && current < 0 && by < long.MinValue - current) || (by > 0 && current > 0 && by > long.MaxValue - current))
        {
            c.Reply.Error(Errors.Overflow);
            return;
        }
        long result = current + by;
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(result, digits, out int n);
        if (str != null)
        {
            str.SetBytes(c.Server.Pool, digits[..n]); // INCR keeps the TTL, as Redis does
            c.Server.Events.Dirty++;
        }
        else StoreBytes(c, key, digits[..n]);
        c.Notify(NotifyClass.String, "incrby", key);
        c.Reply.Integer(result);
    }

    /// <summary>
    /// INCRBYFLOAT in Redis's long double arithmetic and format (see <see cref="LongDouble"/>);
    /// logged as its result (Redis: SET … KEEPTTL), so replay does no arithmetic.
    /// </summary>
    public static void IncrByFloat(ClientSession c)
    {
        // Redis's order: the key's type, its value, then the increment.
        var key = c.Request.Arg(1);
        if (!TryGetString(c, key, out var str)) return;
        LongDouble current = default;
        if ((str != null && !LongDouble.TryParse(str.Value(c.Server.Pool), out current))
            || !LongDouble.TryParse(c.Request.Arg(2), out var by))
        {
            c.Reply.Error(Errors.NotFloat);
            return;
        }
        var result = current + by;
        if (!result.IsFinite)
        {
            c.Reply.Error(Errors.NanOrInfinity);
            return;
        }
        byte[] text = System.Text.Encoding.ASCII.GetBytes(result.ToString());
        if (str != null)
        {
            str.SetBytes(c.Server.Pool, text);
            c.Server.Events.Dirty++;
        }
        else str = StoreBytes(c, key, text);
        str.NeverInt = true; // Redis stores the result as a string object, never int-encoded ("embstr")
        c.Notify(NotifyClass.String, "incrbyfloat", key);
        c.LogAbsolute(replace: true).Add("SET"u8, key, text, "KEEPTTL"u8);
        c.Reply.Bulk(text);
    }

    /// <summary>
    /// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest common
    /// subsequence by Redis's dynamic programming table and backtrack, so that the match
    /// ranges IDX reports are the ones Redis reports.
    /// </summary>
    public static void Lcs(ClientSession c)
    {
        var req = c.Request;
        var pool = c.Server.Pool;
        var objA = c.Db.Lookup(req.Arg(1), c.NowMs);
        if (objA == null) c.KeyMiss(req.Arg(1));
        var objB = c.Db.Lookup(req.Arg(2), c.NowMs);
        if (objB == null) c.KeyMiss(req.Arg(2));
        if ((objA != null && objA is not StringObject) || (objB != null && objB is not StringObject))
        {
            c.Reply.Error("ERR The specified keys must contain string values");
            return;
        }
        bool getLen = false, getIdx = false, withMatchLen = false;
        long minMatchLen = 0;
        for (int j = 3; j < req.Count; j++)
        {
            if (c.ArgIs(j, "IDX"u8)) getIdx = true;
            else if (c.ArgIs(j, "LEN"u8)) getLen = true;
            else if (c.ArgIs(j, "WITHMATCHLEN"u8)) withMatchLen = true;
            else if (c.ArgIs(j, "MINMATCHLEN"u8) && j + 1 < req.Count)
            {
                if (!c.TryLong(++j, out minMatchLen)) return;
                if (minMatchLen < 0) minMatchLen = 0;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        if (getIdx && getLen)
        {
            c.Reply.Error("ERR If you want both the length and indexes, please just use IDX.");
            return;
        }
        var a = objA is StringObject sa ? sa.Value(pool).ToArray() : [];
        var b = objB is StringObject sb ? sb.Value(pool).ToArray() : [];
        int alen = a.Length, blen = b.Length;
        long cells = (long)(alen + 1) * (blen + 1);
        if (cells * sizeof(int) > c.Server.Config.ProtoMaxBulkLen)
        {
            c.Reply.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
            return;
        }
        var dp = new int[cells];
        int W = blen + 1;
        for (int i = 1; i <= alen; i++)
            for (int j = 1; j <= blen; j++)
                dp[i * W + j] = a[i - 1] == b[j - 1] ? dp[(i - 1) * W + j - 1] + 1 : Math.Max(dp[(i - 1) * W + j], dp[i * W + j - 1]);
        int length = dp[alen * W + blen];
        if (getLen)
        {
            c.Reply.Integer(length);
            return;
        }
        var result = new byte[length];
        var ranges = new List<(int AStart, int AEnd, int BStart, int BEnd)>();
        int x = alen, y = blen, idx = length;
        int aStart = alen, aEnd = 0, bStart = 0, bEnd = 0; // aStart == alen: no range open
        while (x > 0 && y > 0)
        {
            bool emit = false;
            if (a[x - 1] == b[y - 1])
            {
                result[idx - 1] = a[x - 1];
                if (aStart == alen)
                {
                    aStart = aEnd = x - 1;
                    bStart = bEnd = y - 1;
                }
                else if (aStart == x && bStart == y)
                {
                    aStart--;
                    bStart--;
                }
                else emit = true;
                if (aStart == 0 || bStart == 0) emit = true;
                idx--;
                x--;
                y--;
            }
            else
            {
                if (dp[(x - 1) * W + y] > dp[x * W + y - 1]) x--;
                else y--;
                if (aStart != alen) emit = true;
            }
            if (emit)
            {
                if (minMatchLen == 0 || aEnd - aStart + 1 >= minMatchLen) ranges.Add((aStart, aEnd, bStart, bEnd));
                aStart = alen;
            }
        }
        if (!getIdx)
        {
            c.Reply.Bulk(result);
            return;
        }
        c.Reply.MapHeader(2);
        c.Reply.Bulk("matches"u8);
        c.Reply.ArrayHeader(ranges.Count);
        foreach (var r in ranges)
        {
            c.Reply.ArrayHeader(withMatchLen ? 3 : 2);
            c.Reply.ArrayHeader(2);
            c.Reply.Integer(r.AStart);
            c.Reply.Integer(r.AEnd);
            c.Reply.ArrayHeader(2);
            c.Reply.Integer(r.BStart);
            c.Reply.Integer(r.BEnd);
            if (withMatchLen) c.Reply.Integer(r.AEnd - r.AStart + 1);
        }
        c.Reply.Bulk("len"u8);
        c.Reply.Integer(length);
    }

    private static bool Is(ReadOnlySpan<byte> arg, ReadOnlySpan<byte> keyword) =>
        System.Text.Ascii.EqualsIgnoreCase(arg, keyword);
}
