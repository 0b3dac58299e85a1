using System.Text;
using PasteRedis.Server.Commands;
using PasteRedis.Server.Diagnostics;
using PasteRedis.Server.Persistence;

namespace PasteRedis.Server.Connections;

internal sealed partial class ClientSession
{
    /// <summary>The command being executed (subcommand entry for container commands).</summary>
    public RedisCommand? Command { get; private set; }

    /// <summary>
    /// The checks of processCommand that need nothing but the command table and this
    /// connection: existence, subcommand, arity, authentication. Returns the command
    /// (subcommand entry for containers), or null when it was refused (the error is replied).
    /// </summary>
    private RedisCommand? Admit()
    {
        var req = Request;
        var found = LookUp(out var top);
        if (top is { IsProtected: true } && req.Count >= 2)
        {
            if (!DebugCommands.Allowed(this))
            {
                Reject(DebugCommands.NotAllowed, top);
                return null;
            }
            if (AdmitAuthenticated(top) == null) return null;
            if (found != null && found.ArityOk(req.Count)) return found;
            Reject($"ERR unknown subcommand or wrong number of arguments for '{Truncate(req.Arg(1), 128)}'. Try {top.Name.ToUpperInvariant()} HELP.", top);
            return null;
        }
        if (found is not { } cmd)
        {
            if (top == null) Reject(UnknownCommandMessage());
            else Reject($"ERR unknown subcommand '{Truncate(req.Arg(1), 128)}'. Try {top.Name.ToUpperInvariant()} HELP.");
            return null;
        }
        if (!cmd.ArityOk(req.Count) || cmd.Handler == null)
        {
            Reject($"ERR wrong number of arguments for '{cmd.FullName}' command", cmd);
            return null;
        }
        return AdmitAuthenticated(cmd);
    }

    private RedisCommand? AdmitAuthenticated(RedisCommand cmd)
    {
        if (!Authenticated && (cmd.Flags & CommandFlags.NoAuth) == 0)
        {
            Reject("NOAUTH Authentication required.", cmd);
            return null;
        }
        if (!User.Unrestricted && !IsInternal && !Permitted(cmd)) return null;
        return cmd;
    }

    /// <summary>
    /// The ACL check (Redis's ACLCheckAllPerm in processCommand, and again in EXEC for each
    /// queued command, whose user's rules may have changed since): refused commands are
    /// logged and answered NOPERM.
    /// </summary>
    private bool Permitted(RedisCommand cmd)
    {
        var denial = _server.Acl.Check(User, cmd, Request, out int denied);
        if (denial == Acl.AclDenial.None) return true;
        _server.Acl.LogDenial(this, denial, cmd, Request, denied, InExec || InMulti ? "multi" : "toplevel", clientRunsIt: !InExec);
        if (InExec)
            Reject("NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. " +
                   "This command is no longer allowed for the following reason: " + denial switch
                   {
                       Acl.AclDenial.Command => "no permission to execute the command or subcommand",
                       Acl.AclDenial.Key => "no permission to touch the specified keys",
                       _ => "no permission to access one of the channels used as arguments",
                   }, cmd);
        else Reject(Acl.AccessControl.Error(denial, cmd), cmd);
        return false;
    }

    /// <summary>
    /// The table entry the request names (the subcommand's, for a container given one), or
    /// null when the name or the subcommand is unknown; <paramref name="top"/> is the
    /// top-level entry when the name is known.
    /// </summary>
    private RedisCommand? LookUp(out RedisCommand? top)
    {
        if (!(IsReplaying ? _server.Commands.TryGetInternal(Request.Arg(0), out var cmd) : _server.Commands.TryGet(Request.Arg(0), out cmd)))
        {
            top = null;
            return null;
        }
        top = cmd;
        if (cmd.Subcommands == null || Request.Count < 2) return cmd;
        return cmd.SubLookup!.TryGet(Request.Arg(1), out var sub) ? sub : null;
    }

    /// <summary>Admit's last checks, without a reply: arity and authentication let the command run.</summary>
    private bool Admissible(RedisCommand cmd) =>
        cmd.ArityOk(Request.Count) && cmd.Handler != null && (Authenticated || (cmd.Flags & CommandFlags.NoAuth) != 0);

    /// <summary>Admits the command (<see cref="Admit"/>), checks what needs the server's state (loading, MULTI, memory, the log) as processCommand does, and runs it.</summary>
    private void Execute()
    {
        bool chained = _nextInBatch;
        _nextInBatch = false;
        if (Admit() is not { } cmd) return;
        if (_server.Loading && !IsInternal && (cmd.Flags & CommandFlags.Loading) == 0)
        {
            Reject(RedisServer.LoadingError, cmd);
            return;
        }
        if (InMulti && (cmd.Flags & CommandFlags.NoMulti) != 0)
        {
            Reject("ERR Command not allowed inside a transaction", cmd);
            return;
        }
        if (InSubscribedContext && (cmd.Flags & CommandFlags.SubscribedContext) == 0)
        {
            Reject($"ERR Can't execute '{cmd.FullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", cmd);
            return;
        }
        // EXEC is refused as a whole when what it would run is refused (Redis's execCommandAbort).
        bool isExec = InMulti && cmd.Handler == TransactionCommands.Exec;
        var flags = isExec ? QueuedFlags : cmd.Flags;
        // A script runs with its declared flags where they matter: on a replica, and when memory is short.
        if (cmd.RunsScript && Request.Count > 1 && !IsInternal
            && (_server.Master != null || !_server.Replication.EnoughGoodReplicas || (_server.Memory is { } m && m.UnderPressure(_server.Config.MaxMemory))))
            flags = _server.ScriptCommandFlags(cmd, Request.Arg(1));
        if (!IsReplaying && !InExec && (flags & CommandFlags.DenyOom) != 0 && _server.Memory is { } memory
            && memory.UnderPressure(_server.Config.MaxMemory) && !memory.TryRelievePressure(_server, NowMs))
        {
            RejectOrAbortExec(cmd, isExec, PasteRedis.Server.Memory.PasteMemory.OomError);
            return;
        }
        var aof = IsReplaying ? null : _server.Aof;
        // A full log refuses writes that may grow the data; deletes and the like use the reserve.
        if (aof != null && (flags & CommandFlags.Write) != 0 && !aof.HasRoom
            && ((flags & CommandFlags.DenyOom) != 0 || !aof.HasReserve)
            && (InExec || !aof.TryMakeRoom(_server)))
        {
            RejectOrAbortExec(cmd, isExec, AofPersistence.MisconfError);
            return;
        }
        // stop-writes-on-bgsave-error: with save points, no writes (nor PING) while the last background save failed.
        if (!IsInternal && _server.Snapshots.RefusesWrites && ((flags & CommandFlags.Write) != 0 || cmd.Name == "ping"))
        {
            RejectOrAbortExec(cmd, isExec, Persistence.RdbSnapshots.BgsaveError);
            return;
        }
        // min-replicas-to-write: no writes without enough replicas acknowledging in time.
        if (!IsInternal && (flags & CommandFlags.Write) != 0 && !_server.Replication.EnoughGoodReplicas)
        {
            RejectOrAbortExec(cmd, isExec, "NOREPLICAS Not enough good replicas to write.");
            return;
        }
        // A read-only replica takes writes from its master only (its link's session is internal).
        if (_server.Master != null && !IsInternal && (flags & CommandFlags.Write) != 0 && _server.Config.Get("replica-read-only") == "yes")
        {
            RejectOrAbortExec(cmd, isExec, "READONLY You can't write against a read only replica.");
            return;
        }
        // A replica whose link is down serves no data with replica-serve-stale-data no: only
        // commands flagged stale run (INFO, REPLICAOF, …; a script declaring allow-stale); EXEC
        // when everything queued is.
        if (_server.Master is { Up: false } && !IsInternal && _server.Config.Get("replica-serve-stale-data") == "no"
            && (isExec ? (QueuedInverseFlags & CommandFlags.Stale) != 0 : (flags & CommandFlags.Stale) == 0))
        {
            RejectOrAbortExec(cmd, isExec, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
            return;
        }
        if (InMulti && (cmd.Flags & CommandFlags.TransactionControl) == 0)
        {
            Queue(cmd);
            return;
        }
        Command = cmd;
        LastCommand = cmd.FullName;
        _server.Stats.CommandsProcessed++;
        if (aof != null && cmd.MayChangeKeyspace && aof.RewriteInProgress) aof.BeforeWrite(_server, this, cmd);
        long dirty = _server.Events.Dirty;
        _log.Clear();
        _logReplaced = false;
        KeysTouchedByHandler = false;
        // Timed for INFO commandstats, SLOWLOG and LATENCY (not the server's own replay and
        // import): the handler and the command's logging. A clock reading costs more than a
        // pipelined GET's share of a batch (~10 % of its throughput here), so a constant-time
        // command after another command in the same batch reads no clock: the run of such
        // commands shares the time until the next reading equally (SettleUntimed).
        bool counted = !IsInternal || IsScriptSession;
        bool untimed = counted && chained && _batchMark != 0 && cmd.SharesBatchTime;
        long started = 0, uncounted = 0;
        if (counted)
        {
            _blockedNow = false;
            _server.Calls.BeforeCall();
            uncounted = Reply.UncountedErrors;
            if (!untimed)
            {
                started = chained && _batchMark != 0 && _untimed.Count == 0 ? _batchMark : CycleClock.Now();
                if (_untimed.Count > 0) SettleUntimed(started);
            }
        }
        cmd.Handler!(this); // Admit refused containers without a subcommand
        if (cmd.MayChangeKeyspace && _server.Events.Dirty != dirty)
        {
            if (!KeysTouchedByHandler) _server.Watches.TouchWritten(this, cmd);
            if (aof != null) Persist(aof);
            ReplicationOffset = _server.Replication.Offset;
        }
        if (Tracking != TrackingMode.None) AfterTrackedCommand(cmd);
        if (untimed)
        {
            _server.Calls.Record(this, cmd, 0, Reply.UncountedErrors != uncounted, Request, slowLog: false, timed: false);
            _untimed.Add(cmd);
        }
        else if (counted)
        {
            long ended = CycleClock.Now();
            if (chained) _batchMark = ended;
            if (!_blockedNow) _server.Calls.Record(this, cmd, ended - started, Reply.UncountedErrors != uncounted, Request);
            else (_blockedCommand, _blockedTicks) = (cmd, ended - started); // counted when answered
        }
        if (_server.Monitors.Count > 0 && !IsReplaying && (cmd.Flags & CommandFlags.SkipMonitor) == 0) _server.Monitors.Feed(this, cmd);
    }

    // Set by the batch loop for the command it runs (not for those that command runs), and
    // where the last timed command of the batch ended (0: none yet).
    private bool _nextInBatch;
    private long _batchMark;
    private readonly List<RedisCommand> _untimed = [];

    /// <summary>
    /// The constant-time commands run since <see cref="_batchMark"/> without a clock reading share
    /// the time until <paramref name="now"/> equally (the slow log names such a command
    /// only by its name: its arguments are gone by then).
    /// </summary>
    private void SettleUntimed(long now)
    {
        long share = (now - _batchMark) / _untimed.Count;
        // A pipeline is mostly one command over and over: each run of it is settled at once.
        for (int i = 0; i < _untimed.Count;)
        {
            var cmd = _untimed[i];
            int run = 1;
            while (i + run < _untimed.Count && _untimed[i + run] == cmd) run++;
            _server.Calls.AddShare(this, cmd, share, run);
            i += run;
        }
        _untimed.Clear();
        _batchMark = now;
    }

    /// <summary>At the end of a batch: the untimed commands' time is settled.</summary>
    private void EndBatchTiming()
    {
        if (_untimed.Count > 0) SettleUntimed(CycleClock.Now());
        _batchMark = 0;
    }

    private void RejectOrAbortExec(RedisCommand cmd, bool isExec, string error)
    {
        if (!isExec)
        {
            Reject(error, cmd);
            return;
        }
        Interlocked.Increment(ref cmd.RejectedCalls);
        DiscardMulti();
        UnwatchAll();
        Reply.Error("EXECABORT Transaction discarded because of: " + error);
    }

    /// <summary>CLIENT TRACKING: what is on, where invalidations go (0: here), BCAST prefixes.</summary>
    public TrackingMode Tracking { get; set; }
    public long TrackingRedirect { get; set; }
    public List<byte[]> TrackingPrefixes { get; } = [];

    /// <summary>
    /// A read-only command of a tracking connection remembers its keys (not in BCAST mode);
    /// CLIENT CACHING's choice lasts for one command (or one transaction), as in Redis.
    /// </summary>
    private void AfterTrackedCommand(RedisCommand cmd)
    {
        if ((Tracking & (TrackingMode.On | TrackingMode.Bcast)) == TrackingMode.On && (cmd.Flags & CommandFlags.ReadOnly) != 0)
            _server.Tracking.Remember(this, cmd);
        if (!InMulti && cmd.Parent?.Name != "client") Tracking &= ~TrackingMode.Caching;
    }

    /// <summary>Set by a handler that touched the watched keys it changed itself (COPY: the destination, not the source).</summary>
    public bool KeysTouchedByHandler { get; set; }

    // What the handler asked the log to record besides (or instead of) the frame.
    private readonly ComposedCommand _log = new();
    private bool _logReplaced;

    /// <summary>
    /// Logs the command that just changed the keyspace: the frame as received (by
    /// reference), or the handler's absolute form instead, or both as one atomic group.
    /// </summary>
    private void Persist(AofPersistence aof)
    {
        int db = Db.Id;
        if (!_logReplaced) aof.AppendReceived(db, Frame, groupContinues: _log.Count > 0);
        for (int i = 0; i < _log.Count; i++) aof.AppendComposed(db, _log[i], groupContinues: i < _log.Count - 1);
    }

    /// <summary>
    /// For handlers whose command would replay differently: log these composed commands
    /// instead of the frame (<paramref name="replace"/>) or after it, in one group.
    /// </summary>
    public ComposedCommand LogAbsolute(bool replace)
    {
        _logReplaced |= replace;
        return _log;
    }

    /// <summary>Redis 7's text: the name and up to 128 characters of arguments, each quoted.</summary>
    private string UnknownCommandMessage()
    {
        var sb = new StringBuilder("ERR unknown command '");
        sb.Append(Truncate(Request.Arg(0), 128)).Append("', with args beginning with: ");
        int start = sb.Length;
        for (int i = 1; i < Request.Count && sb.Length - start < 128; i++)
            sb.Append('\'').Append(Truncate(Request.Arg(i), 128 - (sb.Length - start))).Append("' ");
        return sb.ToString();
    }

    private static string Truncate(ReadOnlySpan<byte> s, int max) =>
        Encoding.UTF8.GetString(s.Length > max ? s[..Math.Max(0, max)] : s);

    /// <summary>Argument <paramref name="i"/> as text (for options and names, not for values).</summary>
    public string ArgString(int i) => Encoding.UTF8.GetString(Request.Arg(i));

    /// <summary>True when argument <paramref name="i"/> equals the ASCII keyword, ignoring case.</summary>
    public bool ArgIs(int i, ReadOnlySpan<byte> keyword) => Ascii.EqualsIgnoreCase(Request.Arg(i), keyword);
}
