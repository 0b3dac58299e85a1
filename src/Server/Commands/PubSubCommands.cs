using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB (Redis's pubsub.c). Nothing here is logged: messages are not data.</summary>
internal static class PubSubCommands
{
    public static void Subscribe(ClientSession c) => Subscribe(c, pattern: false);
    public static void PSubscribe(ClientSession c) => Subscribe(c, pattern: true);

    private static void Subscribe(ClientSession c, bool pattern)
    {
        for (int i = 1; i < c.Request.Count; i++) c.Subscribe(pattern, c.Request.Arg(i));
    }

    public static void Unsubscribe(ClientSession c) => Unsubscribe(c, pattern: false);
    public static void PUnsubscribe(ClientSession c) => Unsubscribe(c, pattern: true);

    private static void Unsubscribe(ClientSession c, bool pattern)
    {
        if (c.Request.Count == 1) c.UnsubscribeAll(pattern, notify: true);
        else
            for (int i = 1; i < c.Request.Count; i++) c.Unsubscribe(pattern, c.Request.Arg(i));
    }

    public static void Publish(ClientSession c) =>
        c.Reply.Integer(c.Server.PubSub.Publish(c, c.Request.Arg(1), c.Request.Arg(2)));

    public static void Channels(ClientSession c)
    {
        if (c.Request.Count > 3)
        {
            c.Reply.Error($"ERR wrong number of arguments for 'pubsub|channels' command");
            return;
        }
        var names = c.Server.PubSub.Channels(c.Request.Count == 3 ? c.Request.Arg(2) : default).ToList();
        c.Reply.BulkArray(names);
    }

    public static void NumSub(ClientSession c)
    {
        c.Reply.ArrayHeader((c.Request.Count - 2) * 2);
        for (int i = 2; i < c.Request.Count; i++)
        {
            c.Reply.Bulk(c.Request.Arg(i));
            c.Reply.Integer(c.Server.PubSub.NumSub(c.Request.Arg(i)));
        }
    }

    public static void NumPat(ClientSession c) => c.Reply.Integer(c.Server.PubSub.PatternCount);

    public static void Help(ClientSession c) => CommandHelp.Reply(c, "PUBSUB",
        "CHANNELS [<pattern>]", "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT", "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]", "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).");
}
