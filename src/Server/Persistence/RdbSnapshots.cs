using Microsoft.Extensions.Logging;

namespace PasteRedis.Server.Persistence;

/// <summary>
/// SAVE, BGSAVE and the save points: an RDB file of the keyspace (dbfilename in dir) for
/// backups and for moving data to a redis-server. The AOF stays this server's persistence:
/// the file is not read at start-up (--aof-import reads it). BGSAVE's snapshot is taken under the execution
/// lock, in memory (where Redis forks), and written and synced on another thread.
/// </summary>
internal sealed class RdbSnapshots(RedisServer server)
{
    private readonly object _gate = new();
    private Task? _background;
    private bool _scheduled;

    public bool InProgress { get { lock (_gate) return _background != null; } }
    public long Saves { get; private set; }
    public long DirtyAtLastSave { get; private set; }
    public string LastBackgroundStatus { get; private set; } = "ok";
    public long LastBackgroundSeconds { get; private set; } = -1;

    private string FilePath => Path.Combine(server.Config.Dir, server.Config.Get("dbfilename"));

    /// <summary>SAVE (under the execution lock): null, or the reason it failed.</summary>
    public string? Save()
    {
        if (InProgress) return "ERR Background save already in progress";
        try
        {
            Write(RdbValue.Snapshot(server, RedisServer.NowMs()));
            Saved(server.Events.Dirty);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OutOfMemoryException)
        {
            server.Logger.LogWarning("SAVE failed: {Error}", e.Message);
            return "ERR";
        }
    }

    /// <summary>
    /// stop-writes-on-bgsave-error: with save points, writes (and PING) are refused MISCONF
    /// while the last background save failed, as Redis's writeCommandsDeniedByDiskError.
    /// </summary>
    public bool RefusesWrites => server.Config.SavePoints.Length > 0 && LastBackgroundStatus == "err"
        && server.Config.Get("stop-writes-on-bgsave-error") == "yes";

    public const string BgsaveError = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
        "Commands that may modify the data set are disabled, because this instance is configured to report errors during writes " +
        "if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

    private long _lastTryUnix;

    /// <summary>
    /// The cron's check of the save points (under the execution lock), as Redis's serverCron:
    /// a background save once some point's changes and seconds are both reached, retried no
    /// sooner than 5 seconds after a failed one.
    /// </summary>
    public void Cron(long nowMs)
    {
        var points = server.Config.SavePoints;
        if (points.Length == 0 || InProgress) return;
        long now = nowMs / 1000, changes = server.Events.Dirty - DirtyAtLastSave;
        foreach (var (seconds, needed) in points)
        {
            if (changes < needed || now - server.LastSaveUnix <= seconds || (now - _lastTryUnix <= 5 && LastBackgroundStatus != "ok")) continue;
            server.Logger.LogInformation("{Changes} changes in {Seconds} seconds. Saving...", needed, seconds);
            Background(schedule: false);
            return;
        }
    }

    /// <summary>BGSAVE [SCHEDULE] (under the execution lock): the reply.</summary>
    public string Background(bool schedule)
    {
        _lastTryUnix = RedisServer.NowMs() / 1000;
        lock (_gate)
        {
            if (_background != null)
            {
                if (!schedule) return "-ERR Background save already in progress";
                _scheduled = true;
                return "+Background saving scheduled";
            }
        }
        byte[] snapshot;
        try { snapshot = RdbValue.Snapshot(server, RedisServer.NowMs()); }
        catch (OutOfMemoryException)
        {
            LastBackgroundStatus = "err";
            return "-ERR Background saving failed: the snapshot does not fit in memory";
        }
        Start(snapshot, server.Events.Dirty);
        return "+Background saving started";
    }

    private void Start(byte[] snapshot, long dirty)
    {
        lock (_gate)
            _background = Task.Run(() =>
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                try
                {
                    Write(snapshot);
                    Saved(dirty);
                    LastBackgroundStatus = "ok";
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    server.Logger.LogWarning("Background saving failed: {Error}", e.Message);
                    LastBackgroundStatus = "err";
                }
                LastBackgroundSeconds = (long)clock.Elapsed.TotalSeconds;
                bool again;
                lock (_gate)
                {
                    _background = null;
                    again = _scheduled;
                    _scheduled = false;
                }
                if (again)
                    lock (server.ExecLock) Start(RdbValue.Snapshot(server, RedisServer.NowMs()), server.Events.Dirty);
            });
    }

    /// <summary>Waits for a background save (SHUTDOWN, tests).</summary>
    public void Wait()
    {
        Task? t;
        lock (_gate) t = _background;
        t?.Wait();
    }

    private void Saved(long dirty)
    {
        Saves++;
        DirtyAtLastSave = dirty;
        server.LastSaveUnix = RedisServer.NowMs() / 1000;
        server.Logger.LogInformation("DB saved on disk ({Path})", FilePath);
    }

    /// <summary>The file written beside its final name, synced, then renamed over it durably.</summary>
    private void Write(byte[] snapshot) =>
        // rdb-save-incremental-fsync: synced every 4 MB as written (Redis's REDIS_AUTOSYNC_BYTES).
        PasteRedis.Paste.DurableFiles.WriteDurably(FilePath, snapshot, $"temp-{Environment.ProcessId}.rdb",
            syncEvery: server.Config.Get("rdb-save-incremental-fsync") == "yes" ? 4 * 1024 * 1024 : 0);
}
