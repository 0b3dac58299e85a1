using System.Text;
using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;
using PasteRedis.Server.Persistence;

namespace PasteRedis.Server.Commands;

/// <summary>Streams: XINFO STREAM [FULL], GROUPS, CONSUMERS.</summary>
internal static partial class StreamCommands
{
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
        int listed = count == 0 ? int.MaxValue : (int)Math.Min(count, int.MaxValue); // FULL's COUNT: 0 lists all
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
            ReplyEntriesRead(c, g);
            c.Reply.Bulk("lag"u8);
            ReplyLag(c, s, g);
            c.Reply.Bulk("pel-count"u8);
            c.Reply.Integer(g.Pending.Count);
            c.Reply.Bulk("pending"u8);
            var pending = g.Pending.Values.Take(listed).ToList();
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
                var mine = consumer.Pending.Values.Take(listed).ToList();
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
            ReplyEntriesRead(c, g);
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

    /// <summary>A group's read counter, or null when unknown (-1).</summary>
    private static void ReplyEntriesRead(ClientSession c, ConsumerGroup g)
    {
        if (g.EntriesRead != -1) c.Reply.Integer(g.EntriesRead);
        else c.Reply.Null();
    }
}
