using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using PasteRedis.Resp;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Replication;

/// <summary>
/// The master side of Redis replication: replicas (a redis-server with replicaof, or any
/// client speaking PSYNC) get a full copy as an RDB file, then every write as the log has
/// it (the records the AOF appends: commands as received or in their absolute form, MULTI …
/// EXEC around a transaction's or a script's writes, DEL for expired and evicted keys),
/// with SELECT where the database changes, and a PING every repl-ping-replica-period. They
/// acknowledge offsets (REPLCONF ACK), which WAIT counts. The stream goes to each replica's
/// pending output, so it leaves with the durability of any other reply (after the writes
/// are durable here). From the first replica on, the stream's last repl-backlog-size bytes
/// are kept (<see cref="ReplicationBacklog"/>): a replica that lost its link and asks for
/// this replication ID from an offset still there continues (+CONTINUE) without a full
/// resynchronization. With no replica for repl-backlog-ttl seconds the backlog is dropped
/// and the replication ID changes, as Redis does.
/// </summary>
internal sealed class ReplicationSource(RedisServer server)
{
    private readonly List<Replica> _replicas = [];
    private readonly HashSet<ClientSession> _waiters = [];
    private int _selectedDb = -1;
    private long _lastPingMs;
    private readonly RespRequest _inline = new();
    private readonly Persistence.ComposedCommand _asResp = new();

    /// <summary>The replication ID (master_replid) and the bytes streamed so far (master_repl_offset).</summary>
    public string ReplId { get; private set; } = NewReplId();
    public long Offset { get; private set; }
    /// <summary>The stream's last bytes, from the first replica on (null before, and after repl-backlog-ttl without replicas).</summary>
    public ReplicationBacklog? Backlog { get; private set; }
    private long _noReplicasSinceMs = RedisServer.NowMs();

    private static string NewReplId() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20));
    public IReadOnlyList<Replica> Replicas => _replicas;

    internal sealed class Replica(ClientSession session)
    {
        public ClientSession Session { get; } = session;
        public int ListeningPort { get; set; }
        /// <summary>REPLCONF ip-address (the replica's replica-announce-ip), if it gave one.</summary>
        public string? AnnouncedIp { get; set; }
        public long AckOffset { get; set; }
        public long LastAckMs { get; set; } = RedisServer.NowMs();

        /// <summary>Where the replica says it is (INFO, ROLE): its announced address, else its connection's.</summary>
        public string Address => AnnouncedIp ?? (Session.RemoteEndPoint as System.Net.IPEndPoint)?.Address.ToString() ?? "?";
    }

    /// <summary>REPLCONF before PSYNC: what the replica says of itself (kept until it attaches).</summary>
    private readonly Dictionary<ClientSession, (int Port, string? Ip)> _announced = [];
    public void SetListeningPort(ClientSession c, int port) => _announced[c] = (port, _announced.GetValueOrDefault(c).Ip);
    public void SetAnnouncedIp(ClientSession c, string ip) => _announced[c] = (_announced.GetValueOrDefault(c).Port, ip);

    /// <summary>
    /// PSYNC replid offset, or SYNC (under the execution lock). PSYNC of this replication ID
    /// from an offset the backlog still holds continues: "+CONTINUE id", then the stream's
    /// bytes from that offset on. Anything else is a full resynchronization: the snapshot as
    /// an RDB payload (after "+FULLRESYNC id offset" for PSYNC), then the stream from exactly
    /// this point. Counted as Redis counts them (sync_full, sync_partial_ok, sync_partial_err).
    /// </summary>
    public void Attach(ClientSession c, string? replId, long offset)
    {
        var stats = server.Stats;
        if (replId != null && replId != "?")
        {
            if (replId == ReplId && Backlog is { } backlog && backlog.Covers(offset))
            {
                c.Reply.Raw(Encoding.ASCII.GetBytes($"+CONTINUE {ReplId}\r\n"));
                var (first, second) = backlog.From(offset);
                c.Reply.Raw(first.Span);
                c.Reply.Raw(second.Span);
                Add(c, ackOffset: offset - 1);
                stats.SyncPartialOk++;
                server.Logger.LogInformation("Partial resynchronization of replica {Id} accepted: {Bytes} bytes of backlog from offset {Offset}",
                    c.Id, first.Length + second.Length, offset);
                return;
            }
            stats.SyncPartialErr++;
        }
        if (Backlog == null)
        {
            // The first replica: a new history, kept from here on.
            ReplId = NewReplId();
            Backlog = new ReplicationBacklog(server.Config.ReplBacklogSize, Offset);
        }
        var rdb = Persistence.RdbValue.Snapshot(server, RedisServer.NowMs());
        if (replId != null) c.Reply.Raw(Encoding.ASCII.GetBytes($"+FULLRESYNC {ReplId} {Offset}\r\n"));
        c.Reply.Raw(Encoding.ASCII.GetBytes($"${rdb.Length}\r\n"));
        c.Reply.Raw(rdb);
        Add(c, ackOffset: replId != null ? 0 : -1);
        stats.SyncFull++;
        // As Redis's syncCommand: a replica synchronized in full may get its stream in fewer, larger packets.
        if (server.Config.Get("repl-disable-tcp-nodelay") == "yes" && c.Socket is { } socket)
        {
            try { socket.NoDelay = false; }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException) { } // not critical, as in Redis
        }
        _selectedDb = -1; // the next command is preceded by SELECT, as Redis does after a resync
    }

    private void Add(ClientSession c, long ackOffset)
    {
        var (port, ip) = _announced.GetValueOrDefault(c);
        _replicas.Add(new Replica(c) { ListeningPort = port, AnnouncedIp = ip, AckOffset = ackOffset });
        _announced.Remove(c);
        c.IsReplica = true;
        RefreshGoodReplicas();
    }

    /// <summary>
    /// At start, after a clean shutdown as a master (<see cref="ReplicationResume"/>): the
    /// replication ID and offset it had, and a backlog ending there, so that a replica that
    /// had everything continues.
    /// </summary>
    public void Resume(string replId, long offset)
    {
        ReplId = replId;
        Offset = offset;
        Backlog = new ReplicationBacklog(server.Config.ReplBacklogSize, offset);
        _noReplicasSinceMs = RedisServer.NowMs();
        server.Logger.LogInformation("Replication ID {ReplId} and offset {Offset} of the last clean shutdown restored: a replica that had everything continues", replId, offset);
    }

    /// <summary>CONFIG SET repl-backlog-size: the backlog keeps what fits of its history.</summary>
    public void ResizeBacklog(long size) => Backlog?.Resize(size);

    /// <summary>A replica's connection closed.</summary>
    public void Detach(ClientSession c)
    {
        if (_replicas.RemoveAll(r => r.Session == c) > 0)
        {
            if (_replicas.Count == 0) _noReplicasSinceMs = RedisServer.NowMs();
            RefreshGoodReplicas();
        }
        _announced.Remove(c);
        _waiters.Remove(c);
    }

    /// <summary>One record as the log got it: to every replica, after SELECT when its database is not the stream's.</summary>
    public void Feed(int db, in ReadOnlySequence<byte> command)
    {
        if (Backlog == null) return;
        if (!command.IsEmpty && command.FirstSpan[0] != (byte)'*')
        {
            // An inline command (telnet style): replicas get it as RESP.
            var copy = command;
            if (RespReader.TryParse(ref copy, _inline, RespLimits.Default, true, out _) != RespParseStatus.Complete) return;
            _asResp.Clear();
            _asResp.Begin(_inline.Count);
            for (int i = 0; i < _inline.Count; i++) _asResp.Append(_inline.Arg(i));
            _asResp.End();
            _inline.Release();
            Feed(db, _asResp[0]);
            return;
        }
        SelectFor(db);
        foreach (var segment in command) Write(segment.Span);
        Flush();
    }

    public void Feed(int db, ReadOnlySpan<byte> command)
    {
        if (Backlog == null) return;
        SelectFor(db);
        Write(command);
        Flush();
    }

    private void SelectFor(int db)
    {
        if (db == _selectedDb) return;
        _selectedDb = db;
        var id = db.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Write(Encoding.ASCII.GetBytes($"*2\r\n$6\r\nSELECT\r\n${id.Length}\r\n{id}\r\n"));
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        foreach (var r in _replicas) r.Session.PendingOutput.Write(bytes);
        Backlog!.Append(bytes);
        Offset += bytes.Length;
    }

    /// <summary>
    /// The stream's new bytes leave; a replica that lets its stream pile up past the replica
    /// class of client-output-buffer-limit is disconnected (it resynchronizes when it comes
    /// back), as Redis disconnects it, instead of holding memory without bound.
    /// </summary>
    private void Flush()
    {
        for (int i = _replicas.Count - 1; i >= 0; i--)
        {
            var c = _replicas[i].Session;
            if (c.OverOutputLimit(c.PendingOutputBytes, server.Config.ReplicaOutputLimit))
            {
                server.Logger.LogWarning("Replica {Id} closed: its replication stream passed client-output-buffer-limit replica ({Bytes} bytes waiting)",
                    c.Id, c.PendingOutputBytes);
                server.Stats.OutputLimitDisconnections++;
                _replicas.RemoveAt(i);
                c.Kill();
                continue;
            }
            c.Wake();
        }
    }

    /// <summary>The cron: a PING into the stream every repl-ping-replica-period seconds, as Redis keeps replicas' links alive.</summary>
    public void Cron(long nowMs)
    {
        RefreshGoodReplicas();
        if (_replicas.Count == 0)
        {
            long ttl = server.Config.Long("repl-backlog-ttl");
            if (Backlog != null && ttl > 0 && nowMs - _noReplicasSinceMs > ttl * 1000)
            {
                server.Logger.LogInformation("Replication backlog freed after {Seconds} seconds without replicas", ttl);
                Backlog = null;
                ReplId = NewReplId();
            }
            return;
        }
        long period = long.Parse(server.Config.Get("repl-ping-replica-period"), System.Globalization.CultureInfo.InvariantCulture) * 1000;
        if (nowMs - _lastPingMs < period) return;
        _lastPingMs = nowMs;
        Write("*1\r\n$4\r\nPING\r\n"u8);
        Flush();
    }

    /// <summary>REPLCONF ACK offset: how far the replica has applied the stream; waiting WAITs look again.</summary>
    public void Ack(ClientSession c, long offset)
    {
        var r = _replicas.Find(x => x.Session == c);
        if (r == null) return;
        r.AckOffset = Math.Max(r.AckOffset, offset);
        r.LastAckMs = RedisServer.NowMs();
        if (_waiters.Count == 0) return;
        long now = RedisServer.NowMs();
        foreach (var waiter in _waiters.ToList())
        {
            if (!waiter.IsBlocked) _waiters.Remove(waiter);
            else waiter.ServeBlocked(now);
        }
    }

    /// <summary>
    /// min-replicas-to-write and min-replicas-max-lag, as Redis's checkGoodReplicasStatus:
    /// whether writes may go on (always on a replica, or with either setting 0), counting the
    /// replicas that acknowledged within the lag (refreshed by the cron and as replicas come and go).
    /// </summary>
    public bool EnoughGoodReplicas => _minReplicas == 0 || _maxLag == 0 || server.Master != null || GoodReplicas >= _minReplicas;

    /// <summary>min_slaves_good_slaves: replicas whose last acknowledgement is at most min-replicas-max-lag seconds old.</summary>
    public int GoodReplicas { get; private set; }
    private long _minReplicas, _maxLag;

    /// <summary>Redis's refreshGoodSlavesCount (also reads the settings again).</summary>
    public void RefreshGoodReplicas()
    {
        _minReplicas = server.Config.Long("min-replicas-to-write");
        _maxLag = server.Config.Long("min-replicas-max-lag");
        long now = RedisServer.NowMs();
        GoodReplicas = _replicas.Count(r => (now - r.LastAckMs) / 1000 <= _maxLag);
    }

    /// <summary>Replicas that have acknowledged <paramref name="offset"/>.</summary>
    public int Acknowledged(long offset) => _replicas.Count(r => r.AckOffset >= offset);

    /// <summary>WAIT blocks: the replicas are asked for their offsets now (REPLCONF GETACK), and the WAIT looks again at each answer.</summary>
    public void Waiting(ClientSession c)
    {
        _waiters.Add(c);
        RequestAcks();
    }

    /// <summary>REPLCONF GETACK * into the stream: every replica answers with its offset.</summary>
    public void RequestAcks()
    {
        if (_replicas.Count == 0) return;
        Write("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"u8);
        Flush();
    }

    /// <summary>Every replica acknowledged everything streamed (Redis's isReadyToShutdown); true without replicas.</summary>
    public bool AllCaughtUp => _replicas.TrueForAll(r => r.AckOffset >= Offset);
}
