using System.Buffers;
using PasteRedis.Resp;
using PasteRedis.Server.Commands;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Connections;

/// <summary>
/// MULTI/EXEC/WATCH for one connection (Redis's multi.c). Queued commands are copied out
/// of the receive buffers (they must outlive them), parsed again at EXEC and executed back
/// to back under the execution lock; their records form one group in the log, so recovery
/// applies a transaction whole or not at all.
/// </summary>
internal sealed partial class ClientSession
{
    private ArrayBufferWriter<byte>? _queued;
    private readonly List<int> _queuedEnds = [];
    private CommandFlags _queuedFlags;
    private List<WatchedKey>? _watching;

    /// <summary>
    /// A key this connection WATCHes. <see cref="ExpiredWhenWatched"/>: its time had already
    /// passed at WATCH (Redis's watchedKey.expired), so its deletion by expiry is no change.
    /// </summary>
    internal sealed class WatchedKey(Database db, byte[] key, bool expiredWhenWatched)
    {
        public Database Db { get; } = db;
        public byte[] Key { get; } = key;
        public bool ExpiredWhenWatched { get; set; } = expiredWhenWatched;
    }

    /// <summary>Inside MULTI: commands are queued, not executed.</summary>
    public bool InMulti { get; private set; }

    /// <summary>Executing the queue of an EXEC: commands must not block, the log group is open.</summary>
    public bool InExec { get; private set; }

    /// <summary>A command was refused while queueing: EXEC answers EXECABORT (Redis's CLIENT_DIRTY_EXEC).</summary>
    public bool MultiAborted { get; private set; }

    /// <summary>A watched key changed since WATCH: EXEC answers null (Redis's CLIENT_DIRTY_CAS).</summary>
    public bool WatchedKeyChanged { get; set; }

    public int QueuedCount => _queuedEnds.Count;
    public int WatchedCount => _watching?.Count ?? 0;

    public void BeginMulti()
    {
        InMulti = true;
        MultiAborted = false;
        _queued ??= new ArrayBufferWriter<byte>(256);
    }

    /// <summary>An error reply that also spoils the transaction being queued (Redis's rejectCommand).</summary>
    private void Reject(string message)
    {
        Reply.Error(message);
        if (InMulti) MultiAborted = true;
        _server.Calls.BeforeCall(); // a refusal is no failure of a script's command that ran it (Redis's prev_err_count)
    }

    /// <summary>A known command refused before it ran: counted as rejected (Redis's rejectCommand).</summary>
    private void Reject(string message, RedisCommand cmd)
    {
        Interlocked.Increment(ref cmd.RejectedCalls);
        Reject(message);
    }

    private void Queue(RedisCommand cmd)
    {
        foreach (var segment in Frame) _queued!.Write(segment.Span);
        _queuedEnds.Add(_queued!.WrittenCount);
        _queuedFlags |= cmd.Flags;
        _queuedInverseFlags |= ~cmd.Flags;
        Reply.Raw("+QUEUED\r\n"u8);
    }

    /// <summary>Flags of every queued command together (EXEC is refused on OOM when any may grow memory).</summary>
    public CommandFlags QueuedFlags => _queuedFlags;

    /// <summary>Flags some queued command lacks (Redis's cmd_inv_flags: EXEC is stale only when every queued command is).</summary>
    public CommandFlags QueuedInverseFlags => _queuedInverseFlags;
    private CommandFlags _queuedInverseFlags;

    /// <summary>Leaves MULTI, dropping the queue (DISCARD, EXEC, RESET).</summary>
    public void DiscardMulti()
    {
        InMulti = false;
        MultiAborted = false;
        _queuedEnds.Clear();
        _queuedFlags = _queuedInverseFlags = CommandFlags.None;
        _queued?.ResetWrittenCount();
        if (_queued is { Capacity: > 1024 * 1024 }) _queued = null; // do not keep a huge queue's memory
    }

    /// <summary>
    /// Runs the queue: one array reply with each command's reply. The commands' records are
    /// one group in the log, closed by an EXEC record.
    /// </summary>
    public void ExecQueued()
    {
        var queue = _queued!;
        int count = _queuedEnds.Count;
        InMulti = false;
        InExec = true;
        var (frame, frameEnd) = (_frame, _frameEnd);
        var aof = IsReplaying ? null : _server.Aof;
        aof?.BeginTransaction();
        try
        {
            Reply.ArrayHeader(count);
            var memory = queue.WrittenMemory;
            int start = 0;
            for (int i = 0; i < count; i++)
            {
                var commands = new ReadOnlySequence<byte>(memory[start.._queuedEnds[i]]);
                start = _queuedEnds[i];
                _frame = commands;
                if (RespReader.TryParse(ref commands, Request, RespLimits.Default, true, out _) != RespParseStatus.Complete)
                {
                    Reply.Error("ERR internal error: a queued command could not be parsed again");
                    continue;
                }
                _frameEnd = commands.Start;
                Execute();
                Request.Release();
            }
        }
        finally
        {
            aof?.EndTransaction(Db.Id);
            InExec = false;
            (_frame, _frameEnd) = (frame, frameEnd);
            DiscardMulti();
        }
    }

    public void Watch(ReadOnlySpan<byte> key)
    {
        _watching ??= [];
        if (Watched(Db, key) != null) return;
        var copy = key.ToArray();
        _watching.Add(new WatchedKey(Db, copy, Db.HoldsExpired(copy, NowMs)));
        _server.Watches.Add(Db, copy, this);
    }

    /// <summary>This connection's watch on <paramref name="key"/> in <paramref name="db"/>, or null.</summary>
    internal WatchedKey? Watched(Database db, ReadOnlySpan<byte> key)
    {
        if (_watching != null)
            foreach (var w in _watching)
                if (w.Db == db && w.Key.AsSpan().SequenceEqual(key)) return w;
        return null;
    }

    /// <summary>
    /// At EXEC (Redis's isWatchedKeyExpired): a watched key whose time passed since WATCH
    /// is a change even if nothing has deleted it yet.
    /// </summary>
    public bool AWatchedKeyExpired()
    {
        if (_watching != null)
            foreach (var w in _watching)
                if (!w.ExpiredWhenWatched && w.Db.HoldsExpired(w.Key, NowMs)) return true;
        return false;
    }

    public void UnwatchAll()
    {
        if (_watching is { Count: > 0 })
        {
            foreach (var w in _watching) _server.Watches.Remove(w.Db, w.Key, this);
            _watching.Clear();
        }
        WatchedKeyChanged = false;
    }
}
