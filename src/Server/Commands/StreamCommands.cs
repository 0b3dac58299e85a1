using System.Text;
using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;
using PasteRedis.Server.Persistence;

namespace PasteRedis.Server.Commands;

/// <summary>
/// Streams (Redis's t_stream.c): XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XREAD (with
/// BLOCK), XSETID and consumer groups (XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM,
/// XAUTOCLAIM, XINFO). Replies follow Redis 7 (Commands/DifferentialTests). What would
/// replay differently is logged in absolute form, as Redis propagates it: a generated ID as
/// the ID, a trim as XTRIM to the length it left, a delivery to a group as XCLAIM with its
/// time and count (plus XGROUP SETID with the group's read counter).
/// </summary>
internal static partial class StreamCommands
{
    private const string InvalidId = "ERR Invalid stream ID specified as stream command argument";

    // ---- IDs ----

    /// <summary>Redis's streamGenericParseIDOrReply: "ms[-seq]", "-" and "+" unless strict, "ms-*" where allowed.</summary>
    private static bool TryParseId(ReadOnlySpan<byte> s, ulong missingSeq, bool strict, out StreamId id, out bool seqGiven, bool allowAutoSeq = false)
    {
        id = default;
        seqGiven = true;
        if (s.Length > 127) return false;
        if (!strict && s.Length == 1 && s[0] == (byte)'-') { id = StreamId.Min; return true; }
        if (!strict && s.Length == 1 && s[0] == (byte)'+') { id = StreamId.Max; return true; }
        int dash = s.IndexOf((byte)'-');
        if (dash < 0)
        {
            if (!TryUInt64(s, out ulong ms)) return false;
            id = new StreamId(ms, missingSeq);
            return true;
        }
        if (!TryUInt64(s[..dash], out ulong msPart)) return false;
        var seqPart = s[(dash + 1)..];
        if (allowAutoSeq && seqPart.Length == 1 && seqPart[0] == (byte)'*')
        {
            id = new StreamId(msPart, 0);
            seqGiven = false;
            return true;
        }
        if (!TryUInt64(seqPart, out ulong seq)) return false;
        id = new StreamId(msPart, seq);
        return true;
    }

    /// <summary>string2ull: decimal digits only (a leading '-' is refused, as Redis does for IDs).</summary>
    private static bool TryUInt64(ReadOnlySpan<byte> s, out ulong value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 20) return false;
        foreach (byte b in s)
        {
            if (b < '0' || b > '9') return false;
            ulong next = value * 10 + (ulong)(b - '0');
            if (value > ulong.MaxValue / 10 || next < value * 10) return false;
            value = next;
        }
        return true;
    }

    private static bool TryId(ClientSession c, int arg, ulong missingSeq, bool strict, out StreamId id)
    {
        if (TryParseId(c.Request.Arg(arg), missingSeq, strict, out id, out _)) return true;
        c.Reply.Error(InvalidId);
        return false;
    }

    /// <summary>A range end: an ID, "-"/"+", or "(id" for an exclusive one (streamParseIntervalIDOrReply).</summary>
    private static bool TryIntervalId(ClientSession c, int arg, ulong missingSeq, out StreamId id, out bool exclusive)
    {
        var s = c.Request.Arg(arg);
        exclusive = s.Length > 1 && s[0] == (byte)'(';
        if (TryParseId(exclusive ? s[1..] : s, missingSeq, strict: exclusive, out id, out _)) return true;
        c.Reply.Error(InvalidId);
        return false;
    }

    internal static byte[] IdBytes(StreamId id) => Encoding.ASCII.GetBytes(id.ToString());

    private static void ReplyId(ClientSession c, StreamId id) => c.Reply.Bulk(id.ToString());

    private static void ReplyEntry(ClientSession c, StreamEntry e)
    {
        c.Reply.ArrayHeader(2);
        ReplyId(c, e.Id);
        c.Reply.ArrayHeader(e.FieldsAndValues.Length);
        foreach (var b in e.FieldsAndValues) c.Reply.Bulk(b);
    }

    private static bool TryGetStream(ClientSession c, ReadOnlySpan<byte> key, out StreamObject? stream) => c.TryGet(key, out stream);

    private static string Name(ClientSession c, int arg) => c.ArgString(arg);

    /// <summary>The stream at argument <paramref name="arg"/>; false after replying WRONGTYPE or "no such key".</summary>
    private static bool TryExistingStream(ClientSession c, int arg, out StreamObject s)
    {
        s = null!;
        if (!TryGetStream(c, c.Request.Arg(arg), out var stream)) return false;
        if (stream == null)
        {
            c.Reply.Error(Errors.NoSuchKey);
            return false;
        }
        s = stream;
        return true;
    }

    // ---- XADD / XTRIM ----

    private struct TrimArgs
    {
        public bool Maxlen, Minid, Approx, LimitGiven, NoMkStream;
        public long Threshold, Limit;
        public StreamId MinId;
        public int IdArg;
        public StreamId Id;
        public bool IdGiven, SeqGiven;
    }

    /// <summary>streamParseAddOrTrimArgsOrReply: returns false after replying an error.</summary>
    private static bool TryParseTrim(ClientSession c, bool xadd, out TrimArgs args)
    {
        args = default;
        var req = c.Request;
        int i = 2;
        for (; i < req.Count; i++)
        {
            int more = req.Count - 1 - i;
            var opt = req.Arg(i);
            if (xadd && opt.Length == 1 && opt[0] == (byte)'*') break;
            if ((c.ArgIs(i, "MAXLEN"u8) || c.ArgIs(i, "MINID"u8)) && more > 0)
            {
                bool maxlen = c.ArgIs(i, "MAXLEN"u8);
                if (args.Maxlen || args.Minid)
                {
                    c.Reply.Error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
                    return false;
                }
                args.Approx = false;
                var next = req.Arg(i + 1);
                if (more >= 2 && next.Length == 1 && next[0] == (byte)'~')
                {
                    args.Approx = true;
                    i++;
                }
                else if (more >= 2 && next.Length == 1 && next[0] == (byte)'=') i++;
                if (maxlen)
                {
                    if (!c.TryLong(i + 1, out args.Threshold)) return false;
                    if (args.Threshold < 0)
                    {
                        c.Reply.Error("ERR The MAXLEN argument must be >= 0.");
                        return false;
                    }
                    args.Maxlen = true;
                }
                else
                {
                    if (!TryId(c, i + 1, 0, strict: true, out args.MinId)) return false;
                    args.Minid = true;
                }
                i++;
            }
            else if (c.ArgIs(i, "LIMIT"u8) && more > 0)
            {
                if (!c.TryLong(i + 1, out args.Limit)) return false;
                if (args.Limit < 0)
                {
                    c.Reply.Error("ERR The LIMIT argument must be >= 0.");
                    return false;
                }
                args.LimitGiven = true;
                i++;
            }
            else if (xadd && c.ArgIs(i, "NOMKSTREAM"u8)) args.NoMkStream = true;
            else if (xadd)
            {
                if (!TryParseId(opt, 0, strict: true, out args.Id, out args.SeqGiven, allowAutoSeq: true))
                {
                    c.Reply.Error(InvalidId);
                    return false;
                }
                args.IdGiven = true;
                break;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return false;
            }
        }
        args.IdArg = i;
        bool trims = args.Maxlen || args.Minid;
        if (args.Limit != 0 && !trims)
        {
            c.Reply.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
            return false;
        }
        if (!xadd && !trims)
        {
            c.Reply.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
            return false;
        }
        if (args.LimitGiven)
        {
            if (!args.Approx)
            {
                c.Reply.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
                return false;
            }
        }
        else if (args.Approx)
        {
            args.Limit = 100L * c.Server.Config.StreamNodeMaxEntries;
            if (args.Limit <= 0 || args.Limit > 1_000_000) args.Limit = 1_000_000;
        }
        else args.Limit = 0;
        return true;
    }

    private static long Trim(StreamObject s, in TrimArgs args) =>
        s.Trim(args.Threshold, args.Minid ? args.MinId : null, args.Approx, args.Limit);

    /// <summary>XADD key [NOMKSTREAM] [MAXLEN | MINID [= | ~] threshold [LIMIT count]] * | id field value [field value ...]</summary>
    public static void XAdd(ClientSession c)
    {
        var req = c.Request;
        if (!TryParseTrim(c, xadd: true, out var args)) return;
        int fieldPos = args.IdArg + 1;
        if (req.Count - fieldPos < 2 || (req.Count - fieldPos) % 2 == 1)
        {
            c.Reply.Error("ERR wrong number of arguments for 'xadd' command");
            return;
        }
        if (args.IdGiven && args.SeqGiven && args.Id.IsZero)
        {
            c.Reply.Error("ERR The ID specified in XADD must be greater than 0-0");
            return;
        }
        var key = req.Arg(1);
        if (!TryGetStream(c, key, out var s)) return;
        if (s == null)
        {
            if (args.NoMkStream)
            {
                c.Reply.Null();
                return;
            }
            s = new StreamObject(key.ToArray());
            c.Db.Add(s, c.NowMs);
        }
        if (s.LastId == StreamId.Max)
        {
            c.Reply.Error("ERR The stream has exhausted the last possible ID, unable to add more items");
            return;
        }
        StreamId id;
        if (!args.IdGiven)
        {
            ulong now = (ulong)c.NowMs;
            id = now > s.LastId.Ms ? new StreamId(now, 0) : Increment(s.LastId);
        }
        else if (args.SeqGiven) id = args.Id;
        else if (s.LastId.Ms == args.Id.Ms)
        {
            if (s.LastId.Seq == ulong.MaxValue)
            {
                XAddTooSmall(c, s);
                return;
            }
            id = new StreamId(s.LastId.Ms, s.LastId.Seq + 1);
        }
        else id = args.Id;
        if (args.IdGiven && id <= s.LastId)
        {
            XAddTooSmall(c, s);
            return;
        }
        var fields = new byte[req.Count - fieldPos][];
        for (int i = 0; i < fields.Length; i++) fields[i] = req.Arg(fieldPos + i).ToArray();
        var config = c.Server.Config;
        s.Append(id, fields, config.StreamNodeMaxEntries, config.StreamNodeMaxBytes);
        c.Server.Events.Dirty++;
        ReplyId(c, id);
        c.Notify(NotifyClass.Stream, "xadd", key);
        long trimmed = args.Maxlen || args.Minid ? Trim(s, args) : 0;
        if (trimmed > 0) c.Notify(NotifyClass.Stream, "xtrim", key);

        var log = c.LogAbsolute(replace: true);
        log.Begin(3 + fields.Length);
        log.Append("XADD"u8);
        log.Append(key);
        log.Append(IdBytes(id));
        foreach (var f in fields) log.Append(f);
        log.End();
        if (trimmed > 0) log.Add("XTRIM"u8, key, "MAXLEN"u8, "="u8, s.Length);
        c.Server.Blocking.KeyAdded(c.Db, s);
    }

    private static StreamId Increment(StreamId id) => id.TryIncrement(out var next) ? next : id;

    private static void XAddTooSmall(ClientSession c, StreamObject s) =>
        c.Reply.Error("ERR The ID specified in XADD is equal or smaller than the target stream top item");

    /// <summary>XTRIM key MAXLEN | MINID [= | ~] threshold [LIMIT count]: the number of entries removed.</summary>
    public static void XTrim(ClientSession c)
    {
        var req = c.Request;
        if (!TryParseTrim(c, xadd: false, out var args)) return; // Redis parses before it looks up the key
        if (!TryGetStream(c, req.Arg(1), out var s)) return;
        if (s == null)
        {
            c.Reply.Integer(0);
            return;
        }
        long removed = Trim(s, args);
        if (removed > 0)
        {
            c.Server.Events.Dirty++;
            c.LogAbsolute(replace: true).Add("XTRIM"u8, req.Arg(1), "MAXLEN"u8, "="u8, s.Length);
            c.Notify(NotifyClass.Stream, "xtrim", req.Arg(1));
        }
        c.Reply.Integer(removed);
    }

    // ---- Reading ----

    public static void XLen(ClientSession c)
    {
        if (!TryGetStream(c, c.Request.Arg(1), out var s)) return;
        c.Reply.Integer(s?.Length ?? 0);
    }

    public static void XRange(ClientSession c) => RangeGeneric(c, reverse: false);
    public static void XRevRange(ClientSession c) => RangeGeneric(c, reverse: true);

    private static void RangeGeneric(ClientSession c, bool reverse)
    {
        var req = c.Request;
        int startArg = reverse ? 3 : 2, endArg = reverse ? 2 : 3;
        if (!TryIntervalId(c, startArg, 0, out var start, out bool startEx)) return;
        if (startEx && !start.TryIncrement(out start))
        {
            c.Reply.Error("ERR invalid start ID for the interval");
            return;
        }
        if (!TryIntervalId(c, endArg, ulong.MaxValue, out var end, out bool endEx)) return;
        if (endEx && !end.TryDecrement(out end))
        {
            c.Reply.Error("ERR invalid end ID for the interval");
            return;
        }
        long count = -1;
        for (int j = 4; j < req.Count; j++)
        {
            if (c.ArgIs(j, "COUNT"u8) && j + 1 < req.Count)
            {
                if (!c.TryLong(j + 1, out count)) return;
                if (count < 0) count = 0;
                j++;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        if (!TryGetStream(c, req.Arg(1), out var s)) return;
        if (s == null)
        {
            c.Reply.ArrayHeader(0);
            return;
        }
        if (count == 0)
        {
            c.Reply.NullArray();
            return;
        }
        var entries = Range(s, start, end, count < 0 ? 0 : count, reverse);
        c.Reply.ArrayHeader(entries.Count);
        foreach (var e in entries) ReplyEntry(c, e);
    }

    /// <summary>Entries with start ≤ ID ≤ end, at most <paramref name="count"/> (0 = all), newest first when reversed.</summary>
    private static List<StreamEntry> Range(StreamObject s, StreamId start, StreamId end, long count, bool reverse)
    {
        var result = new List<StreamEntry>();
        if (start > end) return result;
        int from = s.LowerBound(start);
        int to = s.LowerBound(end);
        if (to < s.Length && s[to].Id == end) to++;
        if (!reverse)
            for (int i = from; i < to && (count == 0 || result.Count < count); i++) result.Add(s[i]);
        else
            for (int i = to - 1; i >= from && (count == 0 || result.Count < count); i--) result.Add(s[i]);
        return result;
    }

    /// <summary>XDEL key id [id ...]: the number of entries deleted.</summary>
    public static void XDel(ClientSession c)
    {
        var req = c.Request;
        if (!TryGetStream(c, req.Arg(1), out var s)) return;
        if (s == null)
        {
            c.Reply.Integer(0);
            return;
        }
        var ids = new StreamId[req.Count - 2];
        for (int i = 0; i < ids.Length; i++)
            if (!TryId(c, i + 2, 0, strict: true, out ids[i])) return;
        long deleted = 0;
        foreach (var id in ids)
            if (s.Delete(id)) deleted++;
        if (deleted > 0)
        {
            c.Server.Events.Dirty++;
            c.Notify(NotifyClass.Stream, "xdel", req.Arg(1));
        }
        c.Reply.Integer(deleted);
    }

    /// <summary>XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]</summary>
    public static void XSetId(ClientSession c)
    {
        var req = c.Request;
        if (!TryId(c, 2, 0, strict: true, out var id)) return;
        long entriesAdded = -1;
        var maxDeleted = StreamId.Min;
        for (int i = 3; i < req.Count; i++)
        {
            bool more = i + 1 < req.Count;
            if (c.ArgIs(i, "ENTRIESADDED"u8) && more)
            {
                if (!c.TryLong(i + 1, out entriesAdded)) return;
                if (entriesAdded < 0)
                {
                    c.Reply.Error("ERR entries_added must be positive");
                    return;
                }
                i++;
            }
            else if (c.ArgIs(i, "MAXDELETEDID"u8) && more)
            {
                if (!TryId(c, i + 1, 0, strict: true, out maxDeleted)) return;
                if (id < maxDeleted)
                {
                    c.Reply.Error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
                    return;
                }
                i++;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        if (!TryExistingStream(c, 1, out var s)) return;
        if (s.Length > 0)
        {
            if (id < s.Last!.Id)
            {
                c.Reply.Error("ERR The ID specified in XSETID is smaller than the target stream top item");
                return;
            }
            if (entriesAdded != -1 && s.Length > entriesAdded)
            {
                c.Reply.Error("ERR The entries_added specified in XSETID is smaller than the target stream length");
                return;
            }
        }
        // Redis 7.0 does not compare the ID with the stream's current max_deleted_entry_id (7.2 does).
        s.LastId = id;
        if (entriesAdded != -1) s.EntriesAdded = entriesAdded;
        if (!maxDeleted.IsZero) s.MaxDeletedId = maxDeleted;
        c.Server.Events.Dirty++;
        c.Notify(NotifyClass.Stream, "xsetid", c.Request.Arg(1));
        c.Reply.Ok();
    }
}
