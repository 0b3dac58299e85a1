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
internal static class StreamCommands
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
        long trimmed = args.Maxlen || args.Minid ? Trim(s, args) : 0;

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
        if (!TryGetStream(c, req.Arg(1), out var s)) return;
        if (!TryParseTrim(c, xadd: false, out var args)) return;
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
        if (deleted > 0) c.Server.Events.Dirty++;
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
        if (id < s.MaxDeletedId)
        {
            c.Reply.Error("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id");
            return;
        }
        s.LastId = id;
        if (entriesAdded != -1) s.EntriesAdded = entriesAdded;
        if (!maxDeleted.IsZero) s.MaxDeletedId = maxDeleted;
        c.Server.Events.Dirty++;
        c.Reply.Ok();
    }

    // ---- XREAD / XREADGROUP ----

    public static void XRead(ClientSession c) => ReadGeneric(c, group: false);
    public static void XReadGroup(ClientSession c) => ReadGeneric(c, group: true);

    private static void ReadGeneric(ClientSession c, bool group)
    {
        var req = c.Request;
        long timeoutMs = -1, count = 0;
        int streamsArg = 0, streams = 0, groupArg = -1;
        bool noAck = false;
        for (int i = 1; i < req.Count; i++)
        {
            int more = req.Count - i - 1;
            if (c.ArgIs(i, "BLOCK"u8) && more > 0)
            {
                i++;
                if (!RespNumber.TryParseInt64(req.Arg(i), out timeoutMs))
                {
                    c.Reply.Error("ERR timeout is not an integer or out of range");
                    return;
                }
                if (timeoutMs < 0)
                {
                    c.Reply.Error("ERR timeout is negative");
                    return;
                }
            }
            else if (c.ArgIs(i, "COUNT"u8) && more > 0)
            {
                i++;
                if (!c.TryLong(i, out count)) return;
                if (count < 0) count = 0;
            }
            else if (c.ArgIs(i, "STREAMS"u8) && more > 0)
            {
                streamsArg = i + 1;
                streams = req.Count - streamsArg;
                if (streams % 2 != 0)
                {
                    c.Reply.Error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
                    return;
                }
                streams /= 2;
                break;
            }
            else if (c.ArgIs(i, "GROUP"u8) && more >= 2)
            {
                if (!group)
                {
                    c.Reply.Error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
                    return;
                }
                groupArg = i + 1;
                i += 2;
            }
            else if (c.ArgIs(i, "NOACK"u8))
            {
                if (!group)
                {
                    c.Reply.Error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
                    return;
                }
                noAck = true;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        if (streamsArg == 0)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        if (group && groupArg < 0)
        {
            c.Reply.Error("ERR Missing GROUP option for XREADGROUP");
            return;
        }

        var ids = new StreamId[streams];
        var newOnly = new bool[streams]; // ">"
        var groups = new ConsumerGroup?[streams];
        var dollar = new bool[streams];
        for (int k = 0; k < streams; k++)
        {
            int idArg = streamsArg + streams + k;
            var key = req.Arg(streamsArg + k);
            if (!TryGetStream(c, key, out var s)) return;
            if (group)
            {
                if (s == null || !s.Groups.TryGetValue(req.Arg(groupArg).ToArray(), out groups[k]))
                {
                    c.Reply.Error($"NOGROUP No such key '{Name(c, streamsArg + k)}' or consumer group '{Name(c, groupArg)}' in XREADGROUP with GROUP option");
                    return;
                }
            }
            var idText = req.Arg(idArg);
            if (idText.Length == 1 && idText[0] == (byte)'$')
            {
                if (group)
                {
                    c.Reply.Error("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.");
                    return;
                }
                ids[k] = s?.LastId ?? StreamId.Min;
                dollar[k] = true;
                continue;
            }
            if (idText.Length == 1 && idText[0] == (byte)'>')
            {
                if (!group)
                {
                    c.Reply.Error("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
                    return;
                }
                newOnly[k] = true;
                continue;
            }
            if (!TryId(c, idArg, 0, strict: true, out ids[k])) return;
        }

        // Serve what can be served now.
        int served = 0;
        var consumerName = group ? req.Arg(groupArg + 1).ToArray() : null;
        var log = group ? c.LogAbsolute(replace: true) : null;
        var output = new List<(int Stream, List<(StreamId Id, StreamEntry? Entry)> Entries)>();
        for (int k = 0; k < streams; k++)
        {
            var key = req.Arg(streamsArg + k);
            var s = (StreamObject?)c.Db.Lookup(key, c.NowMs, touch: false);
            if (s == null) continue;
            bool serve = false, history = false;
            var after = ids[k];
            if (group)
            {
                if (!newOnly[k])
                {
                    serve = true;
                    history = true;
                }
                else if (s.Length > 0 && s.Last!.Id > groups[k]!.LastDelivered)
                {
                    serve = true;
                    after = groups[k]!.LastDelivered;
                }
            }
            else if (s.Length > 0 && s.Last!.Id > after) serve = true;
            if (!serve) continue;
            served++;
            var entries = new List<(StreamId, StreamEntry?)>();
            if (!group)
            {
                if (after.TryIncrement(out var from))
                    foreach (var e in Range(s, from, StreamId.Max, count, reverse: false)) entries.Add((e.Id, e));
            }
            else
            {
                var g = groups[k]!;
                var consumer = Consumer(c, g, consumerName!, log!, key);
                if (history) DeliverHistory(c, s, g, consumer, after, count, entries, log!, key);
                else DeliverNew(c, s, g, consumer, after, count, noAck, entries, log!, key);
                c.Server.Events.Dirty++;
            }
            output.Add((k, entries));
        }
        if (served > 0)
        {
            if (c.Reply.IsResp3) c.Reply.MapHeader(served);
            else c.Reply.ArrayHeader(served); // of [key, entries] pairs
            foreach (var (k, entries) in output)
            {
                if (!c.Reply.IsResp3) c.Reply.ArrayHeader(2);
                c.Reply.Bulk(req.Arg(streamsArg + k));
                c.Reply.ArrayHeader(entries.Count);
                foreach (var (id, entry) in entries)
                {
                    if (entry != null) ReplyEntry(c, entry);
                    else
                    {
                        c.Reply.ArrayHeader(2);
                        ReplyId(c, id);
                        c.Reply.NullArray();
                    }
                }
            }
            return;
        }
        if (timeoutMs >= 0 && c.CanBlock)
        {
            // "$" means "after what is there now": the command re-run when woken must not re-resolve it.
            byte[]? frame = null;
            if (Array.IndexOf(dollar, true) >= 0)
            {
                var composed = new ComposedCommand();
                composed.Begin(req.Count);
                for (int i = 0; i < req.Count; i++)
                {
                    int k = i - streamsArg - streams;
                    composed.Append(k >= 0 && dollar[k] ? IdBytes(ids[k]) : req.Arg(i));
                }
                composed.End();
                frame = composed[0].ToArray();
            }
            c.Block(streamsArg, streamsArg + streams - 1, RedisType.Stream, timeoutMs, nullIsArray: true, frame);
            return;
        }
        c.Reply.NullArray();
    }

    /// <summary>The group's consumer of that name, created (and the creation logged) if new; its seen time refreshed.</summary>
    private static StreamConsumer Consumer(ClientSession c, ConsumerGroup g, byte[] name, ComposedCommand log, ReadOnlySpan<byte> key)
    {
        if (g.Consumers.TryGetValue(name, out var consumer))
        {
            consumer.SeenTime = c.NowMs;
            return consumer;
        }
        consumer = new StreamConsumer(name, c.NowMs);
        g.Consumers[name] = consumer;
        log.Add("XGROUP"u8, "CREATECONSUMER"u8, key, g.Name, name);
        return consumer;
    }

    /// <summary>XREADGROUP with "&gt;": the entries after the group's last delivered ID, into the consumer's PEL unless NOACK.</summary>
    private static void DeliverNew(ClientSession c, StreamObject s, ConsumerGroup g, StreamConsumer consumer, StreamId after, long count,
        bool noAck, List<(StreamId, StreamEntry?)> entries, ComposedCommand log, ReadOnlySpan<byte> key)
    {
        if (!after.TryIncrement(out var from)) return;
        consumer.ActiveTime = c.NowMs;
        foreach (var e in Range(s, from, StreamId.Max, count, reverse: false))
        {
            entries.Add((e.Id, e));
            if (e.Id > g.LastDelivered)
            {
                if (g.EntriesRead != -1 && !HasTombstonesFrom(s, e.Id)) g.EntriesRead++;
                else if (s.EntriesAdded != 0) g.EntriesRead = EstimateDistance(s, e.Id);
                g.LastDelivered = e.Id;
            }
            if (noAck) continue;
            if (g.Pending.TryGetValue(e.Id, out var nack))
            {
                nack.Consumer.Pending.Remove(e.Id);
                nack.Consumer = consumer;
                nack.DeliveryTime = c.NowMs;
                nack.DeliveryCount = 1;
            }
            else
            {
                nack = new PendingEntry(e.Id, consumer, c.NowMs, 1);
                g.Pending[e.Id] = nack;
            }
            consumer.Pending[e.Id] = nack;
            LogClaim(log, key, g, nack, lastId: true);
        }
        LogGroupId(log, key, g);
    }

    /// <summary>XREADGROUP with an ID: the consumer's own pending entries after it, each delivered once more.</summary>
    private static void DeliverHistory(ClientSession c, StreamObject s, ConsumerGroup g, StreamConsumer consumer, StreamId after, long count,
        List<(StreamId, StreamEntry?)> entries, ComposedCommand log, ReadOnlySpan<byte> key)
    {
        foreach (var (id, nack) in consumer.Pending)
        {
            if (id <= after) continue; // history too starts after the ID given
            if (count != 0 && entries.Count >= count) break;
            entries.Add((id, s.Find(id)));
            nack.DeliveryTime = c.NowMs;
            nack.DeliveryCount++;
            LogClaim(log, key, g, nack, lastId: true);
        }
    }

    private static void LogClaim(ComposedCommand log, ReadOnlySpan<byte> key, ConsumerGroup g, PendingEntry nack, bool lastId) =>
        CollectionRecords.Claim(log, key, g, nack, lastId);

    /// <summary>XGROUP SETID key group last-id ENTRIESREAD n: the group's position and read counter, exactly.</summary>
    private static void LogGroupId(ComposedCommand log, ReadOnlySpan<byte> key, ConsumerGroup g) =>
        CollectionRecords.GroupPosition(log, "SETID"u8, key, g);

    // ---- Consumer-group lag (Redis 7) ----

    private static bool HasTombstonesFrom(StreamObject s, StreamId start)
    {
        if (s.Length == 0 || s.MaxDeletedId.IsZero) return false;
        if (s.FirstId > s.MaxDeletedId) return false;
        return start <= s.MaxDeletedId;
    }

    /// <summary>streamEstimateDistanceFromFirstEverEntry: an ID's read counter, or -1 when unknowable.</summary>
    private static long EstimateDistance(StreamObject s, StreamId id)
    {
        if (s.EntriesAdded == 0) return 0;
        if (s.Length == 0 && id <= s.LastId) return s.EntriesAdded;
        int cmpLast = id.CompareTo(s.LastId);
        if (cmpLast == 0) return s.EntriesAdded;
        if (cmpLast > 0) return -1;
        int cmpFirst = id.CompareTo(s.FirstId);
        if (s.MaxDeletedId.IsZero || s.MaxDeletedId < s.FirstId)
        {
            if (cmpFirst < 0) return s.EntriesAdded - s.Length;
            if (cmpFirst == 0) return s.EntriesAdded - s.Length + 1;
        }
        return -1;
    }

    private static void ReplyLag(ClientSession c, StreamObject s, ConsumerGroup g)
    {
        if (s.EntriesAdded == 0) c.Reply.Integer(0);
        else if (g.EntriesRead != -1 && !HasTombstonesFrom(s, g.LastDelivered)) c.Reply.Integer(s.EntriesAdded - g.EntriesRead);
        else
        {
            long read = EstimateDistance(s, g.LastDelivered);
            if (read != -1) c.Reply.Integer(s.EntriesAdded - read);
            else c.Reply.Null();
        }
    }

    // ---- XGROUP ----

    /// <summary>The stream and group for XGROUP's subcommands; false after an error reply.</summary>
    private static bool TryGroupTarget(ClientSession c, bool groupMustExist, out StreamObject? s, out ConsumerGroup? g)
    {
        g = null;
        if (!TryGetStream(c, c.Request.Arg(2), out s)) return false;
        if (s == null && !(c.Command?.Name == "create" && HasMkStream(c)))
        {
            c.Reply.Error("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.");
            return false;
        }
        if (s != null) s.Groups.TryGetValue(c.Request.Arg(3).ToArray(), out g);
        if (groupMustExist && g == null)
        {
            c.Reply.Error($"NOGROUP No such consumer group '{Name(c, 3)}' for key name '{Name(c, 2)}'");
            return false;
        }
        return true;
    }

    private static bool HasMkStream(ClientSession c)
    {
        for (int i = 5; i < c.Request.Count; i++)
            if (c.ArgIs(i, "MKSTREAM"u8)) return true;
        return false;
    }

    public static void XGroupCreate(ClientSession c)
    {
        var req = c.Request;
        bool mkStream = false;
        long entriesRead = -1;
        for (int i = 5; i < req.Count; i++)
        {
            if (c.ArgIs(i, "MKSTREAM"u8)) mkStream = true;
            else if (c.ArgIs(i, "ENTRIESREAD"u8) && i + 1 < req.Count)
            {
                if (!c.TryLong(i + 1, out entriesRead)) return;
                if (entriesRead < 0 && entriesRead != -1)
                {
                    c.Reply.Error("ERR value for ENTRIESREAD must be positive or -1");
                    return;
                }
                i++;
            }
            else
            {
                SubcommandSyntaxError(c);
                return;
            }
        }
        if (!TryGroupTarget(c, groupMustExist: false, out var s, out _)) return;
        StreamId id;
        var idText = req.Arg(4);
        if (idText.Length == 1 && idText[0] == (byte)'$') id = s?.LastId ?? StreamId.Min;
        else if (!TryId(c, 4, 0, strict: true, out id)) return;
        if (s == null)
        {
            s = new StreamObject(req.Arg(2).ToArray());
            c.Db.Add(s, c.NowMs);
        }
        var name = req.Arg(3).ToArray();
        if (s.Groups.ContainsKey(name))
        {
            c.Reply.Error("BUSYGROUP Consumer Group name already exists");
            return;
        }
        s.Groups[name] = new ConsumerGroup(name, id, entriesRead);
        c.Server.Events.Dirty++;
        c.Reply.Ok();
    }

    public static void XGroupSetId(ClientSession c)
    {
        var req = c.Request;
        if (req.Count != 5 && req.Count != 7)
        {
            SubcommandSyntaxError(c);
            return;
        }
        if (!TryGroupTarget(c, groupMustExist: true, out var s, out var g)) return;
        StreamId id;
        var idText = req.Arg(4);
        if (idText.Length == 1 && idText[0] == (byte)'$') id = s!.LastId;
        else if (!TryId(c, 4, 0, strict: false, out id)) return;
        long entriesRead = -1;
        if (req.Count == 7)
        {
            if (!c.ArgIs(5, "ENTRIESREAD"u8))
            {
                SubcommandSyntaxError(c);
                return;
            }
            if (!c.TryLong(6, out entriesRead)) return;
            if (entriesRead < 0 && entriesRead != -1)
            {
                c.Reply.Error("ERR value for ENTRIESREAD must be positive or -1");
                return;
            }
        }
        g!.LastDelivered = id;
        g.EntriesRead = entriesRead;
        c.Server.Events.Dirty++;
        c.Reply.Ok();
    }

    public static void XGroupDestroy(ClientSession c)
    {
        if (!TryGroupTarget(c, groupMustExist: false, out var s, out var g)) return;
        if (g == null)
        {
            c.Reply.Integer(0);
            return;
        }
        s!.Groups.Remove(g.Name);
        c.Server.Events.Dirty++;
        c.Reply.Integer(1);
        c.Server.Blocking.KeyAdded(c.Db, s); // XREADGROUP waiting on it gets NOGROUP
    }

    public static void XGroupCreateConsumer(ClientSession c)
    {
        if (!TryGroupTarget(c, groupMustExist: true, out _, out var g)) return;
        var name = c.Request.Arg(4).ToArray();
        if (g!.Consumers.ContainsKey(name))
        {
            c.Reply.Integer(0);
            return;
        }
        g.Consumers[name] = new StreamConsumer(name, c.NowMs);
        c.Server.Events.Dirty++;
        c.Reply.Integer(1);
    }

    public static void XGroupDelConsumer(ClientSession c)
    {
        if (!TryGroupTarget(c, groupMustExist: true, out _, out var g)) return;
        var name = c.Request.Arg(4).ToArray();
        if (!g!.Consumers.TryGetValue(name, out var consumer))
        {
            c.Reply.Integer(0);
            return;
        }
        foreach (var id in consumer.Pending.Keys) g.Pending.Remove(id);
        g.Consumers.Remove(name);
        c.Server.Events.Dirty++;
        c.Reply.Integer(consumer.Pending.Count);
    }

    private static void SubcommandSyntaxError(ClientSession c) =>
        c.Reply.Error($"ERR unknown subcommand or wrong number of arguments for '{Name(c, 1)}'. Try {Name(c, 0).ToUpperInvariant()} HELP.");

    public static void XGroupHelp(ClientSession c) => CommandHelp.Reply(c, "XGROUP",
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.");

    // ---- XACK / XPENDING / XCLAIM / XAUTOCLAIM ----

    public static void XAck(ClientSession c)
    {
        var req = c.Request;
        if (!TryGetStream(c, req.Arg(1), out var s)) return;
        ConsumerGroup? g = null;
        if (s == null || !s.Groups.TryGetValue(req.Arg(2).ToArray(), out g))
        {
            c.Reply.Integer(0);
            return;
        }
        var ids = new StreamId[req.Count - 3];
        for (int i = 0; i < ids.Length; i++)
            if (!TryId(c, i + 3, 0, strict: true, out ids[i])) return;
        long acked = 0;
        foreach (var id in ids)
        {
            if (!g.Pending.Remove(id, out var nack)) continue;
            nack.Consumer.Pending.Remove(id);
            acked++;
        }
        if (acked > 0) c.Server.Events.Dirty++;
        c.Reply.Integer(acked);
    }

    /// <summary>The stream (argument 1) and its group (argument 2); false after replying NOGROUP, as XPENDING, XCLAIM and XAUTOCLAIM do.</summary>
    private static bool TryKeyAndGroup(ClientSession c, out StreamObject s, out ConsumerGroup g)
    {
        s = null!;
        g = null!;
        if (!TryGetStream(c, c.Request.Arg(1), out var stream)) return false;
        if (stream != null && stream.Groups.TryGetValue(c.Request.Arg(2).ToArray(), out var group))
        {
            (s, g) = (stream, group);
            return true;
        }
        c.Reply.Error($"NOGROUP No such key '{Name(c, 1)}' or consumer group '{Name(c, 2)}'");
        return false;
    }

    /// <summary>XPENDING key group [[IDLE min-idle-time] start end count [consumer]]</summary>
    public static void XPending(ClientSession c)
    {
        var req = c.Request;
        bool summary = req.Count == 3;
        if (req.Count != 3 && (req.Count < 6 || req.Count > 9))
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        long count = 0, minIdle = 0;
        StreamId start = default, end = default;
        int consumerArg = -1;
        if (req.Count >= 6)
        {
            int startIdx = 3;
            if (c.ArgIs(3, "IDLE"u8))
            {
                if (!c.TryLong(4, out minIdle)) return;
                if (req.Count < 8)
                {
                    c.Reply.Error(Errors.Syntax);
                    return;
                }
                startIdx += 2;
            }
            if (!c.TryLong(startIdx + 2, out count)) return;
            if (count < 0) count = 0;
            if (!TryIntervalId(c, startIdx, 0, out start, out bool startEx)) return;
            if (startEx && !start.TryIncrement(out start))
            {
                c.Reply.Error("ERR invalid start ID for the interval");
                return;
            }
            if (!TryIntervalId(c, startIdx + 1, ulong.MaxValue, out end, out bool endEx)) return;
            if (endEx && !end.TryDecrement(out end))
            {
                c.Reply.Error("ERR invalid end ID for the interval");
                return;
            }
            if (startIdx + 3 < req.Count) consumerArg = startIdx + 3;
        }
        if (!TryKeyAndGroup(c, out var s, out var g)) return;
        if (summary)
        {
            c.Reply.ArrayHeader(4);
            c.Reply.Integer(g.Pending.Count);
            if (g.Pending.Count == 0)
            {
                c.Reply.Null();
                c.Reply.Null();
                c.Reply.NullArray();
                return;
            }
            ReplyId(c, g.Pending.Keys.First());
            ReplyId(c, g.Pending.Keys.Last());
            var withPending = g.Consumers.Values.Where(x => x.Pending.Count > 0).ToList();
            c.Reply.ArrayHeader(withPending.Count);
            foreach (var consumer in withPending)
            {
                c.Reply.ArrayHeader(2);
                c.Reply.Bulk(consumer.Name);
                c.Reply.BulkInteger(consumer.Pending.Count);
            }
            return;
        }
        SortedDictionary<StreamId, PendingEntry> pel = g.Pending;
        if (consumerArg >= 0)
        {
            if (!g.Consumers.TryGetValue(req.Arg(consumerArg).ToArray(), out var consumer))
            {
                c.Reply.ArrayHeader(0);
                return;
            }
            pel = consumer.Pending;
        }
        var rows = new List<PendingEntry>();
        foreach (var (id, nack) in pel)
        {
            if (count == 0 || id > end) break;
            if (id < start) continue;
            if (minIdle > 0 && c.NowMs - nack.DeliveryTime < minIdle) continue;
            rows.Add(nack);
            count--;
        }
        c.Reply.ArrayHeader(rows.Count);
        foreach (var nack in rows)
        {
            c.Reply.ArrayHeader(4);
            ReplyId(c, nack.Id);
            c.Reply.Bulk(nack.Consumer.Name);
            c.Reply.Integer(Math.Max(0, c.NowMs - nack.DeliveryTime));
            c.Reply.Integer(nack.DeliveryCount);
        }
    }

    /// <summary>XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id]</summary>
    public static void XClaim(ClientSession c)
    {
        var req = c.Request;
        if (!TryKeyAndGroup(c, out var s, out var g)) return;
        if (!RespNumber.TryParseInt64(req.Arg(4), out long minIdle))
        {
            c.Reply.Error("ERR Invalid min-idle-time argument for XCLAIM");
            return;
        }
        if (minIdle < 0) minIdle = 0;
        int j = 5;
        var ids = new List<StreamId>();
        for (; j < req.Count; j++)
        {
            if (!TryParseId(req.Arg(j), 0, strict: true, out var id, out _)) break;
            ids.Add(id);
        }
        long now = c.NowMs, retryCount = -1, deliveryTime = -1;
        bool force = false, justId = false;
        var lastId = StreamId.Min;
        for (; j < req.Count; j++)
        {
            bool more = j + 1 < req.Count;
            if (c.ArgIs(j, "FORCE"u8)) force = true;
            else if (c.ArgIs(j, "JUSTID"u8)) justId = true;
            else if (c.ArgIs(j, "IDLE"u8) && more)
            {
                if (!RespNumber.TryParseInt64(req.Arg(++j), out deliveryTime))
                {
                    c.Reply.Error("ERR Invalid IDLE option argument for XCLAIM");
                    return;
                }
                deliveryTime = now - deliveryTime;
            }
            else if (c.ArgIs(j, "TIME"u8) && more)
            {
                if (!RespNumber.TryParseInt64(req.Arg(++j), out deliveryTime))
                {
                    c.Reply.Error("ERR Invalid TIME option argument for XCLAIM");
                    return;
                }
            }
            else if (c.ArgIs(j, "RETRYCOUNT"u8) && more)
            {
                if (!RespNumber.TryParseInt64(req.Arg(++j), out retryCount))
                {
                    c.Reply.Error("ERR Invalid RETRYCOUNT option argument for XCLAIM");
                    return;
                }
            }
            else if (c.ArgIs(j, "LASTID"u8) && more)
            {
                if (!TryId(c, ++j, 0, strict: true, out lastId)) return;
            }
            else
            {
                c.Reply.Error($"ERR Unrecognized XCLAIM option '{Name(c, j)}'");
                return;
            }
        }
        var log = c.LogAbsolute(replace: true);
        bool groupMoved = false;
        if (lastId > g.LastDelivered)
        {
            g.LastDelivered = lastId;
            groupMoved = true;
            c.Server.Events.Dirty++;
        }
        if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
        var key = req.Arg(1);
        var name = req.Arg(3).ToArray();
        StreamConsumer? consumer = null;
        var claimed = new List<(StreamId Id, StreamEntry Entry)>();
        foreach (var id in ids)
        {
            g.Pending.TryGetValue(id, out var nack);
            var entry = s.Find(id);
            if (entry == null)
            {
                if (nack != null)
                {
                    LogClaim(log, key, g, nack, lastId: false);
                    g.Pending.Remove(id);
                    nack.Consumer.Pending.Remove(id);
                    c.Server.Events.Dirty++;
                }
                continue;
            }
            bool created = false;
            if (force && nack == null)
            {
                nack = new PendingEntry(id, null!, now, 1);
                g.Pending[id] = nack;
                created = true;
            }
            if (nack == null) continue;
            if (!created && minIdle > 0 && now - nack.DeliveryTime < minIdle) continue;
            consumer ??= Consumer(c, g, name, log, key);
            if (nack.Consumer != consumer)
            {
                nack.Consumer?.Pending.Remove(id);
                nack.Consumer = consumer;
                consumer.Pending[id] = nack;
            }
            nack.DeliveryTime = deliveryTime;
            if (retryCount >= 0) nack.DeliveryCount = retryCount;
            else if (!justId) nack.DeliveryCount++;
            consumer.ActiveTime = now;
            claimed.Add((id, entry));
            LogClaim(log, key, g, nack, lastId: false);
            c.Server.Events.Dirty++;
        }
        if (groupMoved) LogGroupId(log, key, g);
        c.Reply.ArrayHeader(claimed.Count);
        foreach (var (id, entry) in claimed)
        {
            if (justId) ReplyId(c, id);
            else ReplyEntry(c, entry);
        }
    }

    /// <summary>XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]</summary>
    public static void XAutoClaim(ClientSession c)
    {
        var req = c.Request;
        if (!RespNumber.TryParseInt64(req.Arg(4), out long minIdle))
        {
            c.Reply.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM");
            return;
        }
        if (minIdle < 0) minIdle = 0;
        if (!TryIntervalId(c, 5, 0, out var start, out bool startEx)) return;
        if (startEx && !start.TryIncrement(out start))
        {
            c.Reply.Error("ERR invalid start ID for the interval");
            return;
        }
        long count = 100;
        bool justId = false;
        for (int j = 6; j < req.Count; j++)
        {
            if (c.ArgIs(j, "COUNT"u8) && j + 1 < req.Count)
            {
                if (!RespNumber.TryParseInt64(req.Arg(j + 1), out count) || count < 1 || count > long.MaxValue / 16)
                {
                    c.Reply.Error("ERR COUNT must be > 0");
                    return;
                }
                j++;
            }
            else if (c.ArgIs(j, "JUSTID"u8)) justId = true;
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        if (!TryKeyAndGroup(c, out var s, out var g)) return;
        long attempts = count * 10, now = c.NowMs;
        var key = req.Arg(1);
        var name = req.Arg(3).ToArray();
        var log = c.LogAbsolute(replace: true);
        StreamConsumer? consumer = null;
        var claimed = new List<(StreamId Id, StreamEntry Entry)>();
        var deleted = new List<StreamId>();
        var candidates = g.Pending.Where(p => p.Key >= start).Select(p => p.Value).ToList();
        int next = 0;
        for (; next < candidates.Count && attempts > 0 && count > 0; next++)
        {
            attempts--;
            var nack = candidates[next];
            var entry = s.Find(nack.Id);
            if (entry == null)
            {
                LogClaim(log, key, g, nack, lastId: false);
                g.Pending.Remove(nack.Id);
                nack.Consumer.Pending.Remove(nack.Id);
                deleted.Add(nack.Id);
                count--;
                c.Server.Events.Dirty++;
                continue;
            }
            if (minIdle > 0 && now - nack.DeliveryTime < minIdle) continue;
            consumer ??= Consumer(c, g, name, log, key);
            if (nack.Consumer != consumer)
            {
                nack.Consumer.Pending.Remove(nack.Id);
                nack.Consumer = consumer;
                consumer.Pending[nack.Id] = nack;
            }
            nack.DeliveryTime = now;
            if (!justId) nack.DeliveryCount++;
            consumer.ActiveTime = now;
            claimed.Add((nack.Id, entry));
            count--;
            LogClaim(log, key, g, nack, lastId: false);
            c.Server.Events.Dirty++;
        }
        c.Reply.ArrayHeader(3);
        ReplyId(c, next < candidates.Count ? candidates[next].Id : StreamId.Min);
        c.Reply.ArrayHeader(claimed.Count);
        foreach (var (id, entry) in claimed)
        {
            if (justId) ReplyId(c, id);
            else ReplyEntry(c, entry);
        }
        c.Reply.ArrayHeader(deleted.Count);
        foreach (var id in deleted) ReplyId(c, id);
    }

    // ---- XINFO ----

    public static void XInfoStream(ClientSession c)
    {
        var req = c.Request;
        bool full = false;
        long count = 10;
        if (req.Count > 3)
        {
            if (!c.ArgIs(3, "FULL"u8) || (req.Count != 4 && req.Count != 6) || (req.Count == 6 && !c.ArgIs(4, "COUNT"u8)))
            {
                c.Reply.Error($"ERR unknown subcommand or wrong number of arguments for '{Name(c, 1)}'. Try XINFO HELP.");
                return;
            }
            full = true;
            if (req.Count == 6)
            {
                if (!c.TryLong(5, out count)) return;
                if (count < 0) count = 10;
            }
        }
        if (!TryExistingStream(c, 2, out var s)) return;
        c.Reply.MapHeader(full ? 9 : 10);
        c.Reply.Bulk("length"u8);
        c.Reply.Integer(s.Length);
        c.Reply.Bulk("radix-tree-keys"u8);
        c.Reply.Integer(s.NodeKeys);
        c.Reply.Bulk("radix-tree-nodes"u8);
        c.Reply.Integer(s.RadixTreeNodes());
        c.Reply.Bulk("last-generated-id"u8);
        ReplyId(c, s.LastId);
        c.Reply.Bulk("max-deleted-entry-id"u8);
        ReplyId(c, s.MaxDeletedId);
        c.Reply.Bulk("entries-added"u8);
        c.Reply.Integer(s.EntriesAdded);
        c.Reply.Bulk("recorded-first-entry-id"u8);
        ReplyId(c, s.FirstId);
        if (!full)
        {
            c.Reply.Bulk("groups"u8);
            c.Reply.Integer(s.Groups.Count);
            c.Reply.Bulk("first-entry"u8);
            if (s.First is { } first) ReplyEntry(c, first);
            else c.Reply.Null();
            c.Reply.Bulk("last-entry"u8);
            if (s.Last is { } last) ReplyEntry(c, last);
            else c.Reply.Null();
            return;
        }
        c.Reply.Bulk("entries"u8);
        var entries = Range(s, StreamId.Min, StreamId.Max, count, reverse: false);
        c.Reply.ArrayHeader(entries.Count);
        foreach (var e in entries) ReplyEntry(c, e);
        c.Reply.Bulk("groups"u8);
        c.Reply.ArrayHeader(s.Groups.Count);
        foreach (var g in s.Groups.Values)
        {
            c.Reply.MapHeader(7);
            c.Reply.Bulk("name"u8);
            c.Reply.Bulk(g.Name);
            c.Reply.Bulk("last-delivered-id"u8);
            ReplyId(c, g.LastDelivered);
            c.Reply.Bulk("entries-read"u8);
            if (g.EntriesRead != -1) c.Reply.Integer(g.EntriesRead);
            else c.Reply.Null();
            c.Reply.Bulk("lag"u8);
            ReplyLag(c, s, g);
            c.Reply.Bulk("pel-count"u8);
            c.Reply.Integer(g.Pending.Count);
            c.Reply.Bulk("pending"u8);
            var pending = g.Pending.Values.Take(count == 0 ? int.MaxValue : (int)Math.Min(count, int.MaxValue)).ToList();
            c.Reply.ArrayHeader(pending.Count);
            foreach (var p in pending)
            {
                c.Reply.ArrayHeader(4);
                ReplyId(c, p.Id);
                c.Reply.Bulk(p.Consumer.Name);
                c.Reply.Integer(p.DeliveryTime);
                c.Reply.Integer(p.DeliveryCount);
            }
            c.Reply.Bulk("consumers"u8);
            c.Reply.ArrayHeader(g.Consumers.Count);
            foreach (var consumer in g.Consumers.Values)
            {
                c.Reply.MapHeader(5);
                c.Reply.Bulk("name"u8);
                c.Reply.Bulk(consumer.Name);
                c.Reply.Bulk("seen-time"u8);
                c.Reply.Integer(consumer.SeenTime);
                c.Reply.Bulk("active-time"u8);
                c.Reply.Integer(consumer.ActiveTime);
                c.Reply.Bulk("pel-count"u8);
                c.Reply.Integer(consumer.Pending.Count);
                c.Reply.Bulk("pending"u8);
                var mine = consumer.Pending.Values.Take(count == 0 ? int.MaxValue : (int)Math.Min(count, int.MaxValue)).ToList();
                c.Reply.ArrayHeader(mine.Count);
                foreach (var p in mine)
                {
                    c.Reply.ArrayHeader(3);
                    ReplyId(c, p.Id);
                    c.Reply.Integer(p.DeliveryTime);
                    c.Reply.Integer(p.DeliveryCount);
                }
            }
        }
    }

    public static void XInfoGroups(ClientSession c)
    {
        if (!TryExistingStream(c, 2, out var s)) return;
        c.Reply.ArrayHeader(s.Groups.Count);
        foreach (var g in s.Groups.Values)
        {
            c.Reply.MapHeader(6);
            c.Reply.Bulk("name"u8);
            c.Reply.Bulk(g.Name);
            c.Reply.Bulk("consumers"u8);
            c.Reply.Integer(g.Consumers.Count);
            c.Reply.Bulk("pending"u8);
            c.Reply.Integer(g.Pending.Count);
            c.Reply.Bulk("last-delivered-id"u8);
            ReplyId(c, g.LastDelivered);
            c.Reply.Bulk("entries-read"u8);
            if (g.EntriesRead != -1) c.Reply.Integer(g.EntriesRead);
            else c.Reply.Null();
            c.Reply.Bulk("lag"u8);
            ReplyLag(c, s, g);
        }
    }

    public static void XInfoConsumers(ClientSession c)
    {
        var req = c.Request;
        if (!TryExistingStream(c, 2, out var s)) return;
        if (!s.Groups.TryGetValue(req.Arg(3).ToArray(), out var g))
        {
            c.Reply.Error($"NOGROUP No such consumer group '{Name(c, 3)}' for key name '{Name(c, 2)}'");
            return;
        }
        c.Reply.ArrayHeader(g.Consumers.Count);
        foreach (var consumer in g.Consumers.Values)
        {
            c.Reply.MapHeader(4);
            c.Reply.Bulk("name"u8);
            c.Reply.Bulk(consumer.Name);
            c.Reply.Bulk("pending"u8);
            c.Reply.Integer(consumer.Pending.Count);
            c.Reply.Bulk("idle"u8);
            c.Reply.Integer(Math.Max(0, c.NowMs - consumer.SeenTime));
            c.Reply.Bulk("inactive"u8);
            c.Reply.Integer(consumer.ActiveTime == -1 ? -1 : Math.Max(0, c.NowMs - consumer.ActiveTime));
        }
    }

    public static void XInfoHelp(ClientSession c) => CommandHelp.Reply(c, "XINFO",
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.");
}
