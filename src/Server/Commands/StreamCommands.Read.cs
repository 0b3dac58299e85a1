using System.Text;
using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;
using PasteRedis.Server.Persistence;

namespace PasteRedis.Server.Commands;

/// <summary>Streams: XREAD and XREADGROUP (served now or blocked), deliveries to groups and their log records, Redis 7's read counter and lag.</summary>
internal static partial class StreamCommands
{
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
            if (!c.TryGetRead(key, out StreamObject? s)) return;
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
            if (s == null)
            {
                c.KeyMiss(key); // Redis looks each stream up again to serve it
                continue;
            }
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
        c.Notify(NotifyClass.Stream, "xgroup-createconsumer", key);
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
}
