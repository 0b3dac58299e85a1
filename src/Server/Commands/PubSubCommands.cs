using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>
/// SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH, SPUBLISH, PUBSUB
/// (Redis's pubsub.c). Nothing here is logged: messages are not data.
/// </summary>
internal static class PubSubCommands
{
    public static void Subscribe(ClientSession c) => Subscribe(c, Subscription.Channel);
    public static void PSubscribe(ClientSession c) => Subscribe(c, Subscription.Pattern);

    /// <summary>SSUBSCRIBE: refused inside EXEC (Redis 7.0's DENY BLOCKING client), where SUBSCRIBE is let through for compatibility.</summary>
    public static void SSubscribe(ClientSession c)
    {
        if (c.InExec)
        {
            c.Reply.Error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
            return;
        }
        Subscribe(c, Subscription.Shard);
    }

    private static void Subscribe(ClientSession c, Subscription kind)
    {
        for (int i = 1; i < c.Request.Count; i++) c.Subscribe(kind, c.Request.Arg(i));
    }

    public static void Unsubscribe(ClientSession c) => Unsubscribe(c, Subscription.Channel);
    public static void PUnsubscribe(ClientSession c) => Unsubscribe(c, Subscription.Pattern);
    public static void SUnsubscribe(ClientSession c) => Unsubscribe(c, Subscription.Shard);

    private static void Unsubscribe(ClientSession c, Subscription kind)
    {
        if (c.Request.Count == 1) c.UnsubscribeAll(kind, notify: true);
        else
            for (int i = 1; i < c.Request.Count; i++) c.Unsubscribe(kind, c.Request.Arg(i));
    }

    public static void Publish(ClientSession c) =>
        c.Reply.Integer(c.Server.PubSub.Publish(c, c.Request.Arg(1), c.Request.Arg(2)));

    public static void SPublish(ClientSession c) =>
        c.Reply.Integer(c.Server.PubSub.PublishToShard(c, c.Request.Arg(1), c.Request.Arg(2)));

    public static void Channels(ClientSession c) => Channels(c, Subscription.Channel);
    public static void ShardChannels(ClientSession c) => Channels(c, Subscription.Shard);

    private static void Channels(ClientSession c, Subscription kind)
    {
        if (c.Request.Count > 3)
        {
            c.Reply.Error($"ERR unknown subcommand or wrong number of arguments for '{c.ArgString(1)}'. Try PUBSUB HELP.");
            return;
        }
        var names = c.Server.PubSub.Channels(kind, c.Request.Count == 3 ? c.Request.Arg(2) : default).ToList();
        c.Reply.BulkArray(names);
    }

    public static void NumSub(ClientSession c) => NumSub(c, Subscription.Channel);
    public static void ShardNumSub(ClientSession c) => NumSub(c, Subscription.Shard);

    private static void NumSub(ClientSession c, Subscription kind)
    {
        c.Reply.ArrayHeader((c.Request.Count - 2) * 2);
        for (int i = 2; i < c.Request.Count; i++)
        {
            c.Reply.Bulk(c.Request.Arg(i));
            c.Reply.Integer(c.Server.PubSub.NumSub(kind, c.Request.Arg(i)));
        }
    }

    public static void NumPat(ClientSession c) => c.Reply.Integer(c.Server.PubSub.PatternCount);

    public static void Help(ClientSession c) => CommandHelp.Reply(c, "PUBSUB",
        "CHANNELS [<pattern>]", "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT", "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]", "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]", "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]", "    Return the number of subscribers for the specified shard level channel(s)");
}
