using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Connections;

/// <summary>This connection's channel and pattern subscriptions (Redis's c->pubsub_channels and c->pubsub_patterns).</summary>
internal sealed partial class ClientSession
{
    private HashSet<byte[]>? _channels, _patterns;

    public int ChannelCount => _channels?.Count ?? 0;
    public int PatternCount => _patterns?.Count ?? 0;
    public int SubscriptionCount => ChannelCount + PatternCount;

    /// <summary>RESP2 with a subscription: only (P)SUBSCRIBE, (P)UNSUBSCRIBE, PING, QUIT and RESET may run.</summary>
    public bool InSubscribedContext => !Reply.IsResp3 && SubscriptionCount > 0;

    /// <summary>(P)SUBSCRIBE one name: the confirmation carries the connection's subscription count.</summary>
    public void Subscribe(bool pattern, ReadOnlySpan<byte> name)
    {
        ref var set = ref pattern ? ref _patterns : ref _channels;
        set ??= new HashSet<byte[]>(ByteKeyComparer.Instance);
        var copy = name.ToArray();
        if (set.Add(copy)) _server.PubSub.Subscribe(pattern, copy, this);
        Confirm(pattern ? "psubscribe"u8 : "subscribe"u8, name);
    }

    /// <summary>(P)UNSUBSCRIBE one name, subscribed or not.</summary>
    public void Unsubscribe(bool pattern, ReadOnlySpan<byte> name)
    {
        var set = pattern ? _patterns : _channels;
        if (set != null && set.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(name, out var stored))
        {
            set.Remove(stored);
            _server.PubSub.Unsubscribe(pattern, stored, this);
        }
        Confirm(pattern ? "punsubscribe"u8 : "unsubscribe"u8, name);
    }

    /// <summary>(P)UNSUBSCRIBE without names: every channel (or pattern), each confirmed; a null one when there were none.</summary>
    public void UnsubscribeAll(bool pattern, bool notify)
    {
        var set = pattern ? _patterns : _channels;
        if (set is not { Count: > 0 })
        {
            if (!notify) return;
            Reply.PushHeader(3);
            Reply.Bulk(pattern ? "punsubscribe"u8 : "unsubscribe"u8);
            Reply.Null();
            Reply.Integer(SubscriptionCount);
            return;
        }
        foreach (var name in set.ToArray())
        {
            set.Remove(name);
            _server.PubSub.Unsubscribe(pattern, name, this);
            if (notify) Confirm(pattern ? "punsubscribe"u8 : "unsubscribe"u8, name);
        }
    }

    public void UnsubscribeAll(bool notify)
    {
        UnsubscribeAll(pattern: false, notify);
        UnsubscribeAll(pattern: true, notify);
    }

    private void Confirm(ReadOnlySpan<byte> kind, ReadOnlySpan<byte> name)
    {
        Reply.PushHeader(3);
        Reply.Bulk(kind);
        Reply.Bulk(name);
        Reply.Integer(SubscriptionCount);
    }
}
