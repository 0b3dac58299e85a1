using Microsoft.Extensions.Logging;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Hosting;

namespace PasteRedis.Server;

/// <summary>Stopping the server as Redis 7 stops: SHUTDOWN and the signals, waiting for lagging replicas, the final RDB file.</summary>
internal sealed partial class RedisServer
{
    /// <summary>
    /// Redis's prepareForShutdown, for SHUTDOWN and the signals (under the execution lock, or
    /// while loading). Unless NOW (or shutdown-timeout is 0, or nothing lags), it first waits
    /// for the replicas to acknowledge everything streamed to them: writes are paused, they
    /// are asked for their offsets, and <paramref name="client"/> (the SHUTDOWN's) is blocked
    /// until the cron sees them caught up or the timeout pass (<see cref="ShutdownCron"/>),
    /// or SHUTDOWN ABORT. Then <see cref="FinishShutdown"/>. Null, or the error to answer.
    /// </summary>
    public string? Shutdown(ShutdownFlags flags, ClientSession? client = null)
    {
        if (Loading) flags = (flags & ~ShutdownFlags.Save) | ShutdownFlags.NoSave;
        if (_pendingShutdown is { } pending)
        {
            // Already waiting for the replicas: this one waits too.
            if (client != null && client.CanBlock) pending.Clients.Add(client.BlockForShutdown());
            return null;
        }
        long timeoutMs = Config.Long("shutdown-timeout") * 1000;
        if ((flags & ShutdownFlags.Now) == 0 && timeoutMs > 0 && !Loading && !Replication.AllCaughtUp)
        {
            long now = NowMs();
            _pendingShutdown = pending = new PendingShutdown(flags, now + timeoutMs);
            if (client != null && client.CanBlock) pending.Clients.Add(client.BlockForShutdown());
            if (Pause.Kind == PauseKind.None) Replication.RequestAcks();
            Pause.Pause(now + timeoutMs + 1000, PauseKind.Write);
            Logger.LogInformation("Waiting for replicas before shutting down.");
            return null;
        }
        return FinishShutdown(flags);
    }

    private sealed record PendingShutdown(ShutdownFlags Flags, long DeadlineMs)
    {
        public List<ClientSession> Clients { get; } = [];
    }

    private PendingShutdown? _pendingShutdown;
    private bool _shutdownRequested;

    /// <summary>A shutdown is waiting for replicas or under way (a second SIGINT then exits at once).</summary>
    public bool ShutdownInitiated => _pendingShutdown != null || _shutdownRequested;

    /// <summary>
    /// The cron's part of a waiting shutdown (Redis's serverCron and finishShutdown): once
    /// every replica acknowledged the stream, or the timeout passed (the lagging ones are
    /// logged), the shutdown finishes; a failed save aborts it.
    /// </summary>
    private void ShutdownCron(long nowMs)
    {
        if (_pendingShutdown is not { } pending) return;
        bool caughtUp = Replication.AllCaughtUp;
        if (!caughtUp && nowMs < pending.DeadlineMs) return;
        int lagging = 0;
        foreach (var r in Replication.Replicas)
        {
            if (r.AckOffset >= Replication.Offset) continue;
            lagging++;
            Logger.LogInformation("Lagging replica {Replica} reported offset {Behind} behind master, lag={Lag}, state=online.",
                $"{r.Address}:{r.ListeningPort}", Replication.Offset - Math.Max(0, r.AckOffset), (nowMs - r.LastAckMs) / 1000);
        }
        if (Replication.Replicas.Count > 0)
            Logger.LogInformation("{InSync} of {Count} replicas are in sync when shutting down.", Replication.Replicas.Count - lagging, Replication.Replicas.Count);
        _pendingShutdown = null;
        if (FinishShutdown(pending.Flags) is { } error)
        {
            Pause.Unpause();
            foreach (var c in pending.Clients) c.UnblockWithError(error);
        }
    }

    /// <summary>SHUTDOWN ABORT: a waiting shutdown is called off (its SHUTDOWN clients get the error, writes resume). False when none waits.</summary>
    public bool AbortShutdown()
    {
        if (_pendingShutdown is not { } pending) return false;
        _pendingShutdown = null;
        Pause.Unpause();
        foreach (var c in pending.Clients) c.UnblockWithError("ERR Errors trying to SHUTDOWN. Check logs.");
        Logger.LogWarning("Shutdown manually aborted.");
        return true;
    }

    /// <summary>
    /// Redis's finishShutdown: the final RDB file first when asked (SAVE) or when save points
    /// exist (unless NOSAVE); a failed save stops the shutdown unless FORCE. Then the host
    /// stops (graceful: the log made durable).
    /// </summary>
    private string? FinishShutdown(ShutdownFlags flags)
    {
        if ((flags & ShutdownFlags.Save) != 0 || (Config.SavePoints.Length > 0 && (flags & ShutdownFlags.NoSave) == 0))
        {
            Logger.LogInformation("Saving the final RDB snapshot before exiting.");
            Snapshots.Wait();
            if (Snapshots.Save() != null)
            {
                if ((flags & ShutdownFlags.Force) == 0)
                {
                    Logger.LogWarning("Error trying to save the DB, can't exit.");
                    return "ERR Errors trying to SHUTDOWN. Check logs.";
                }
                Logger.LogWarning("Error trying to save the DB. Exit anyway.");
            }
        }
        _shutdownRequested = true;
        RequestShutdown?.Invoke();
        return null;
    }
}
