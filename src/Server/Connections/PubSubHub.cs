using PasteRedis.Resp;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Connections;

/// <summary>
/// Channels and patterns and who listens to them (Redis's pubsub.c). PUBLISH writes each
/// message into the subscriber's pending output, formatted for its protocol (a RESP3 push
/// or a RESP2 array), and wakes its loop; a subscriber that lets more than
/// client-output-buffer-limit's pubsub hard limit pile up is disconnected, as in Redis.
/// Used under the execution lock.
/// </summary>
internal sealed class PubSubHub(RedisServer server)
{
    private readonly Dictionary<byte[], List<ClientSession>> _channels = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], List<ClientSession>> _patterns = new(ByteKeyComparer.Instance);
    private readonly RespWriter _writer = new();

    public int ChannelCount => _channels.Count;
    public int PatternCount => _patterns.Count;

    public void Subscribe(bool pattern, byte[] name, ClientSession c)
    {
        var map = pattern ? _patterns : _channels;
        if (!map.TryGetValue(name, out var list)) map[name] = list = [];
        list.Add(c);
    }

    public void Unsubscribe(bool pattern, byte[] name, ClientSession c)
    {
        var map = pattern ? _patterns : _channels;
        if (!map.TryGetValue(name, out var list) || !list.Remove(c)) return;
        if (list.Count == 0) map.Remove(name);
    }

    /// <summary>
    /// Delivers a message to the channel's subscribers and matching patterns' subscribers;
    /// returns how many received it. Nothing here changes the lists (a subscriber over its
    /// limit is only marked killed; it leaves them from its own loop), so they are walked as they are.
    /// </summary>
    public int Publish(ClientSession publisher, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        int receivers = 0;
        if (_channels.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(channel, out var subscribers))
            foreach (var c in subscribers) receivers += Deliver(publisher, c, null, channel, message);
        foreach (var (pattern, list) in _patterns)
            if (GlobMatcher.IsMatch(pattern, channel))
                foreach (var c in list) receivers += Deliver(publisher, c, pattern, channel, message);
        return receivers;
    }

    /// <summary>One message (["message", channel, text] or ["pmessage", pattern, channel, text]) to one subscriber.</summary>
    private int Deliver(ClientSession publisher, ClientSession c, byte[]? pattern, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        var w = WriterFor(publisher, c);
        w.PushHeader(pattern == null ? 3 : 4);
        w.Bulk(pattern == null ? "message"u8 : "pmessage"u8);
        if (pattern != null) w.Bulk(pattern);
        w.Bulk(channel);
        w.Bulk(message);
        Delivered(publisher, c);
        return 1;
    }

    // The publisher's own subscription hears the message in its reply stream, before PUBLISH's reply.
    private RespWriter WriterFor(ClientSession publisher, ClientSession c)
    {
        if (c == publisher) return c.Reply;
        _writer.Output = c.PendingOutput;
        _writer.Protocol = c.Reply.Protocol;
        return _writer;
    }

    private void Delivered(ClientSession publisher, ClientSession c)
    {
        if (c == publisher) return;
        long limit = server.Config.PubSubOutputHardLimit;
        if (limit > 0 && c.PendingOutputBytes > limit)
        {
            server.Stats.OutputLimitDisconnections++;
            c.Kill();
            return;
        }
        c.Wake();
    }

    /// <summary>PUBSUB CHANNELS [pattern]: active channels (with at least one subscriber).</summary>
    public IEnumerable<byte[]> Channels(ReadOnlySpan<byte> pattern)
    {
        var result = new List<byte[]>();
        foreach (var name in _channels.Keys)
            if (pattern.IsEmpty || GlobMatcher.IsMatch(pattern, name)) result.Add(name);
        return result;
    }

    public int NumSub(ReadOnlySpan<byte> channel) =>
        _channels.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(channel, out var list) ? list.Count : 0;
}
