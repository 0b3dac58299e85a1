using PasteRedis.Resp;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Connections;

/// <summary>
/// Channels, patterns and shard channels and who listens to them (Redis's pubsub.c). Shard
/// channels (SSUBSCRIBE, SPUBLISH) are a namespace of their own that patterns do not see,
/// as in Redis 7 outside a cluster. PUBLISH writes each
/// message into the subscriber's pending output, formatted for its protocol (a RESP3 push
/// or a RESP2 array), and wakes its loop; a subscriber that lets more than
/// client-output-buffer-limit's pubsub hard limit pile up is disconnected, as in Redis.
/// Used under the execution lock.
/// </summary>
internal sealed class PubSubHub(RedisServer server)
{
    private readonly Dictionary<byte[], List<ClientSession>> _channels = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], List<ClientSession>> _patterns = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], List<ClientSession>> _shardChannels = new(ByteKeyComparer.Instance);
    private readonly RespWriter _writer = new();

    public int ChannelCount => _channels.Count;
    public int PatternCount => _patterns.Count;
    public int ShardChannelCount => _shardChannels.Count;

    private Dictionary<byte[], List<ClientSession>> MapOf(Subscription kind) =>
        kind switch { Subscription.Pattern => _patterns, Subscription.Shard => _shardChannels, _ => _channels };

    public void Subscribe(Subscription kind, byte[] name, ClientSession c)
    {
        var map = MapOf(kind);
        if (!map.TryGetValue(name, out var list)) map[name] = list = [];
        list.Add(c);
    }

    public void Unsubscribe(Subscription kind, byte[] name, ClientSession c)
    {
        var map = MapOf(kind);
        if (!map.TryGetValue(name, out var list) || !list.Remove(c)) return;
        if (list.Count == 0) map.Remove(name);
    }

    /// <summary>
    /// Delivers a message to the channel's subscribers and matching patterns' subscribers;
    /// returns how many received it. Nothing here changes the lists (a subscriber over its
    /// limit is only marked killed; it leaves them from its own loop), so they are walked as they are.
    /// </summary>
    public int Publish(ClientSession? publisher, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        int receivers = 0;
        if (_channels.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(channel, out var subscribers))
            foreach (var c in subscribers) receivers += Deliver(publisher, c, null, channel, message);
        foreach (var (pattern, list) in _patterns)
            if (GlobMatcher.IsMatch(pattern, channel))
                foreach (var c in list) receivers += Deliver(publisher, c, pattern, channel, message);
        return receivers;
    }

    /// <summary>SPUBLISH: to the shard channel's subscribers only (no patterns); returns how many received it.</summary>
    public int PublishToShard(ClientSession publisher, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        int receivers = 0;
        if (_shardChannels.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(channel, out var subscribers))
            foreach (var c in subscribers) receivers += Deliver(publisher, c, null, channel, message, shard: true);
        return receivers;
    }

    /// <summary>One message (["message" or "smessage", channel, text] or ["pmessage", pattern, channel, text]) to one subscriber.</summary>
    private int Deliver(ClientSession? publisher, ClientSession c, byte[]? pattern, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message, bool shard = false)
    {
        // Killed but not yet gone (its loop has not run): still counted, as Redis counts a
        // CLIENT_CLOSE_ASAP subscriber, but given nothing more to hold.
        if (c.Killed && c != publisher) return 1;
        var w = WriterFor(publisher, c);
        w.PushHeader(pattern == null ? 3 : 4);
        w.Bulk(pattern != null ? "pmessage"u8 : shard ? "smessage"u8 : "message"u8);
        if (pattern != null) w.Bulk(pattern);
        w.Bulk(channel);
        w.Bulk(message);
        Delivered(publisher, c);
        return 1;
    }

    // The publisher's own subscription hears the message in its reply stream, before PUBLISH's reply.
    private RespWriter WriterFor(ClientSession? publisher, ClientSession c)
    {
        if (c == publisher) return c.Reply;
        _writer.Output = c.PendingOutput;
        _writer.Protocol = c.Reply.Protocol;
        return _writer;
    }

    private void Delivered(ClientSession? publisher, ClientSession c)
    {
        if (c == publisher) return;
        if (c.OverOutputLimit(c.PendingOutputBytes, server.Config.PubSubOutputLimit))
        {
            server.Stats.OutputLimitDisconnections++;
            c.Kill();
            return;
        }
        // A subscriber that alone holds maxmemory-clients: the eviction pass now, not at the next cron.
        long clientsLimit = server.Config.MaxMemoryClients;
        if (clientsLimit > 0 && c.PendingOutputBytes >= clientsLimit) server.EvictClientsIfNeeded();
        c.Wake();
    }

    /// <summary>PUBSUB CHANNELS | SHARDCHANNELS [pattern]: active channels (with at least one subscriber).</summary>
    public IEnumerable<byte[]> Channels(Subscription kind, ReadOnlySpan<byte> pattern)
    {
        var result = new List<byte[]>();
        foreach (var name in MapOf(kind).Keys)
            if (pattern.IsEmpty || GlobMatcher.IsMatch(pattern, name)) result.Add(name);
        return result;
    }

    public int NumSub(Subscription kind, ReadOnlySpan<byte> channel) =>
        MapOf(kind).GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(channel, out var list) ? list.Count : 0;
}
