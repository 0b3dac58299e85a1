using PasteRedis.Server.Commands;

namespace PasteRedis.Server.Connections;

/// <summary>What CLIENT PAUSE holds back: nothing, commands that may write, or every command.</summary>
internal enum PauseKind { None, Write, All }

/// <summary>
/// CLIENT PAUSE / UNPAUSE (Redis 7.0's pauseClients): until the pause ends, a client whose
/// next command it covers is postponed, its input kept unread, and woken when the pause is
/// lifted or runs out. Pauses combine as Redis's do: the later end and the stronger kind
/// win. Kept under the execution lock (the timer takes it).
/// </summary>
internal sealed class ClientPause(RedisServer server)
{
    private readonly List<ClientSession> _postponed = [];
    private long _endMs;
    private Timer? _timer;

    public PauseKind Kind { get; private set; }

    /// <summary>Clients waiting for the pause to end.</summary>
    public int PostponedCount => _postponed.Count;

    public void Pause(long endMs, PauseKind kind)
    {
        if (kind > Kind) Kind = kind;
        if (endMs > _endMs) _endMs = endMs;
        server.Events.ExpiryPausedUntilMs = _endMs; // expiry and eviction wait too (see KeyspaceEvents)
        _timer ??= new Timer(_ =>
        {
            using (server.LockForClient()) Expire(RedisServer.NowMs());
        });
        Arm(RedisServer.NowMs());
    }

    // A timer may fire a little before the wall clock reaches the end: Expire arms it again.
    private void Arm(long nowMs) => _timer!.Change(Math.Max(1, _endMs - nowMs), Timeout.Infinite);

    /// <summary>Lifts the pause and wakes every postponed client, in the order they came.</summary>
    public void Unpause()
    {
        Kind = PauseKind.None;
        _endMs = 0;
        server.Events.ExpiryPausedUntilMs = 0;
        _timer?.Change(Timeout.Infinite, Timeout.Infinite);
        foreach (var c in _postponed) c.Resume();
        _postponed.Clear();
    }

    /// <summary>A pause whose time is up ends (Redis's checkClientPauseTimeoutAndReturnIfPaused).</summary>
    public void Expire(long nowMs)
    {
        if (Kind == PauseKind.None) return;
        if (_endMs <= nowMs) Unpause();
        else Arm(nowMs);
    }

    /// <summary>
    /// Whether <paramref name="cmd"/>, about to run for <paramref name="c"/>, waits for the
    /// pause: every command under ALL; under WRITE what Redis calls may-replicate: writes,
    /// PFCOUNT, PUBLISH, and scripts and functions not flagged no-writes (EXEC: by what it queued).
    /// </summary>
    public bool Holds(ClientSession c, RedisCommand cmd, long nowMs)
    {
        Expire(nowMs);
        if (Kind == PauseKind.None || cmd.FullName == "quit") return false;
        if (Kind == PauseKind.All) return true;
        if ((cmd.Flags & (CommandFlags.Write | CommandFlags.MayReplicate)) != 0) return true;
        return cmd.FullName switch
        {
            "publish" or "spublish" => true,
            "exec" => c.InMulti && (c.QueuedFlags & (CommandFlags.Write | CommandFlags.MayReplicate)) != 0,
            "eval" or "evalsha" or "fcall" => c.Request.Count < 2 || !server.ScriptIsReadOnly(cmd.FullName, c.Request.Arg(1)),
            _ => false,
        };
    }

    public void Postpone(ClientSession c)
    {
        if (!_postponed.Contains(c)) _postponed.Add(c);
    }

    public void Forget(ClientSession c) => _postponed.Remove(c);
}
