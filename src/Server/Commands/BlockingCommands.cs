using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Commands;

/// <summary>
/// BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BZPOPMIN, BZPOPMAX (Redis's blocking.c with t_list.c
/// and t_zset.c). With data they act at once; without, the connection blocks on the keys
/// until a push creates one (served in arrival order right after the pushing command, as
/// Redis does) or the timeout passes. Inside MULTI and during replay they never block.
/// A served pop is logged in its non-blocking form (LPOP, LMOVE, ZPOPMIN…): that is what
/// it did, and replaying it can never block.
/// </summary>
internal static class BlockingCommands
{
    public static void BLPop(ClientSession c) => ListPop(c, left: true);
    public static void BRPop(ClientSession c) => ListPop(c, left: false);

    private static void ListPop(ClientSession c, bool left)
    {
        var req = c.Request;
        if (!TryTimeout(c, req.Count - 1, out long timeoutMs)) return;
        for (int i = 1; i < req.Count - 1; i++)
        {
            var key = req.Arg(i);
            if (!c.TryGet(key, out ListObject? list)) return;
            if (list == null) continue;
            var value = left ? list.PopLeft() : list.PopRight();
            c.Changed(list, list.Count, NotifyClass.List, left ? "lpop" : "rpop");
            c.Reply.ArrayHeader(2);
            c.Reply.Bulk(key);
            c.Reply.Bulk(value);
            c.LogAbsolute(replace: true).Add(left ? "LPOP"u8 : "RPOP"u8, key);
            return;
        }
        if (c.CanBlock) c.Block(1, req.Count - 2, RedisType.List, timeoutMs, nullIsArray: true);
        else c.Reply.NullArray();
    }

    public static void BLMove(ClientSession c)
    {
        bool fromLeft = c.ArgIs(3, "LEFT"u8), toLeft = c.ArgIs(4, "LEFT"u8);
        if ((!fromLeft && !c.ArgIs(3, "RIGHT"u8)) || (!toLeft && !c.ArgIs(4, "RIGHT"u8)))
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        Move(c, fromLeft, toLeft, timeoutArg: 5);
    }

    public static void BRPopLPush(ClientSession c) => Move(c, fromLeft: false, toLeft: true, timeoutArg: 3);

    private static void Move(ClientSession c, bool fromLeft, bool toLeft, int timeoutArg)
    {
        if (!TryTimeout(c, timeoutArg, out long timeoutMs)) return;
        var req = c.Request;
        if (!c.TryGet(req.Arg(1), out ListObject? src)) return;
        if (src == null)
        {
            if (c.CanBlock) c.Block(1, 1, RedisType.List, timeoutMs, nullIsArray: true); // a timeout is a null array, as Redis's
            else c.Reply.Null();
            return;
        }
        if (!ListCommands.Move(c, fromLeft, toLeft)) return;
        var log = c.LogAbsolute(replace: true);
        log.Begin(5);
        log.Append("LMOVE"u8);
        log.Append(req.Arg(1));
        log.Append(req.Arg(2));
        log.Append(fromLeft ? "LEFT"u8 : "RIGHT"u8);
        log.Append(toLeft ? "LEFT"u8 : "RIGHT"u8);
        log.End();
    }

    public static void BZPopMin(ClientSession c) => ZPop(c, max: false);
    public static void BZPopMax(ClientSession c) => ZPop(c, max: true);

    private static void ZPop(ClientSession c, bool max)
    {
        var req = c.Request;
        if (!TryTimeout(c, req.Count - 1, out long timeoutMs)) return;
        for (int i = 1; i < req.Count - 1; i++)
        {
            var key = req.Arg(i);
            if (!c.TryGet(key, out ZSetObject? zset)) return;
            if (zset == null) continue;
            var node = max ? zset.List.Last! : zset.List.First!;
            var member = node.Member;
            double score = node.Score;
            zset.Remove(member);
            c.Changed(zset, zset.Count, NotifyClass.ZSet, max ? "zpopmax" : "zpopmin");
            c.Reply.ArrayHeader(3);
            c.Reply.Bulk(key);
            c.Reply.Bulk(member);
            c.Reply.Double(score);
            c.LogAbsolute(replace: true).Add(max ? "ZPOPMAX"u8 : "ZPOPMIN"u8, key);
            return;
        }
        if (c.CanBlock) c.Block(1, req.Count - 2, RedisType.ZSet, timeoutMs, nullIsArray: true);
        else c.Reply.NullArray();
    }

    public static void LMPop(ClientSession c) => MPop(c, zset: false, blocking: false);
    public static void BLMPop(ClientSession c) => MPop(c, zset: false, blocking: true);
    public static void ZMPop(ClientSession c) => MPop(c, zset: true, blocking: false);
    public static void BZMPop(ClientSession c) => MPop(c, zset: true, blocking: true);

    /// <summary>
    /// LMPOP / ZMPOP numkeys key [key ...] LEFT|RIGHT (MIN|MAX) [COUNT count], and BLMPOP /
    /// BZMPOP with a timeout first: up to count elements from the first non-empty key, as
    /// [key, elements]. Logged as the pop it did (LPOP/RPOP/ZPOPMIN/ZPOPMAX key count).
    /// </summary>
    private static void MPop(ClientSession c, bool zset, bool blocking)
    {
        var req = c.Request;
        long timeoutMs = 0;
        if (blocking && !TryTimeout(c, 1, out timeoutMs)) return;
        int numKeysArg = blocking ? 2 : 1;
        if (!RespNumber.TryParseInt64(req.Arg(numKeysArg), out long numKeys) || numKeys < 1)
        {
            c.Reply.Error("ERR numkeys should be greater than 0");
            return;
        }
        long whereArg = numKeys >= req.Count ? req.Count : numKeysArg + numKeys + 1;
        if (whereArg >= req.Count)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        int w = (int)whereArg;
        bool first = zset ? c.ArgIs(w, "MIN"u8) : c.ArgIs(w, "LEFT"u8);
        if (!first && !(zset ? c.ArgIs(w, "MAX"u8) : c.ArgIs(w, "RIGHT"u8)))
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        long count = -1;
        for (int j = w + 1; j < req.Count; j++)
        {
            if (count == -1 && c.ArgIs(j, "COUNT"u8) && j + 1 < req.Count)
            {
                if (!RespNumber.TryParseInt64(req.Arg(++j), out count) || count < 1)
                {
                    c.Reply.Error("ERR count should be greater than 0");
                    return;
                }
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        if (count == -1) count = 1;
        for (int k = 0; k < numKeys; k++)
        {
            var key = req.Arg(numKeysArg + 1 + k);
            if (zset)
            {
                if (!c.TryGet(key, out ZSetObject? z)) return;
                if (z == null) continue;
                int n = (int)Math.Min(count, z.Count);
                c.Reply.ArrayHeader(2);
                c.Reply.Bulk(key);
                c.Reply.ArrayHeader(n);
                for (int i = 0; i < n; i++)
                {
                    var node = first ? z.List.First! : z.List.Last!;
                    var member = node.Member;
                    double score = node.Score;
                    z.Remove(member);
                    c.Reply.ArrayHeader(2);
                    c.Reply.Bulk(member);
                    c.Reply.Double(score);
                }
                c.Changed(z, z.Count, NotifyClass.ZSet, first ? "zpopmin" : "zpopmax");
                c.LogAbsolute(replace: true).Add(first ? "ZPOPMIN"u8 : "ZPOPMAX"u8, key, n);
            }
            else
            {
                if (!c.TryGet(key, out ListObject? list)) return;
                if (list == null) continue;
                int n = (int)Math.Min(count, list.Count);
                c.Reply.ArrayHeader(2);
                c.Reply.Bulk(key);
                c.Reply.ArrayHeader(n);
                for (int i = 0; i < n; i++) c.Reply.Bulk(first ? list.PopLeft() : list.PopRight());
                c.Changed(list, list.Count, NotifyClass.List, first ? "lpop" : "rpop");
                c.LogAbsolute(replace: true).Add(first ? "LPOP"u8 : "RPOP"u8, key, n);
            }
            c.KeysTouchedByHandler = true; // the key popped from, not the others (its keys move: the table has none)
            c.Server.Watches.Touch(c.Db, key, c);
            return;
        }
        if (blocking && c.CanBlock) c.Block(numKeysArg + 1, numKeysArg + (int)numKeys, zset ? RedisType.ZSet : RedisType.List, timeoutMs, nullIsArray: true);
        else c.Reply.NullArray();
    }

    /// <summary>Redis's getTimeoutFromObjectOrReply: seconds as a float, 0 = forever; in milliseconds.</summary>
    private static bool TryTimeout(ClientSession c, int i, out long ms)
    {
        ms = 0;
        if (!RespNumber.TryParseDouble(c.Request.Arg(i), out double seconds, allowInfinity: false) || double.IsNaN(seconds))
        {
            c.Reply.Error("ERR timeout is not a float or out of range");
            return false;
        }
        if (seconds < 0)
        {
            c.Reply.Error("ERR timeout is negative");
            return false;
        }
        double millis = Math.Ceiling(seconds * 1000);
        if (millis > long.MaxValue / 4)
        {
            c.Reply.Error("ERR timeout is out of range");
            return false;
        }
        ms = (long)millis;
        return true;
    }
}
