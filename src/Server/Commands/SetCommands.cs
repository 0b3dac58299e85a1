using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Commands;

/// <summary>Set commands (Redis's t_set.c). SPOP is logged as SREM of what it popped.</summary>
internal static class SetCommands
{
    public static void SAdd(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryGetOrCreate(req.Arg(1), TypedKeys.NewSet, out var set)) return;
        long added = 0;
        for (int i = 2; i < req.Count; i++)
            if (set.Add(req.Arg(i))) added++;
        if (added > 0) c.Changed(set, set.Count, NotifyClass.Set, "sadd");
        c.Reply.Integer(added);
    }

    public static void SRem(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryGet(req.Arg(1), out SetObject? set)) return;
        long removed = 0;
        if (set != null)
        {
            for (int i = 2; i < req.Count; i++)
                if (set.Members.Remove(req.Arg(i))) removed++;
            if (removed > 0) c.Changed(set, set.Count, NotifyClass.Set, "srem");
        }
        c.Reply.Integer(removed);
    }

    public static void SMembers(ClientSession c)
    {
        if (!c.TryGet(c.Request.Arg(1), out SetObject? set)) return;
        int n = set?.Count ?? 0;
        c.Reply.SetHeader(n);
        for (int i = 0; i < n; i++) c.Reply.Bulk(set!.Members.KeyAt(i));
    }

    public static void SIsMember(ClientSession c)
    {
        if (!c.TryGet(c.Request.Arg(1), out SetObject? set)) return;
        c.Reply.Integer(set != null && set.Members.Contains(c.Request.Arg(2)) ? 1 : 0);
    }

    public static void SMIsMember(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryGet(req.Arg(1), out SetObject? set)) return;
        c.Reply.ArrayHeader(req.Count - 2);
        for (int i = 2; i < req.Count; i++) c.Reply.Integer(set != null && set.Members.Contains(req.Arg(i)) ? 1 : 0);
    }

    public static void SCard(ClientSession c)
    {
        if (!c.TryGet(c.Request.Arg(1), out SetObject? set)) return;
        c.Reply.Integer(set?.Count ?? 0);
    }

    /// <summary>SPOP key [count]: random members removed, logged as SREM so replay removes the same ones.</summary>
    public static void SPop(ClientSession c)
    {
        var req = c.Request;
        if (req.Count > 3)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        long count = 1;
        if (req.Count == 3 && !c.TryCount(2, out count)) return;
        if (!c.TryGet(req.Arg(1), out SetObject? set)) return;
        if (set == null)
        {
            if (req.Count == 3) c.Reply.SetHeader(0);
            else c.Reply.Null();
            return;
        }
        long n = Math.Min(count, set.Count);
        if (req.Count == 3) c.Reply.SetHeader(n);
        if (n == 0) return;
        var log = c.LogAbsolute(replace: true);
        log.Begin((int)n + 2);
        log.Append("SREM"u8);
        log.Append(set.Key);
        for (long k = 0; k < n; k++)
        {
            int i = set.Members.RandomIndex(c.Server.Random);
            var member = set.Members.KeyAt(i);
            set.Members.RemoveAt(i);
            log.Append(member);
            c.Reply.Bulk(member);
        }
        log.End();
        c.Changed(set, set.Count, NotifyClass.Set, "spop");
    }

    public static void SRandMember(ClientSession c)
    {
        var req = c.Request;
        if (req.Count > 3)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        long count = 0;
        if (req.Count == 3 && !c.TryLong(2, out count)) return;
        if (!c.TryGet(req.Arg(1), out SetObject? set)) return;
        if (req.Count == 2)
        {
            if (set == null) c.Reply.Null();
            else c.Reply.Bulk(set.Members.KeyAt(set.Members.RandomIndex(c.Server.Random)));
            return;
        }
        var picks = HashCommands.RandomPicks(set?.Count ?? 0, count, c.Server.Random);
        c.Reply.ArrayHeader(picks.Count);
        foreach (int i in picks) c.Reply.Bulk(set!.Members.KeyAt(i));
    }

    public static void SMove(ClientSession c)
    {
        var req = c.Request;
        if (!c.TryGet(req.Arg(1), out SetObject? src)) return;
        if (src == null)
        {
            c.Reply.Integer(0); // Redis answers 0 for a missing source before it looks at the destination's type
            return;
        }
        if (!c.TryGet(req.Arg(2), out SetObject? dst)) return;
        var member = req.Arg(3);
        if (!src.Members.Contains(member))
        {
            c.Reply.Integer(0);
            return;
        }
        if (src == dst)
        {
            c.Reply.Integer(1);
            return;
        }
        src.Members.Remove(member);
        c.Changed(src, src.Count, NotifyClass.Set, "srem");
        if (dst == null)
        {
            dst = new SetObject(req.Arg(2).ToArray(), c.Server.Config.Encoding);
            c.Db.Add(dst, c.NowMs);
        }
        if (dst.Add(member)) c.Changed(dst, dst.Count, NotifyClass.Set, "sadd");
        c.Reply.Integer(1);
    }

    private enum Op { Inter, Union, Diff }

    public static void SInter(ClientSession c) => Combine(c, Op.Inter, store: false);
    public static void SUnion(ClientSession c) => Combine(c, Op.Union, store: false);
    public static void SDiff(ClientSession c) => Combine(c, Op.Diff, store: false);
    public static void SInterStore(ClientSession c) => Combine(c, Op.Inter, store: true);
    public static void SUnionStore(ClientSession c) => Combine(c, Op.Union, store: true);
    public static void SDiffStore(ClientSession c) => Combine(c, Op.Diff, store: true);

    /// <summary>The sets named by arguments [first, end) (null for a missing key); false after a WRONGTYPE reply.</summary>
    private static bool TryGetSets(ClientSession c, int first, int end, out List<SetObject?> sets)
    {
        sets = new List<SetObject?>(end - first);
        for (int i = first; i < end; i++)
        {
            if (!c.TryGetRead(c.Request.Arg(i), out SetObject? s)) return false;
            sets.Add(s);
        }
        return true;
    }

    private static List<byte[]> Compute(Op op, List<SetObject?> sets, long limit = 0)
    {
        var result = new List<byte[]>();
        switch (op)
        {
            case Op.Inter:
                if (sets.Any(s => s == null)) return result;
                var smallest = sets.MinBy(s => s!.Count)!;
                for (int i = 0; i < smallest.Count && (limit == 0 || result.Count < limit); i++)
                {
                    var m = smallest.Members.KeyAt(i);
                    if (sets.All(s => s == smallest || s!.Members.Contains(m))) result.Add(m);
                }
                return result;
            case Op.Union:
                var seen = new HashSet<byte[]>(ByteKeyComparer.Instance);
                foreach (var s in sets)
                    for (int i = 0; s != null && i < s.Count; i++)
                        if (seen.Add(s.Members.KeyAt(i))) result.Add(s.Members.KeyAt(i));
                return result;
            default:
                if (sets[0] is not { } first) return result;
                for (int i = 0; i < first.Count; i++)
                {
                    var m = first.Members.KeyAt(i);
                    bool elsewhere = false;
                    for (int j = 1; j < sets.Count && !elsewhere; j++) elsewhere = sets[j] != null && sets[j] != first && sets[j]!.Members.Contains(m);
                    if (!elsewhere && !sets.Skip(1).Any(s => s == first)) result.Add(m);
                }
                return result;
        }
    }

    private static void Combine(ClientSession c, Op op, bool store)
    {
        int first = store ? 2 : 1;
        if (!TryGetSets(c, first, c.Request.Count, out var sets)) return;
        var result = Compute(op, sets);
        if (!store)
        {
            c.Reply.SetHeader(result.Count);
            foreach (var m in result) c.Reply.Bulk(m);
            return;
        }
        var dstKey = c.Request.Arg(1);
        SetObject? dst = null;
        if (result.Count > 0)
        {
            dst = new SetObject(dstKey.ToArray(), c.Server.Config.Encoding);
            foreach (var m in result) dst.Add(m);
        }
        c.StoreResult(dstKey, dst, NotifyClass.Set, op switch { Op.Inter => "sinterstore", Op.Union => "sunionstore", _ => "sdiffstore" });
        c.Reply.Integer(result.Count);
    }

    /// <summary>SINTERCARD numkeys key [key ...] [LIMIT limit].</summary>
    public static void SInterCard(ClientSession c)
    {
        if (!NumKeys.TryParse(c, 1, out int numKeys, out int end)) return;
        long limit = 0;
        var req = c.Request;
        for (int i = end; i < req.Count; i++)
        {
            if (c.ArgIs(i, "LIMIT"u8) && i + 1 < req.Count)
            {
                if (!c.TryCount(++i, out limit, "ERR LIMIT can't be negative")) return;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        if (!TryGetSets(c, 2, end, out var sets)) return;
        c.Reply.Integer(Compute(Op.Inter, sets, limit).Count);
    }

    public static void SScan(ClientSession c)
    {
        if (!ScanArgs.TryParse(c, 2, out var scan)) return;
        if (!c.TryGet(c.Request.Arg(1), out SetObject? set)) return;
        var items = new List<byte[]>();
        long next = 0;
        // An intset is scanned whole, in its order (ascending), whatever the cursor and COUNT: as Redis.
        if (set != null && set.Encoding(null) == "intset")
        {
            for (int i = 0; i < set.Count; i++)
                if (scan.Matches(c, set.Members.KeyAt(i))) items.Add(set.Members.KeyAt(i));
            items.Sort((a, b) => long.Parse(System.Text.Encoding.ASCII.GetString(a)).CompareTo(long.Parse(System.Text.Encoding.ASCII.GetString(b))));
        }
        else if (set != null)
            next = set.Members.Scan(scan.Cursor, scan.Count, i =>
            {
                if (scan.Matches(c, set.Members.KeyAt(i))) items.Add(set.Members.KeyAt(i));
            });
        scan.Reply(c, next, items);
    }
}

/// <summary>The numkeys argument of SINTERCARD, ZUNIONSTORE and friends, with Redis's errors.</summary>
internal static class NumKeys
{
    /// <summary>
    /// Parses argument <paramref name="at"/>; <paramref name="end"/> is the index after the
    /// last key. <paramref name="storeErrors"/>: the errors of ZUNIONSTORE/ZINTERSTORE
    /// (Redis's zunionInterDiffGenericCommand) instead of SINTERCARD's.
    /// </summary>
    public static bool TryParse(ClientSession c, int at, out int numKeys, out int end, bool storeErrors = false)
    {
        numKeys = 0;
        end = 0;
        bool number = RespNumber.TryParseInt64(c.Request.Arg(at), out long n);
        if (!number && storeErrors)
        {
            c.Reply.Error(Errors.NotInteger);
            return false;
        }
        if (!number || n <= 0)
        {
            c.Reply.Error(storeErrors ? $"ERR at least 1 input key is needed for '{c.Command!.FullName}' command" : "ERR numkeys should be greater than 0");
            return false;
        }
        if (n > c.Request.Count - at - 1)
        {
            c.Reply.Error(storeErrors ? Errors.Syntax : "ERR Number of keys can't be greater than number of args");
            return false;
        }
        numKeys = (int)n;
        end = at + 1 + numKeys;
        return true;
    }
}
