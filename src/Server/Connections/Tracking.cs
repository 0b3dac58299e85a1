using System.Text;
using PasteRedis.Server.Commands;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Connections;

/// <summary>What CLIENT TRACKING turned on for a connection (Redis's CLIENT_TRACKING_* flags).</summary>
[Flags]
internal enum TrackingMode
{
    None = 0,
    On = 1,
    Bcast = 2,
    OptIn = 4,
    OptOut = 8,
    NoLoop = 16,
    Caching = 32, // CLIENT CACHING yes (OPTIN) or no (OPTOUT) for the next command
    BrokenRedirect = 64,
}

/// <summary>
/// Client-side caching (Redis's tracking.c): in the default mode the keys each tracking
/// connection read (key name only, any database) and, in BCAST mode, the prefixes each one
/// registered. When a key changes (a write, an expiry, an eviction) the connections that
/// read it, or whose prefix it matches, get an "invalidate" message: a RESP3 push, or a
/// __redis__:invalidate Pub/Sub message on the connection they redirect to. A key read is
/// forgotten once invalidated, as in Redis. Used under the execution lock.
/// </summary>
internal sealed class Tracking(RedisServer server)
{
    private readonly Dictionary<byte[], HashSet<long>> _keys = new(ByteKeyComparer.Instance);
    private readonly List<(byte[] Prefix, long Client)> _prefixes = [];
    private int _clients;

    /// <summary>Any connection tracking: otherwise a changed key costs one comparison.</summary>
    public bool Active => _clients > 0;
    public int Clients => _clients;
    public int TrackedKeys => _keys.Count;
    public long TrackedItems => _keys.Values.Sum(s => (long)s.Count);
    public int Prefixes => _prefixes.Count;

    public void Enable(ClientSession c, TrackingMode mode, long redirect, List<byte[]> prefixes)
    {
        if ((c.Tracking & TrackingMode.On) == 0) _clients++;
        c.Tracking = TrackingMode.On | (mode & ~TrackingMode.On) | (c.Tracking & TrackingMode.Caching);
        c.TrackingRedirect = redirect;
        if ((mode & TrackingMode.Bcast) == 0) return;
        if (prefixes.Count == 0) prefixes.Add([]);
        foreach (var p in prefixes)
            if (!c.TrackingPrefixes.Exists(x => x.AsSpan().SequenceEqual(p)))
            {
                c.TrackingPrefixes.Add(p);
                _prefixes.Add((p, c.Id));
            }
    }

    public void Disable(ClientSession c)
    {
        if ((c.Tracking & TrackingMode.On) == 0) return;
        _clients--;
        _prefixes.RemoveAll(x => x.Client == c.Id);
        c.TrackingPrefixes.Clear();
        c.Tracking = TrackingMode.None;
        c.TrackingRedirect = 0;
    }

    /// <summary>
    /// The prefix of <paramref name="prefixes"/> that overlaps another one of this connection
    /// (one is a prefix of the other), as an error message; null when none does.
    /// </summary>
    public static string? Overlap(ClientSession c, List<byte[]> prefixes)
    {
        var all = c.TrackingPrefixes.Select(p => (p, existing: true)).Concat(prefixes.Select(p => (p, existing: false))).ToList();
        for (int i = 0; i < prefixes.Count; i++)
        {
            var p = prefixes[i];
            for (int j = 0; j < all.Count; j++)
            {
                if (!all[j].existing && j - c.TrackingPrefixes.Count == i) continue;
                var q = all[j].p;
                if (p.AsSpan().StartsWith(q) || q.AsSpan().StartsWith(p))
                    return $"ERR Prefix '{Encoding.UTF8.GetString(p)}' overlaps with {(all[j].existing ? "an existing" : "another provided")} prefix '{Encoding.UTF8.GetString(q)}'. Prefixes for a single client must not overlap.";
            }
        }
        return null;
    }

    /// <summary>After a read-only command of a tracking connection (not BCAST): remember the keys it read.</summary>
    public void Remember(ClientSession c, RedisCommand cmd)
    {
        var mode = c.Tracking;
        bool optIn = (mode & TrackingMode.OptIn) != 0, optOut = (mode & TrackingMode.OptOut) != 0, caching = (mode & TrackingMode.Caching) != 0;
        if ((optIn && !caching) || (optOut && caching)) return;
        var (first, last, step) = KeyPositions(cmd, c.Request);
        for (int i = first; i <= last && i < c.Request.Count && step > 0; i += step)
        {
            var key = c.Request.Arg(i);
            var lookup = _keys.GetAlternateLookup<ReadOnlySpan<byte>>();
            if (!lookup.TryGetValue(key, out var ids)) lookup[key] = ids = [];
            ids.Add(c.Id);
        }
    }

    /// <summary>
    /// The keys a read command read (Redis's getKeysFromCommand): its fixed positions, or for
    /// the read commands whose keys move, after their numkeys argument (ZUNION, ZINTER, ZDIFF,
    /// ZINTERCARD, SINTERCARD) or after STREAMS (XREAD). (0, -1, 0) when none.
    /// </summary>
    private static (int First, int Last, int Step) KeyPositions(RedisCommand cmd, PasteRedis.Resp.RespRequest req)
    {
        if (cmd.FirstKey > 0 && cmd.Step > 0)
            return (cmd.FirstKey, cmd.LastKey < 0 ? req.Count + cmd.LastKey : cmd.LastKey, cmd.Step);
        switch (cmd.Name)
        {
            case "zunion" or "zinter" or "zdiff" or "zintercard" or "sintercard":
                return PasteRedis.Resp.RespNumber.TryParseInt64(req.Arg(1), out long n) && n > 0 && n < req.Count - 1 ? (2, 1 + (int)n, 1) : (0, -1, 0);
            case "xread":
                for (int i = 1; i < req.Count; i++)
                    if (Ascii.EqualsIgnoreCase(req.Arg(i), "STREAMS"u8))
                    {
                        int streams = (req.Count - i - 1) / 2;
                        return (i + 1, i + streams, 1);
                    }
                return (0, -1, 0);
            default:
                return (0, -1, 0);
        }
    }

    /// <summary>A key changed (by <paramref name="by"/>, or by the server: expiry, eviction): tell who cached it.</summary>
    public void Invalidate(ReadOnlySpan<byte> key, ClientSession? by)
    {
        if (_clients == 0) return;
        if (_keys.GetAlternateLookup<ReadOnlySpan<byte>>().Remove(key, out _, out var ids))
            foreach (var id in ids)
                if (server.FindClient(id) is { } c && (c.Tracking & (TrackingMode.On | TrackingMode.Bcast)) == TrackingMode.On && !(c == by && (c.Tracking & TrackingMode.NoLoop) != 0))
                    Send(c, key, flush: false);
        foreach (var (prefix, id) in _prefixes)
            if (key.StartsWith(prefix) && server.FindClient(id) is { } c && !(c == by && (c.Tracking & TrackingMode.NoLoop) != 0))
                Send(c, key, flush: false);
    }

    /// <summary>FLUSHDB / FLUSHALL: every tracking connection gets a null invalidation, and nothing read is remembered.</summary>
    public void InvalidateAll()
    {
        if (_clients == 0) return;
        _keys.Clear();
        foreach (var c in server.Clients)
            if ((c.Tracking & TrackingMode.On) != 0) Send(c, default, flush: true);
    }

    private readonly PasteRedis.Resp.RespWriter _writer = new();

    /// <summary>
    /// Redis's sendTrackingMessage: to the connection itself (RESP3) or where it redirects.
    /// Always through the pending output (delivered at the connection's next batch, after
    /// the reply in progress): an expiry can invalidate in the middle of a command's reply.
    /// </summary>
    private void Send(ClientSession c, ReadOnlySpan<byte> key, bool flush)
    {
        var target = c;
        bool redirected = false;
        if (c.TrackingRedirect != 0)
        {
            if (server.FindClient(c.TrackingRedirect) is not { } r)
            {
                c.Tracking |= TrackingMode.BrokenRedirect;
                if (!c.Reply.IsResp3) return;
                var w0 = WriterFor(c);
                w0.PushHeader(2);
                w0.Bulk("tracking-redir-broken"u8);
                w0.Integer(c.TrackingRedirect);
                c.Wake();
                return;
            }
            target = r;
            redirected = true;
        }
        PasteRedis.Resp.RespWriter w;
        if (target.Reply.IsResp3)
        {
            w = WriterFor(target);
            w.PushHeader(2);
            w.Bulk("invalidate"u8);
        }
        else if (redirected && target.SubscriptionCount > 0)
        {
            w = WriterFor(target);
            w.ArrayHeader(3);
            w.Bulk("message"u8);
            w.Bulk("__redis__:invalidate"u8);
        }
        else return; // RESP2 without redirection: Redis has no way to tell it either
        if (flush) w.Null();
        else
        {
            w.ArrayHeader(1);
            w.Bulk(key);
        }
        target.Wake();
    }

    private PasteRedis.Resp.RespWriter WriterFor(ClientSession c)
    {
        _writer.Output = c.PendingOutput;
        _writer.Protocol = c.Reply.Protocol;
        return _writer;
    }
}
