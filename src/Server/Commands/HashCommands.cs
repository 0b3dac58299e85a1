using System.Buffers.Text;
using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Commands;

/// <summary>Hash commands (Redis's t_hash.c).</summary>
internal static class HashCommands
{
    public static void HSet(ClientSession c) => SetFields(c, replyOk: false);
    public static void HMSet(ClientSession c) => SetFields(c, replyOk: true);

    private static void SetFields(ClientSession c, bool replyOk)
    {
        var req = c.Request;
        if (req.Count % 2 != 0)
        {
            c.Reply.Error($"ERR wrong number of arguments for '{(replyOk ? "hmset" : "hset")}' command");
            return;
        }
        if (!c.TryGetOrCreate(req.Arg(1), TypedKeys.NewHash, out var hash)) return;
        long added = 0;
        for (int i = 2; i < req.Count; i += 2)
            if (hash.Set(req.Arg(i), req.Arg(i + 1).ToArray())) added++;
        c.Changed(hash, hash.Count, NotifyClass.Hash, "hset");
        if (replyOk) c.Reply.Ok();
        else c.Reply.Integer(added);
    }

    public static void HSetNx(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryGetOrCreate(req.Arg(1), TypedKeys.NewHash, out var hash)) return;
        if (hash.Fields.Contains(req.Arg(2)))
        {
            c.Reply.Integer(0);
            return;
        }
        hash.Set(req.Arg(2), req.Arg(3).ToArray());
        c.Changed(hash, hash.Count, NotifyClass.Hash, "hset");
        c.Reply.Integer(1);
    }

    public static void HGet(ClientSession c)
    {
        if (!c.TryGet(c.Request.Arg(1), out HashObject? hash)) return;
        if (hash != null && hash.Fields.TryGetValue(c.Request.Arg(2), out var v)) c.Reply.Bulk(v);
        else c.Reply.Null();
    }

    public static void HMGet(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryGet(req.Arg(1), out HashObject? hash)) return;
        c.Reply.ArrayHeader(req.Count - 2);
        for (int i = 2; i < req.Count; i++)
        {
            if (hash != null && hash.Fields.TryGetValue(req.Arg(i), out var v)) c.Reply.Bulk(v);
            else c.Reply.Null();
        }
    }

    public static void HGetAll(ClientSession c)
    {
        if (!c.TryGet(c.Request.Arg(1), out HashObject? hash)) return;
        int n = hash?.Count ?? 0;
        c.Reply.MapHeader(n);
        for (int i = 0; i < n; i++)
        {
            c.Reply.Bulk(hash!.Fields.KeyAt(i));
            c.Reply.Bulk(hash.Fields.ValueAt(i));
        }
    }

    public static void HKeys(ClientSession c) => Column(c, keys: true);
    public static void HVals(ClientSession c) => Column(c, keys: false);

    private static void Column(ClientSession c, bool keys)
    {
        if (!c.TryGet(c.Request.Arg(1), out HashObject? hash)) return;
        int n = hash?.Count ?? 0;
        c.Reply.ArrayHeader(n);
        for (int i = 0; i < n; i++) c.Reply.Bulk(keys ? hash!.Fields.KeyAt(i) : hash!.Fields.ValueAt(i));
    }

    public static void HDel(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryGet(req.Arg(1), out HashObject? hash)) return;
        long removed = 0;
        if (hash != null)
        {
            for (int i = 2; i < req.Count; i++)
                if (hash.Fields.Remove(req.Arg(i))) removed++;
            if (removed > 0) c.Changed(hash, hash.Count, NotifyClass.Hash, "hdel");
        }
        c.Reply.Integer(removed);
    }

    public static void HExists(ClientSession c)
    {
        if (!c.TryGet(c.Request.Arg(1), out HashObject? hash)) return;
        c.Reply.Integer(hash != null && hash.Fields.Contains(c.Request.Arg(2)) ? 1 : 0);
    }

    public static void HLen(ClientSession c)
    {
        if (!c.TryGet(c.Request.Arg(1), out HashObject? hash)) return;
        c.Reply.Integer(hash?.Count ?? 0);
    }

    public static void HStrLen(ClientSession c)
    {
        if (!c.TryGet(c.Request.Arg(1), out HashObject? hash)) return;
        c.Reply.Integer(hash != null && hash.Fields.TryGetValue(c.Request.Arg(2), out var v) ? v.Length : 0);
    }

    public static void HIncrBy(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryLong(3, out long by)) return;
        if (!c.TryGet(req.Arg(1), out HashObject? existing)) return;
        long current = 0;
        if (existing != null && existing.Fields.TryGetValue(req.Arg(2), out var old) && !RespNumber.TryParseInt64(old, out current))
        {
            c.Reply.Error("ERR hash value is not an integer");
            return;
        }
        if ((by > 0 && current > long.MaxValue - by) || (by < 0 && current < long.MinValue - by))
        {
            c.Reply.Error(Errors.Overflow);
            return;
        }
        c.TryGetOrCreate(req.Arg(1), TypedKeys.NewHash, out var hash);
        long result = current + by;
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(result, digits, out int n);
        hash.Set(req.Arg(2), digits[..n].ToArray());
        c.Changed(hash, hash.Count, NotifyClass.Hash, "hincrby");
        c.Reply.Integer(result);
    }

    /// <summary>HINCRBYFLOAT in Redis's long double arithmetic (<see cref="LongDouble"/>): logged as HSET of the result, so replay does not redo it.</summary>
    public static void HIncrByFloat(ClientSession c)
    {
        var req = c.Request;
        if (!LongDouble.TryParse(req.Arg(3), out var by))
        {
            c.Reply.Error(Errors.NotFloat);
            return;
        }
        if (!by.IsFinite)
        {
            c.Reply.Error(Errors.ValueNanOrInfinity); // checked before the key, as Redis does
            return;
        }
        if (!c.TryGet(req.Arg(1), out HashObject? existing)) return;
        LongDouble current = default;
        if (existing != null && existing.Fields.TryGetValue(req.Arg(2), out var old) && !LongDouble.TryParse(old, out current))
        {
            c.Reply.Error("ERR hash value is not a float");
            return;
        }
        var result = current + by;
        if (!result.IsFinite)
        {
            c.Reply.Error(Errors.NanOrInfinity);
            return;
        }
        c.TryGetOrCreate(req.Arg(1), TypedKeys.NewHash, out var hash);
        var value = System.Text.Encoding.ASCII.GetBytes(result.ToString());
        hash.Set(req.Arg(2), value);
        c.Changed(hash, hash.Count, NotifyClass.Hash, "hincrbyfloat");
        c.LogAbsolute(replace: true).Add("HSET"u8, req.Arg(1), req.Arg(2), value);
        c.Reply.Bulk(value);
    }

    /// <summary>HRANDFIELD key [count [WITHVALUES]]: a negative count may repeat fields.</summary>
    public static void HRandField(ClientSession c)
    {
        var req = c.Request;
        if (req.Count > 4 || (req.Count == 4 && !c.ArgIs(3, "WITHVALUES"u8)))
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        long count = 0;
        if (req.Count >= 3 && !c.TryLong(2, out count)) return;
        if (!c.TryGet(req.Arg(1), out HashObject? hash)) return;
        if (req.Count == 2)
        {
            if (hash == null) c.Reply.Null();
            else c.Reply.Bulk(hash.Fields.KeyAt(hash.Fields.RandomIndex(c.Server.Random)));
            return;
        }
        bool withValues = req.Count == 4;
        var picks = RandomPicks(hash?.Fields.Count ?? 0, count, c.Server.Random);
        c.Reply.ArrayHeader(withValues && !c.Reply.IsResp3 ? picks.Count * 2 : picks.Count);
        foreach (int i in picks)
        {
            if (withValues && c.Reply.IsResp3) c.Reply.ArrayHeader(2);
            c.Reply.Bulk(hash!.Fields.KeyAt(i));
            if (withValues) c.Reply.Bulk(hash.Fields.ValueAt(i));
        }
    }

    /// <summary>
    /// Indexes for HRANDFIELD/SRANDMEMBER/ZRANDMEMBER: <paramref name="count"/> ≥ 0 gives
    /// distinct entries (at most all), a negative count gives |count| picks that may repeat.
    /// </summary>
    internal static List<int> RandomPicks(int size, long count, Random random)
    {
        var picks = new List<int>();
        if (size == 0 || count == 0) return picks;
        if (count < 0)
        {
            for (long i = 0; i < -count; i++) picks.Add(random.Next(size));
            return picks;
        }
        if (count >= size)
        {
            for (int i = 0; i < size; i++) picks.Add(i);
            return picks;
        }
        var chosen = new HashSet<int>();
        while (chosen.Count < count) chosen.Add(random.Next(size));
        picks.AddRange(chosen);
        return picks;
    }

    public static void HScan(ClientSession c)
    {
        if (!ScanArgs.TryParse(c, 2, out var scan)) return;
        if (!c.TryGet(c.Request.Arg(1), out HashObject? hash)) return;
        var items = new List<byte[]>();
        long next = 0;
        if (hash != null)
            next = hash.Fields.Scan(scan.Cursor, scan.Count, i =>
            {
                if (!scan.Matches(c, hash.Fields.KeyAt(i))) return;
                items.Add(hash.Fields.KeyAt(i));
                if (!scan.NoValues) items.Add(hash.Fields.ValueAt(i));
            });
        scan.Reply(c, next, items);
    }
}

/// <summary>The arguments of HSCAN/SSCAN/ZSCAN: cursor [MATCH pattern] [COUNT count] [NOVALUES].</summary>
internal readonly record struct ScanArgs(long Cursor, int Count, int PatternArg, bool NoValues)
{
    public static bool TryParse(ClientSession c, int cursorArg, out ScanArgs args, bool allowNoValues = true)
    {
        args = default;
        var req = c.Request;
        if (!ulong.TryParse(req.Arg(cursorArg), out ulong cursor))
        {
            c.Reply.Error("ERR invalid cursor");
            return false;
        }
        long count = 10;
        int pattern = -1;
        bool noValues = false;
        for (int i = cursorArg + 1; i < req.Count; i++)
        {
            bool hasNext = i + 1 < req.Count;
            if (c.ArgIs(i, "COUNT"u8) && hasNext)
            {
                if (!c.TryLong(++i, out count)) return false;
                if (count < 1)
                {
                    c.Reply.Error(Errors.Syntax);
                    return false;
                }
            }
            else if (c.ArgIs(i, "MATCH"u8) && hasNext) pattern = ++i;
            else if (allowNoValues && c.ArgIs(i, "NOVALUES"u8) && c.Request.Arg(0).Length == 5 && (c.Request.Arg(0)[0] | 0x20) == 'h') noValues = true;
            else
            {
                c.Reply.Error(Errors.Syntax);
                return false;
            }
        }
        args = new ScanArgs((long)Math.Min(cursor, long.MaxValue), (int)Math.Min(count, int.MaxValue), pattern, noValues);
        return true;
    }

    public bool Matches(ClientSession c, byte[] item) => PatternArg < 0 || GlobMatcher.IsMatch(c.Request.Arg(PatternArg), item);

    public void Reply(ClientSession c, long next, List<byte[]> items)
    {
        c.Reply.ArrayHeader(2);
        c.Reply.BulkInteger(next);
        c.Reply.BulkArray(items);
    }
}
