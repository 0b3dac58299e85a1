using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Commands;

/// <summary>List commands (Redis's t_list.c). Every change is logged as received: list commands replay exactly.</summary>
internal static class ListCommands
{
    public static void LPush(ClientSession c) => Push(c, left: true, onlyExisting: false);
    public static void RPush(ClientSession c) => Push(c, left: false, onlyExisting: false);
    public static void LPushX(ClientSession c) => Push(c, left: true, onlyExisting: true);
    public static void RPushX(ClientSession c) => Push(c, left: false, onlyExisting: true);

    private static void Push(ClientSession c, bool left, bool onlyExisting)
    {
        var req = c.Request;
        ListObject list;
        if (onlyExisting)
        {
            if (!c.TryGet(req.Arg(1), out ListObject? existing)) return;
            if (existing == null)
            {
                c.Reply.Integer(0);
                return;
            }
            list = existing;
        }
        else if (!c.TryGetOrCreate(req.Arg(1), TypedKeys.NewList, out list)) return;
        for (int i = 2; i < req.Count; i++)
        {
            var v = req.Arg(i).ToArray();
            if (left) list.PushLeft(v);
            else list.PushRight(v);
        }
        c.Changed(list, list.Count, NotifyClass.List, left ? "lpush" : "rpush");
        c.Reply.Integer(list.Count);
    }

    public static void LPop(ClientSession c) => Pop(c, left: true);
    public static void RPop(ClientSession c) => Pop(c, left: false);

    private static void Pop(ClientSession c, bool left)
    {
        var req = c.Request;
        long count = 1;
        if (req.Count > 3)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        if (req.Count == 3 && !c.TryCount(2, out count)) return;
        if (!c.TryGet(req.Arg(1), out ListObject? list)) return;
        if (list == null)
        {
            if (req.Count == 3) c.Reply.NullArray();
            else c.Reply.Null();
            return;
        }
        if (req.Count == 2)
        {
            c.Reply.Bulk(left ? list.PopLeft() : list.PopRight());
            c.Changed(list, list.Count, NotifyClass.List, left ? "lpop" : "rpop");
            return;
        }
        long n = Math.Min(count, list.Count);
        c.Reply.ArrayHeader(n);
        for (long i = 0; i < n; i++) c.Reply.Bulk(left ? list.PopLeft() : list.PopRight());
        if (n > 0) c.Changed(list, list.Count, NotifyClass.List, left ? "lpop" : "rpop");
    }

    public static void LLen(ClientSession c)
    {
        if (!c.TryGet(c.Request.Arg(1), out ListObject? list)) return;
        c.Reply.Integer(list?.Count ?? 0);
    }

    public static void LRange(ClientSession c)
    {
        if (!c.TryLong(2, out long start) || !c.TryLong(3, out long end)) return;
        if (!c.TryGet(c.Request.Arg(1), out ListObject? list)) return;
        if (list == null || !TypedKeys.Normalize(list.Count, ref start, ref end))
        {
            c.Reply.ArrayHeader(0);
            return;
        }
        c.Reply.ArrayHeader(end - start + 1);
        for (long i = start; i <= end; i++) c.Reply.Bulk(list[(int)i]);
    }

    /// <summary>LINDEX key index: as Redis, the key (missing: null; wrong type) before the index.</summary>
    public static void LIndex(ClientSession c)
    {
        if (!c.TryGet(c.Request.Arg(1), out ListObject? list)) return;
        if (list == null)
        {
            c.Reply.Null();
            return;
        }
        if (!c.TryLong(2, out long index)) return;
        if (index < 0) index += list.Count;
        if (index < 0 || index >= list.Count) c.Reply.Null();
        else c.Reply.Bulk(list[(int)index]);
    }

    /// <summary>LSET key index element: as Redis, the key (missing: no such key; wrong type) before the index.</summary>
    public static void LSet(ClientSession c)
    {
        if (!c.TryGet(c.Request.Arg(1), out ListObject? list)) return;
        if (list == null)
        {
            c.Reply.Error(Errors.NoSuchKey);
            return;
        }
        if (!c.TryLong(2, out long index)) return;
        if (index < 0) index += list.Count;
        if (index < 0 || index >= list.Count)
        {
            c.Reply.Error("ERR index out of range");
            return;
        }
        list[(int)index] = c.Request.Arg(3).ToArray();
        c.Changed(list, list.Count, NotifyClass.List, "lset");
        c.Reply.Ok();
    }

    public static void LRem(ClientSession c)
    {
        if (!c.TryLong(2, out long count)) return;
        if (!c.TryGet(c.Request.Arg(1), out ListObject? list)) return;
        if (list == null)
        {
            c.Reply.Integer(0);
            return;
        }
        var value = c.Request.Arg(3);
        long removed = 0;
        if (count >= 0)
        {
            for (int i = 0; i < list.Count && (count == 0 || removed < count);)
                if (list[i].AsSpan().SequenceEqual(value)) { list.RemoveAt(i); removed++; }
                else i++;
        }
        else
        {
            for (int i = list.Count - 1; i >= 0 && removed < -count; i--)
                if (list[i].AsSpan().SequenceEqual(value)) { list.RemoveAt(i); removed++; }
        }
        if (removed > 0) c.Changed(list, list.Count, NotifyClass.List, "lrem");
        c.Reply.Integer(removed);
    }

    public static void LTrim(ClientSession c)
    {
        if (!c.TryLong(2, out long start) || !c.TryLong(3, out long end)) return;
        if (!c.TryGet(c.Request.Arg(1), out ListObject? list)) return;
        if (list != null)
        {
            int before = list.Count;
            if (TypedKeys.Normalize(list.Count, ref start, ref end)) list.Trim((int)start, (int)end);
            else while (list.Count > 0) list.PopRight(); // an empty range keeps nothing
            if (list.Count != before) c.Changed(list, list.Count, NotifyClass.List, "ltrim");
            else
            {
                c.Server.Watches.Touch(c.Db, c.Request.Arg(1), c); // Redis signals the key even when nothing was trimmed
                c.Notify(NotifyClass.List, "ltrim", list.Key);
            }
        }
        c.Reply.Ok();
    }

    public static void LInsert(ClientSession c)
    {
        bool after;
        if (c.ArgIs(2, "AFTER"u8)) after = true;
        else if (c.ArgIs(2, "BEFORE"u8)) after = false;
        else
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        if (!c.TryGet(c.Request.Arg(1), out ListObject? list)) return;
        if (list == null)
        {
            c.Reply.Integer(0);
            return;
        }
        var pivot = c.Request.Arg(3);
        for (int i = 0; i < list.Count; i++)
        {
            if (!list[i].AsSpan().SequenceEqual(pivot)) continue;
            list.Insert(after ? i + 1 : i, c.Request.Arg(4).ToArray());
            c.Changed(list, list.Count, NotifyClass.List, "linsert");
            c.Reply.Integer(list.Count);
            return;
        }
        c.Reply.Integer(-1);
    }

    /// <summary>LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].</summary>
    public static void LPos(ClientSession c)
    {
        var req = c.Request;
        long rank = 1, count = -1, maxlen = 0;
        for (int i = 3; i < req.Count; i++)
        {
            bool hasNext = i + 1 < req.Count;
            if (c.ArgIs(i, "RANK"u8) && hasNext)
            {
                if (!c.TryLong(++i, out rank)) return;
                // Redis 7.0 negates a negative rank and keeps matches from the rank on: -LLONG_MIN
                // stays LLONG_MIN, below every count, so RANK -9223372036854775808 acts as -1.
                if (rank == long.MinValue) rank = -1;
                if (rank == 0)
                {
                    c.Reply.Error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
                    return;
                }
            }
            else if (c.ArgIs(i, "COUNT"u8) && hasNext)
            {
                if (!c.TryCount(++i, out count, "ERR COUNT can't be negative")) return;
            }
            else if (c.ArgIs(i, "MAXLEN"u8) && hasNext)
            {
                if (!c.TryCount(++i, out maxlen, "ERR MAXLEN can't be negative")) return;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        if (!c.TryGet(req.Arg(1), out ListObject? list)) return;
        var matches = new List<long>();
        if (list != null)
        {
            var element = req.Arg(2);
            long wanted = count == 0 ? long.MaxValue : Math.Max(count, 1);
            long skip = Math.Abs(rank) - 1;
            bool forward = rank > 0;
            long scanned = 0;
            for (int j = 0; j < list.Count && (maxlen == 0 || scanned < maxlen) && matches.Count < wanted; j++, scanned++)
            {
                int i = forward ? j : list.Count - 1 - j;
                if (!list[i].AsSpan().SequenceEqual(element)) continue;
                if (skip > 0) { skip--; continue; }
                matches.Add(i);
            }
        }
        if (count < 0)
        {
            if (matches.Count == 0) c.Reply.Null();
            else c.Reply.Integer(matches[0]);
            return;
        }
        c.Reply.ArrayHeader(matches.Count);
        foreach (var m in matches) c.Reply.Integer(m);
    }

    public static void LMove(ClientSession c)
    {
        if (!TryWhere(c, 3, out bool fromLeft) || !TryWhere(c, 4, out bool toLeft)) return;
        Move(c, fromLeft, toLeft);
    }

    public static void RPopLPush(ClientSession c) => Move(c, fromLeft: false, toLeft: true);

    private static bool TryWhere(ClientSession c, int i, out bool left)
    {
        left = c.ArgIs(i, "LEFT"u8);
        if (left || c.ArgIs(i, "RIGHT"u8)) return true;
        c.Reply.Error(Errors.Syntax);
        return false;
    }

    /// <summary>LMOVE/RPOPLPUSH: pops from the source and pushes to the destination; null when the source is empty.</summary>
    internal static bool Move(ClientSession c, bool fromLeft, bool toLeft, bool replyNullWhenEmpty = true)
    {
        if (!c.TryGet(c.Request.Arg(1), out ListObject? src)) return true;
        if (src == null)
        {
            if (replyNullWhenEmpty) c.Reply.Null();
            return false;
        }
        // The destination's type is checked before anything moves.
        if (!c.TryGet(c.Request.Arg(2), out ListObject? dst)) return true;
        var value = fromLeft ? src.PopLeft() : src.PopRight();
        if (dst == null)
        {
            dst = new ListObject(c.Request.Arg(2).ToArray());
            c.Db.Add(dst, c.NowMs);
        }
        if (toLeft) dst.PushLeft(value);
        else dst.PushRight(value);
        // Redis's order: the push (the destination), then the pop and an emptied source's deletion.
        c.Changed(dst, dst.Count, NotifyClass.List, toLeft ? "lpush" : "rpush");
        c.Changed(src, src.Count, NotifyClass.List, fromLeft ? "lpop" : "rpop");
        c.Reply.Bulk(value);
        return true;
    }
}
