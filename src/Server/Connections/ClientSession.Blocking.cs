using System.Buffers;
using PasteRedis.Resp;
using PasteRedis.Server.Commands;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Connections;

/// <summary>
/// A connection blocked by BLPOP and friends, and output other connections produce for
/// it (a served blocking command's reply, pub/sub messages). Such output is written under
/// the execution lock into <see cref="_pending"/>, never into the pipe (the connection's
/// own loop may be flushing it); the loop moves it into the pipe at its next batch, woken
/// by a cancelled read.
/// </summary>
internal sealed partial class ClientSession
{
    private byte[]? _blockedFrame;
    private RedisType _blockedType;
    private readonly List<byte[]> _blockedKeys = [];
    private Database? _blockedDb;
    private long _blockDeadlineMs;
    private bool _blockNullIsArray, _reblocked;
    private byte[]? _blockTimeoutReply; // WAIT, WAITAOF: what a timeout answers instead of a null
    private Timer? _blockTimer;
    private ArrayBufferWriter<byte>? _pending;

    /// <summary>Waiting in a blocking command: nothing else from this client runs until it is served or times out.</summary>
    public bool IsBlocked => _blockedFrame != null;

    /// <summary>Blocked with a timeout (Redis's timeout table: a 0 timeout waits forever and is not in it).</summary>
    public bool IsBlockedWithTimeout => IsBlocked && _blockDeadlineMs != 0;

    /// <summary>False inside EXEC, during replay and import: there a blocking command answers at once.</summary>
    public bool CanBlock => !InExec && !IsReplaying && _replySink == null;

    public RedisType BlockedType => _blockedType;

    /// <summary>
    /// Blocks on the keys at arguments <paramref name="firstKey"/>..<paramref name="lastKey"/>
    /// (Redis's blockForKeys). Called again while the command is re-run for a ready key and
    /// still finds nothing, it keeps the first deadline and the place in line.
    /// </summary>
    public void Block(int firstKey, int lastKey, RedisType type, long timeoutMs, bool nullIsArray, byte[]? frame = null, byte[]? timeoutReply = null)
    {
        _blockedNow = true;
        _blockTimeoutReply = timeoutReply; // a WAIT looking again: its timeout answers the count it saw last
        if (IsBlocked)
        {
            _reblocked = true;
            return;
        }
        _blockedFrame = frame ?? Frame.ToArray(); // XREAD "$": the IDs it meant when it blocked
        _blockedType = type;
        _blockedDb = Db;
        _blockNullIsArray = nullIsArray;
        for (int i = firstKey; i <= lastKey; i++)
        {
            var key = Request.Arg(i).ToArray();
            if (_blockedKeys.Exists(k => k.AsSpan().SequenceEqual(key))) continue;
            _blockedKeys.Add(key);
            _server.Blocking.Add(Db, key, this);
        }
        _blockDeadlineMs = timeoutMs > 0 ? NowMs + timeoutMs : 0;
        if (timeoutMs > 0) _blockTimer = new Timer(static s => ((ClientSession)s!).Wake(), this, timeoutMs, Timeout.Infinite);
    }

    // The blocking command's run that left this connection blocked: counted when it is
    // answered (Redis's updateStatsOnUnblock), by a timeout or CLIENT UNBLOCK; a command
    // served by a push runs again and is counted then.
    private bool _blockedNow;
    private RedisCommand? _blockedCommand;
    private long _blockedTicks;

    private void RecordUnblocked(bool failed, bool slowLog)
    {
        if (_blockedCommand == null || _blockedFrame == null) return;
        var args = new RespRequest();
        var frame = new ReadOnlySequence<byte>(_blockedFrame);
        if (RespReader.TryParse(ref frame, args, RespLimits.Default, true, out _) == RespParseStatus.Complete)
            _server.Calls.Record(this, _blockedCommand, _blockedTicks, failed, args, slowLog);
        args.Release();
        _blockedCommand = null;
    }

    private void Unblock()
    {
        if (!IsBlocked) return;
        foreach (var key in _blockedKeys) _server.Blocking.Remove(_blockedDb!, key, this);
        _blockedKeys.Clear();
        _blockedFrame = null;
        _blockedDb = null;
        _blockTimer?.Dispose();
        _blockTimer = null;
    }

    /// <summary>
    /// A key this connection waits on became ready (under the lock, on the pushing
    /// connection's thread): runs the blocking command again, its reply going to the
    /// pending output; unless it found nothing after all, the connection is unblocked and woken.
    /// </summary>
    public void ServeBlocked(long nowMs)
    {
        var frame = new ReadOnlySequence<byte>(_blockedFrame!);
        var (savedFrame, savedEnd) = (_frame, _frameEnd);
        _frame = frame;
        if (RespReader.TryParse(ref frame, Request, RespLimits.Default, true, out _) != RespParseStatus.Complete) return;
        _frameEnd = frame.Start;
        var output = Reply.Output;
        Reply.Output = PendingOutput;
        NowMs = nowMs;
        _reblocked = false;
        try { Execute(); }
        finally
        {
            Reply.Output = output;
            Request.Release();
            (_frame, _frameEnd) = (savedFrame, savedEnd);
        }
        if (_reblocked) return;
        Unblock();
        Wake();
    }

    /// <summary>At the start of this connection's batch: moves output others produced into the pipe; answers a timed-out block.</summary>
    private void TakePendingOutput()
    {
        if (_pending is { WrittenCount: > 0 })
        {
            Reply.Raw(_pending.WrittenSpan);
            _pending.ResetWrittenCount();
            if (_pending.Capacity > 1024 * 1024) _pending = null;
        }
        if (!IsBlocked || _blockDeadlineMs == 0) return;
        long left = _blockDeadlineMs - RedisServer.NowMs();
        if (left > 0)
        {
            _blockTimer?.Change(left, Timeout.Infinite); // woken early: wait for the rest
            return;
        }
        RecordUnblocked(failed: false, slowLog: false); // Redis 7.0 counts a timed-out command, and logs it nowhere
        Unblock();
        if (_blockTimeoutReply != null) Reply.Raw(_blockTimeoutReply);
        else if (_blockNullIsArray) Reply.NullArray();
        else Reply.Null();
    }

    /// <summary>
    /// CLIENT UNBLOCK from another connection: answers the blocked command as its timeout
    /// would, or with the UNBLOCKED error, and wakes this connection. False when not blocked.
    /// </summary>
    public bool UnblockByRequest(bool error)
    {
        if (!IsBlocked) return false;
        var timeoutReply = _blockTimeoutReply;
        bool nullIsArray = _blockNullIsArray;
        RecordUnblocked(failed: error, slowLog: true);
        Unblock();
        var w = new RespWriter(PendingOutput) { Protocol = Reply.Protocol };
        if (error)
        {
            w.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
            _server.Stats.CountError("UNBLOCKED"); // the blocked client's error reply, counted as Redis counts it
        }
        else if (timeoutReply != null) w.Raw(timeoutReply);
        else if (nullIsArray) w.NullArray();
        else w.Null();
        Wake();
        return true;
    }

    /// <summary>SHUTDOWN waiting for the replicas: blocked with no keys and no timeout, until the process exits or the shutdown is aborted.</summary>
    public ClientSession BlockForShutdown()
    {
        Block(1, 0, default, 0, nullIsArray: false);
        return this;
    }

    /// <summary>A blocked command answered with <paramref name="message"/> (an aborted SHUTDOWN), and the connection woken.</summary>
    public void UnblockWithError(string message)
    {
        if (!IsBlocked) return;
        RecordUnblocked(failed: true, slowLog: false);
        Unblock();
        new RespWriter(PendingOutput) { Protocol = Reply.Protocol, ErrorWritten = _server.Stats.CountError }.Error(message);
        Wake();
    }

    /// <summary>Where other connections write output for this one (under the execution lock).</summary>
    public ArrayBufferWriter<byte> PendingOutput => _pending ??= new ArrayBufferWriter<byte>(256);

    public long PendingOutputBytes => _pending?.WrittenCount ?? 0;

    private int _wakeQueued;

    /// <summary>
    /// Makes the connection's loop run a batch soon (pending output, a timeout, a kill) even
    /// without input. The read is cancelled from the thread pool, never here: the pipes run
    /// continuations inline, so cancelling on the caller's thread would run this connection's
    /// loop inside the caller's command (a publisher's, a pusher's), under its lock.
    /// </summary>
    public void Wake()
    {
        if (_replySink != null) return;
        if (Interlocked.Exchange(ref _wakeQueued, 1) == 0) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        Volatile.Write(ref _wakeQueued, 0);
        try
        {
            _pipe.Input.CancelPendingRead();
            if (_killed) _pipe.Output.CancelPendingFlush();
        }
        catch (InvalidOperationException) { } // the pipe is already completed: the connection is closing
    }

    // Held back by CLIENT PAUSE: its next command waits, unread, until the pause ends.
    private bool _postponed;

    /// <summary>
    /// Whether CLIENT PAUSE holds back the command just parsed. Commands that would be
    /// refused anyway (unknown, arity, NOAUTH) are not held: they are answered at once, as
    /// Redis's processCommand refuses them before its pause check.
    /// </summary>
    private bool HeldByPause()
    {
        if (LookUp(out _) is not { } cmd || !Admissible(cmd) || !_server.Pause.Holds(this, cmd, NowMs)) return false;
        _postponed = true;
        _server.Pause.Postpone(this);
        return true;
    }

    /// <summary>The pause ended: run what was held back.</summary>
    public void Resume() => Wake();

    /// <summary>When the connection closes, under the lock: it waits on nothing, watches nothing, hears nothing.</summary>
    private void LeaveRegistries()
    {
        _server.Tracking.Disable(this);
        _server.Monitors.Remove(this);
        _server.Replication.Detach(this);
        _server.Pause.Forget(this);
        Unblock();
        UnwatchAll();
        UnsubscribeAll(notify: false);
    }
}
