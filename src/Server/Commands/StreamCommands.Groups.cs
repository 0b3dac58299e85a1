using System.Text;
using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;
using PasteRedis.Server.Persistence;

namespace PasteRedis.Server.Commands;

/// <summary>Streams: consumer groups (XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM).</summary>
internal static partial class StreamCommands
{
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
        long entriesRead = -1;
        for (int i = 5; i < req.Count; i++)
        {
            if (c.ArgIs(i, "MKSTREAM"u8)) continue; // acted on where the key is looked up (TryGroupTarget)
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
            c.Server.Watches.Touch(c.Db, req.Arg(2), c); // the one change of XGROUP that Redis signals: a stream made
        }
        var name = req.Arg(3).ToArray();
        if (s.Groups.ContainsKey(name))
        {
            c.Reply.Error("BUSYGROUP Consumer Group name already exists");
            return;
        }
        s.Groups[name] = new ConsumerGroup(name, id, entriesRead);
        c.Server.Events.Dirty++;
        c.Notify(NotifyClass.Stream, "xgroup-create", req.Arg(2));
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
        c.Notify(NotifyClass.Stream, "xgroup-setid", req.Arg(2));
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
        c.Notify(NotifyClass.Stream, "xgroup-destroy", c.Request.Arg(2));
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
        c.Notify(NotifyClass.Stream, "xgroup-createconsumer", c.Request.Arg(2));
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
        c.Notify(NotifyClass.Stream, "xgroup-delconsumer", c.Request.Arg(2));
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
        if (!c.TryGetRead(req.Arg(1), out StreamObject? s)) return;
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
        if (!c.TryGetRead(c.Request.Arg(1), out StreamObject? stream)) return false;
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
}
