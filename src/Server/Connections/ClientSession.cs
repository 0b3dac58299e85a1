using System.Buffers;
using Microsoft.Extensions.Logging;
using System.IO.Pipelines;
using System.Net;
using PasteRedis.Resp;
using PasteRedis.Server.Commands;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Connections;

/// <summary>
/// One client connection (Redis's client struct) and its loop: read → parse every
/// complete frame → execute them under one lock → write the replies → one flush.
/// </summary>
internal sealed partial class ClientSession : IThreadPoolWorkItem
{
    private readonly RedisServer _server;
    private readonly IDuplexPipe _pipe;
    private volatile bool _killed;

    /// <summary>Closed by CLIENT KILL, an output limit or client eviction: its loop is leaving.</summary>
    public bool Killed => _killed;
    private bool _closeAfterReply;

    public ClientSession(RedisServer server, IDuplexPipe pipe, EndPoint? remote, EndPoint? local)
        : this(server, pipe, pipe.Output, remote, local) { }

    private ClientSession(RedisServer server, IDuplexPipe pipe, IBufferWriter<byte> output, EndPoint? remote, EndPoint? local)
    {
        _server = server;
        _pipe = pipe;
        Id = server.NextClientId();
        RemoteEndPoint = remote;
        LocalEndPoint = local;
        Reply = new RespWriter(output) { ErrorWritten = server.Stats.CountError };
        Db = server.Databases[0];
        User = server.Acl.Default;
        _authenticated = !server.Acl.DefaultNeedsAuth; // Redis: authenticated when the default user needs no password
        CreatedMs = LastInteractionMs = RedisServer.NowMs();
    }

    public long Id { get; }
    public EndPoint? RemoteEndPoint { get; }
    public EndPoint? LocalEndPoint { get; }
    public RedisServer Server => _server;
    public RespRequest Request { get; } = new();
    public RespWriter Reply { get; }

    /// <summary>
    /// This connection's traffic, counted by its own thread without atomics; INFO adds up all
    /// connections' (and, under the lock, the closed ones' in <see cref="ServerStats"/>).
    /// </summary>
    public TrafficCounters Traffic;
    public Database Db { get; private set; }
    private bool _authenticated;

    /// <summary>May run commands: authenticated, or the default user needs no password now (Redis's authRequired).</summary>
    public bool Authenticated
    {
        get => _authenticated || !_server.Acl.DefaultNeedsAuth;
        set => _authenticated = value;
    }

    /// <summary>The replication offset after this connection's last write (what its WAIT waits for).</summary>
    public long ReplicationOffset { get; set; }

    /// <summary>A replica (after PSYNC or SYNC): it gets the replication stream, and no replies.</summary>
    public bool IsReplica { get; set; }

    /// <summary>The ACL user the connection runs as (the default user until AUTH or HELLO names another).</summary>
    public Acl.AclUser User { get; set; }

    /// <summary>Back to the default user, not authenticated (RESET, or its user was deleted).</summary>
    public void LogOut()
    {
        User = _server.Acl.Default;
        _authenticated = !_server.Acl.DefaultNeedsAuth;
    }
    public string? Name { get; set; }
    public string? LibName { get; set; }
    public string? LibVersion { get; set; }
    public long CreatedMs { get; }
    public long LastInteractionMs { get; private set; }
    public string LastCommand { get; private set; } = "NULL";

    /// <summary>The time commands of the current batch see (Redis caches it per command, we per batch).</summary>
    public long NowMs { get; private set; }

    public void Select(int index) => Db = _server.Databases[index];

    /// <summary>A keyspace notification for <paramref name="key"/> in the current database (see <see cref="RedisServer.Notify"/>).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Notify(Keyspace.NotifyClass type, string evt, ReadOnlySpan<byte> key) => _server.Notify(type, evt, key, Db.Id, this);

    /// <summary>A read lookup found nothing (Redis's lookupKeyRead): the "keymiss" notification.</summary>
    public void KeyMiss(ReadOnlySpan<byte> key) => Notify(Keyspace.NotifyClass.KeyMiss, "keymiss", key);

    /// <summary>
    /// A miss in a typed lookup: a read command's lookups are Redis's lookupKeyRead (a
    /// "keymiss" notification), a write command's are lookupKeyWrite (none; the keys a write
    /// command only reads call <see cref="KeyMiss"/> themselves).
    /// </summary>
    public void LookupMissed(ReadOnlySpan<byte> key)
    {
        if (!CommandWrites) KeyMiss(key);
    }

    /// <summary>The running command is flagged write (its typed lookups are lookupKeyWrite).</summary>
    public bool CommandWrites => Command != null && (Command.Flags & Commands.CommandFlags.Write) != 0;

    /// <summary>
    /// An absolute expiry time already reached (Redis's checkAlreadyExpired): the key goes at
    /// once. Never while loading: a replayed PEXPIREAT set a TTL when it ran, whatever the clock says now.
    /// </summary>
    public bool IsPast(long whenMs) => whenMs <= NowMs && !_server.Events.Loading;

    /// <summary>Close after the replies already written are flushed (QUIT, protocol errors).</summary>
    public void CloseAfterReply() => _closeAfterReply = true;

    /// <summary>
    /// Closes the connection from another thread. CLIENT KILL, a timeout, an output limit or
    /// eviction drop what it was still owed at once (Redis's freeClient); shutdown
    /// (<paramref name="dropOutput"/> false) lets the replies already produced go out first.
    /// </summary>
    public void Kill(bool dropOutput = true)
    {
        _dropOutput = dropOutput;
        _killed = true;
        Wake();
    }

    private volatile bool _dropOutput;

    public async Task RunAsync()
    {
        if (!_server.TryRegister(this))
        {
            // Refused (the server is stopping): the connection closes without a word.
            await _pipe.Input.CompleteAsync().ConfigureAwait(false);
            await _pipe.Output.CompleteAsync().ConfigureAwait(false);
            return;
        }
        try
        {
            while (!_killed)
            {
                var result = await _pipe.Input.ReadAsync().ConfigureAwait(false);
                if (_killed) break;
                var buffer = result.Buffer;
                long before = buffer.Length;
                if (!buffer.IsEmpty) Traffic.Reads++;
                // A cancelled read is a wake-up: output from other connections, or a block's timeout.
                if (!buffer.IsEmpty || result.IsCanceled) ProcessBatch(ref buffer, result.IsCompleted);
                Traffic.InputBytes += before - buffer.Length;
                Volatile.Write(ref _inputBuffered, buffer.Length);
                if (_killed) break; // over client-output-buffer-limit
                // Stopped for output with whole frames left: read them again at once, after the flush.
                if (_outputPaused) _pipe.Input.AdvanceTo(buffer.Start);
                else _pipe.Input.AdvanceTo(buffer.Start, buffer.End);

                if (!_closeAfterReply && buffer.Length > _server.Config.ClientQueryBufferLimit)
                {
                    _server.Logger.LogClosingOverLimit(Id, buffer.Length);
                    break;
                }
                if (HoldsRepliesForMoreInput(buffer, result.IsCompleted)) continue;
                long unflushed = _pipe.Output.UnflushedBytes;
                if (unflushed > 0)
                {
                    Traffic.OutputBytes += unflushed;
                    Traffic.Writes++;
                }
                var flush = await _pipe.Output.FlushAsync().ConfigureAwait(false);
                if (_closeAfterReply || result.IsCompleted || flush.IsCompleted || flush.IsCanceled) break;
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            // The peer went away mid-read or mid-write: nothing to answer.
        }
        catch (Exception e)
        {
            // Anything else is a bug: say so loudly, then drop only this connection.
            _server.Logger.LogError(e, "Client {Id} closed after an unexpected error", Id);
        }
        finally
        {
            using (_server.LockForClient())
            {
                LeaveRegistries();
                // One step for INFO (which runs under the lock): not a client any more, counted as closed.
                _server.Unregister(this);
                _server.Stats.ClosedConnections.Add(Traffic);
            }
            Request.Release();
            await _pipe.Input.CompleteAsync().ConfigureAwait(false);
            // Killed: the transport drops what is unsent and closes at once (Redis's freeClient).
            bool drop = _killed && _dropOutput;
            await _pipe.Output.CompleteAsync(drop ? new IOException("client killed") : null).ConfigureAwait(false);
            if (drop && _pipe is IAbortable transport) transport.Abort();
        }
    }

    /// <summary>
    /// Input that ends mid-frame means the client is still sending this batch: its replies
    /// are held (up to 64 KB) and sent with the rest, one send per batch as Redis does. Only
    /// a client that stops mid-frame waits, and only for its own replies.
    /// </summary>
    private bool HoldsRepliesForMoreInput(in ReadOnlySequence<byte> rest, bool inputCompleted) =>
        !rest.IsEmpty && !_closeAfterReply && !inputCompleted && !IsBlocked && !_outputPaused && !_postponed
        && _pipe.Output.UnflushedBytes < 64 * 1024;

    internal void ProcessBatch(ref ReadOnlySequence<byte> buffer, bool inputCompleted)
    {
        var limits = _server.Limits;
        if (_server.Loading && RefuseWhileLoading(ref buffer, limits)) return;
        var ticket = Persistence.CommitTicket.None;
        Persistence.AofPersistence? aof;
        using (_server.LockForClient())
        {
            aof = _server.Aof; // read under the lock: a batch that waited out loading must log its writes
            long epochAtStart = aof?.AppendedEpoch ?? 0;
            if (_server.ShuttingDown)
            {
                _closeAfterReply = true;
                return;
            }
            NowMs = LastInteractionMs = RedisServer.NowMs();
            _outputPaused = false;
            TakePendingOutput();
            _batchMark = 0;
            _postponed = false;
            // A blocked connection runs nothing more until it is served or times out.
            while (!_closeAfterReply && !IsBlocked)
            {
                _frame = buffer;
                var status = RespReader.TryParse(ref buffer, Request, limits, Authenticated, out var error);
                if (status == RespParseStatus.Incomplete) break;
                if (status == RespParseStatus.Error)
                {
                    ProtocolError(error!);
                    break;
                }
                _frameEnd = buffer.Start;
                if (_server.Pause.Kind != PauseKind.None && HeldByPause())
                {
                    buffer = _frame; // the command stays unread until the pause ends
                    Request.Release();
                    break;
                }
                BeforeCommandReply();
                _nextInBatch = true;
                Execute();
                LoudAgain();
                Request.Release();
                // Connections blocked on keys this command created are served now, before anything else runs.
                if (_server.Blocking.HasReady) _server.Blocking.ServeReady(NowMs);
                if (OutputOverLimit()) break;
            }
            EndBatchTiming();
            // Group commit: this batch's records, and everything appended before them by any
            // connection, are flushed and fenced before its replies leave; a read that saw
            // another connection's write waits for that write too. While the client is still
            // sending (its replies held, above) nothing leaves, so the commit waits for the
            // receive that completes the batch: one fence per client batch, not per receive.
            // On an event loop the commit (and the replies) wait for the end of its iteration.
            if (aof != null && !HoldsRepliesForMoreInput(buffer, inputCompleted)) ticket = aof.EndClientBatch(NowMs, epochAtStart);
        }
        aof?.CompleteCommit(ticket, _server.ExecLock);
    }

    /// <summary>A malformed frame: Redis's error, counted, and the connection closes after it (with or without the lock).</summary>
    private void ProtocolError(string error)
    {
        Interlocked.Increment(ref _server.Stats.ProtocolErrors);
        Reply.Error("ERR " + error);
        _closeAfterReply = true;
    }

    /// <summary>
    /// While the log is replayed (the loader holds the execution lock), answers LOADING to
    /// every command without Redis's loading flag, and the other refusals that need no shared
    /// state, without taking the lock: a client polling a loading server costs the replay
    /// nothing. Stops before the first loading-flagged command (INFO, CONFIG, SHUTDOWN, …),
    /// which the locked path runs. True when it consumed the whole batch.
    /// </summary>
    private bool RefuseWhileLoading(ref ReadOnlySequence<byte> buffer, RespLimits limits)
    {
        bool consumed = false;
        NowMs = LastInteractionMs = RedisServer.NowMs();
        while (!_closeAfterReply)
        {
            var before = buffer;
            var status = RespReader.TryParse(ref buffer, Request, limits, Authenticated, out var error);
            if (status == RespParseStatus.Incomplete) return consumed;
            if (status == RespParseStatus.Error)
            {
                ProtocolError(error!);
                return true;
            }
            if (Admit() is { } cmd)
            {
                if ((cmd.Flags & CommandFlags.Loading) != 0)
                {
                    Request.Release();
                    buffer = before; // the locked path runs it
                    return false;
                }
                Reject(RedisServer.LoadingError, cmd);
            }
            Request.Release();
            consumed = true;
        }
        return true;
    }

    /// <summary>Replies a batch may hold before it stops to flush them (the rest of its input waits).</summary>
    private const long BatchOutputCap = 4 * 1024 * 1024;
    private bool _outputPaused;

    /// <summary>CLIENT NO-EVICT: maxmemory-clients never evicts this connection.</summary>
    public bool NoEvict { get; set; }

    // Bytes received and not yet parsed after the last batch (the query buffer).
    private long _inputBuffered;

    /// <summary>Input received and not yet run (CLIENT LIST qbuf).</summary>
    public long InputBufferBytes => Volatile.Read(ref _inputBuffered);

    /// <summary>
    /// Output waiting for the client (CLIENT LIST omem): replies of the batch not yet flushed,
    /// what other connections queued for it, and what was flushed but not yet sent.
    /// </summary>
    public long OutputBufferBytes
    {
        get
        {
            long sent = _pipe switch
            {
                Pipelines.Sockets.Unofficial.SocketConnection socket => socket.BytesSent,
                ISendCounter counter => counter.BytesSent,
                _ => Traffic.OutputBytes,
            };
            long unsent = Math.Max(0, Traffic.OutputBytes - sent);
            return unsent + PendingOutputBytes;
        }
    }

    /// <summary>The connection's TCP socket (null for the server's own sessions).</summary>
    public System.Net.Sockets.Socket? Socket => _pipe switch
    {
        Pipelines.Sockets.Unofficial.SocketConnection connection => connection.Socket,
        ISocketTransport transport => transport.Socket,
        _ => null,
    };

    /// <summary>What the connection holds in buffers: what maxmemory-clients counts (CLIENT LIST tot-mem).</summary>
    public long MemoryUsage => InputBufferBytes + OutputBufferBytes;

    private long _softLimitSinceSec; // when the output was first seen over the soft limit (Unix seconds; 0: not over)

    /// <summary>
    /// Redis's checkClientOutputBufferLimits, at each addition to the output: at or over the
    /// hard limit, or over the soft limit in checks more than its seconds apart (whole Unix
    /// seconds, as server.unixtime; a check under the soft limit starts the clock again).
    /// </summary>
    internal bool OverOutputLimit(long bytes, in Configuration.OutputLimit limit)
    {
        if (limit.Hard > 0 && bytes >= limit.Hard) return true;
        if (limit.Soft > 0 && bytes >= limit.Soft)
        {
            long now = RedisServer.NowMs() / 1000;
            if (_softLimitSinceSec == 0)
            {
                _softLimitSinceSec = now;
                return false;
            }
            return now - _softLimitSinceSec > limit.Seconds;
        }
        _softLimitSinceSec = 0;
        return false;
    }

    /// <summary>
    /// After each command: a client over client-output-buffer-limit's normal limits is
    /// closed (Redis's closeClientOnOutputBufferLimitReached); below it, a batch whose replies
    /// pass <see cref="BatchOutputCap"/> stops so they are flushed first. A client that
    /// never reads then stalls in its flush and is read no further: memory stays bounded.
    /// </summary>
    private bool OutputOverLimit()
    {
        long unflushed = _pipe.Output.UnflushedBytes;
        if (SubscriptionCount == 0 && OverOutputLimit(unflushed, _server.Config.NormalOutputLimit))
        {
            _server.Stats.OutputLimitDisconnections++;
            _killed = true;
            return true;
        }
        _outputPaused = unflushed > BatchOutputCap;
        return _outputPaused;
    }

    // The bytes of the frame being executed, as received: what the log references.
    private ReadOnlySequence<byte> _frame;
    private SequencePosition _frameEnd;

    /// <summary>The current command's bytes exactly as received.</summary>
    public ReadOnlySequence<byte> Frame => _frame.Slice(_frame.Start, _frameEnd);

    /// <summary>A session that replays log records: no socket, replies discarded, nothing logged.</summary>
    public static ClientSession ForReplay(RedisServer server) => Internal(server, replaying: true);

    private ArrayBufferWriter<byte>? _replySink;
    public bool IsReplaying { get; private init; }

    /// <summary>Applies one logged command in database <paramref name="db"/>.</summary>
    public void Replay(int db, ReadOnlySequence<byte> command)
    {
        Select(db);
        Apply(command, null);
    }

    /// <summary>
    /// A session that imports commands from a file as if a client sent them: they are
    /// executed and logged; replies are discarded (errors counted).
    /// </summary>
    public static ClientSession ForImport(RedisServer server) => Internal(server, replaying: false);

    /// <summary>
    /// A session of the server's own (replay, import): no socket, replies kept in a sink and
    /// counted nowhere, and it runs while the server is loading.
    /// </summary>
    private static ClientSession Internal(RedisServer server, bool replaying)
    {
        var sink = new ArrayBufferWriter<byte>(1024);
        var session = new ClientSession(server, NoPipe.Instance, sink, null, null)
        {
            Authenticated = true, IsReplaying = replaying, IsInternal = true, _replySink = sink,
        };
        session.Reply.ErrorWritten = null;
        return session;
    }

    /// <summary>The server's own session (replay, import), not a client's.</summary>
    public bool IsInternal { get; private init; }

    /// <summary>
    /// Executes every complete frame in <paramref name="commands"/> (import and replay);
    /// <paramref name="onError"/> gets the text of each error reply. Returns the bytes consumed.
    /// </summary>
    public long Apply(ReadOnlySequence<byte> commands, Action<string>? onError)
    {
        long start = commands.Length;
        NowMs = RedisServer.NowMs();
        while (true)
        {
            _frame = commands;
            if (RespReader.TryParse(ref commands, Request, RespLimits.Default, true, out _) != RespParseStatus.Complete) break;
            _frameEnd = commands.Start;
            Execute();
            Request.Release();
            var written = _replySink!.WrittenSpan;
            if (onError != null && written.Length > 0 && written[0] == (byte)'-')
                onError(System.Text.Encoding.UTF8.GetString(written[1..]).TrimEnd());
            _replySink.ResetWrittenCount();
        }
        _server.Aof?.EndBatch(NowMs);
        return start - commands.Length;
    }

    private sealed class NoPipe : IDuplexPipe
    {
        public static readonly NoPipe Instance = new();
        public PipeReader Input => throw new InvalidOperationException("replay session has no input");
        public PipeWriter Output => throw new InvalidOperationException("replay session has no output");
    }
}
