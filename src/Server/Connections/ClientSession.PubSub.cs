using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Connections;

/// <summary>The three kinds of subscription: channels, patterns, shard channels (Redis 7's pubsubtype).</summary>
internal enum Subscription { Channel, Pattern, Shard }

/// <summary>
/// This connection's channel, pattern and shard channel subscriptions (Redis's
/// c->pubsub_channels, c->pubsub_patterns and c->pubsubshard_channels).
/// </summary>
internal sealed partial class ClientSession
{
    private HashSet<byte[]>? _channels, _patterns, _shardChannels;

    /// <summary>Channels and shard channels subscribed to (matched against ACL channel patterns), and patterns (matched literally).</summary>
    public IEnumerable<byte[]> SubscribedChannels => (_channels ?? []).Concat(_shardChannels ?? []);
    public IEnumerable<byte[]> SubscribedPatterns => _patterns ?? [];

    public int ChannelCount => _channels?.Count ?? 0;
    public int PatternCount => _patterns?.Count ?? 0;
    public int ShardChannelCount => _shardChannels?.Count ?? 0;

    /// <summary>Every subscription of any kind (Redis's CLIENT_PUBSUB flag is set while this is not 0).</summary>
    public int SubscriptionCount => ChannelCount + PatternCount + ShardChannelCount;

    /// <summary>RESP2 with a subscription: only (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET may run.</summary>
    public bool InSubscribedContext => !Reply.IsResp3 && SubscriptionCount > 0;

    /// <summary>
    /// The count a confirmation carries: channels and patterns together for those two kinds,
    /// shard channels alone for shard ones (Redis 7.0's subscriptionCount of each type).
    /// </summary>
    private int ConfirmedCount(Subscription kind) => kind == Subscription.Shard ? ShardChannelCount : ChannelCount + PatternCount;

    private ref HashSet<byte[]>? SetOf(Subscription kind)
    {
        if (kind == Subscription.Pattern) return ref _patterns;
        if (kind == Subscription.Shard) return ref _shardChannels;
        return ref _channels;
    }

    /// <summary>(P|S)SUBSCRIBE one name: the confirmation carries the connection's subscription count.</summary>
    public void Subscribe(Subscription kind, ReadOnlySpan<byte> name)
    {
        ref var set = ref SetOf(kind);
        set ??= new HashSet<byte[]>(ByteKeyComparer.Instance);
        var copy = name.ToArray();
        if (set.Add(copy)) _server.PubSub.Subscribe(kind, copy, this);
        Confirm(SubscribeMessage(kind), name, ConfirmedCount(kind));
    }

    /// <summary>(P|S)UNSUBSCRIBE one name, subscribed or not.</summary>
    public void Unsubscribe(Subscription kind, ReadOnlySpan<byte> name)
    {
        var set = SetOf(kind);
        if (set != null && set.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(name, out var stored))
        {
            set.Remove(stored);
            _server.PubSub.Unsubscribe(kind, stored, this);
        }
        Confirm(UnsubscribeMessage(kind), name, ConfirmedCount(kind));
    }

    /// <summary>(P|S)UNSUBSCRIBE without names: every one of that kind, each confirmed; a null one when there were none.</summary>
    public void UnsubscribeAll(Subscription kind, bool notify)
    {
        var set = SetOf(kind);
        if (set is not { Count: > 0 })
        {
            if (!notify) return;
            Reply.PushHeader(3);
            Reply.Bulk(UnsubscribeMessage(kind));
            Reply.Null();
            Reply.Integer(ConfirmedCount(kind));
            return;
        }
        foreach (var name in set.ToArray())
        {
            set.Remove(name);
            _server.PubSub.Unsubscribe(kind, name, this);
            if (notify) Confirm(UnsubscribeMessage(kind), name, ConfirmedCount(kind));
        }
    }

    public void UnsubscribeAll(bool notify)
    {
        UnsubscribeAll(Subscription.Channel, notify);
        UnsubscribeAll(Subscription.Pattern, notify);
        UnsubscribeAll(Subscription.Shard, notify);
    }

    private static ReadOnlySpan<byte> SubscribeMessage(Subscription kind) =>
        kind switch { Subscription.Pattern => "psubscribe"u8, Subscription.Shard => "ssubscribe"u8, _ => "subscribe"u8 };

    private static ReadOnlySpan<byte> UnsubscribeMessage(Subscription kind) =>
        kind switch { Subscription.Pattern => "punsubscribe"u8, Subscription.Shard => "sunsubscribe"u8, _ => "unsubscribe"u8 };

    private void Confirm(ReadOnlySpan<byte> message, ReadOnlySpan<byte> name, int count)
    {
        Reply.PushHeader(3);
        Reply.Bulk(message);
        Reply.Bulk(name);
        Reply.Integer(count);
    }
}
