using Microsoft.Extensions.Logging;
using PasteRedis.Server.Persistence;

namespace PasteRedis.Server;

/// <summary>
/// Loading (Redis's server.loading): the log is replayed while the server already listens,
/// then the objects of the keys the replay deferred are built in the background.
/// </summary>
internal sealed partial class RedisServer
{
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _loading;
    private int _lockWaiters;
    private string? _pendingImport;

    /// <summary>
    /// True from start-up until the log is replayed (and any --aof-import applied). Meanwhile
    /// connections are accepted and every command without Redis's "loading" flag is answered
    /// with <see cref="LoadingError"/>, as Redis does.
    /// </summary>
    public bool Loading => _loading;
    public const string LoadingError = "LOADING Redis is loading the dataset in memory";

    /// <summary>The service manager told of the start and readiness (supervised; INFO process_supervised).</summary>
    public Hosting.Supervision Supervision { get; set; } = Hosting.Supervision.None;

    /// <summary>Completes when loading has finished; faulted when it failed (the process then exits with 1).</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>The log being replayed; it becomes <see cref="Aof"/> (and takes writes) only once replayed.</summary>
    public AofPersistence? LoadingAof { get; private set; }
    public long LoadingStartUnix { get; private set; }
    public long LoadingRecords { get; internal set; }

    /// <summary>
    /// Start-up, before listening: what <see cref="Load"/> will do. Nothing to load finishes
    /// loading at once.
    /// </summary>
    public void PrepareLoading(AofPersistence? aof, string? import)
    {
        LoadingAof = aof;
        // From now until the replay ends no packet buffer is handed out: a connection accepted
        // while loading must not receive into a buffer that records not yet replayed point
        // into (it gets ordinary memory instead). Recovery rebuilds every reference count.
        if (aof != null) Pool!.BeginRecovery();
        _pendingImport = string.IsNullOrEmpty(import) ? null : import;
        _loading = _events.Loading = aof != null || _pendingImport != null;
        LoadingStartUnix = NowMs() / 1000;
        if (!_loading) _loaded.TrySetResult();
    }

    /// <summary>
    /// Replays the log into the keyspace and attaches it, then applies --aof-import (on the
    /// loader thread, or inline for export-aof). Holds the execution lock while replaying but
    /// lets waiting connections in between groups of records (<see cref="LetWaitingClientsIn"/>).
    /// Stopped by <paramref name="stop"/> (shutdown while loading): the log is left as it was.
    /// </summary>
    public void Load(ILogger logger, CancellationToken stop)
    {
        try
        {
            if (LoadingAof is { } aof)
            {
                lock (ExecLock)
                {
                    aof.Recover(this, stop);
                    Aof = aof;
                    _events.Aof = aof;
                    if (Memory != null)
                    {
                        Memory.HeldInLog = () => Aof?.InlineBytes ?? 0;
                        // Reads go on in the rest of the last buffer: its compactions move values out of shared buffers.
                        Memory.Pool.LendTails = true;
                    }
                    aof.Replicas = Replication;
                    // The replication position of the last clean shutdown, if the data is still that position's.
                    var resume = PasteRedis.Server.Replication.ReplicationResume.Take(Config.Dir);
                    if (resume != null && _pendingImport == null)
                    {
                        if (resume.Role == "master" && Config.Get("replicaof").Length == 0) Replication.Resume(resume.ReplId, resume.Offset);
                        else if (resume.Role == "replica " + Config.Get("replicaof")) _linkResume = resume;
                    }
                }
            }
            if (_pendingImport != null) RedisAofInterop.Import(this, _pendingImport, logger);
            _loading = _events.Loading = false;
            Pool?.CreateManagersInBackground();
            if (Databases.Any(d => d.DeferredCount > 0))
                _ = Task.Factory.StartNew(() => BuildDeferredKeys(logger, stop), TaskCreationOptions.LongRunning);
            if (!stop.IsCancellationRequested) StartConfiguredReplication();
            _loaded.TrySetResult();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            _loaded.TrySetCanceled(stop);
        }
        catch (Exception e)
        {
            if (Aof == null)
            {
                // A log that could not be replayed: the refused start releases it (and its lock) at once.
                LoadingAof?.Dispose();
                LoadingAof = null;
            }
            // else the import failed after the log was attached: shutdown makes it durable and closes it.
            _loaded.TrySetException(e);
        }
    }

    /// <summary>
    /// After a load that deferred plain SETs (<see cref="Keyspace.DeferredStrings"/>): builds
    /// their objects a batch at a time under the execution lock, letting clients in between
    /// batches, until none is left (a lookup builds the key it needs itself meanwhile).
    /// </summary>
    private void BuildDeferredKeys(ILogger logger, CancellationToken stop)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        long built = 0;
        try
        {
            long delayUs = long.Parse(Config.Get("deferred-build-delay"), System.Globalization.CultureInfo.InvariantCulture);
            int batch = delayUs > 0 ? 16 : DeferredBatch;
            foreach (var db in Databases)
                while (!stop.IsCancellationRequested)
                {
                    int left, done;
                    lock (ExecLock)
                    {
                        int before = db.DeferredCount;
                        left = db.MaterializeSome(batch, NowMs());
                        done = before - left;
                        built += done;
                    }
                    if (left == 0) break;
                    if (delayUs > 0) Thread.Sleep(TimeSpan.FromMicroseconds(delayUs * done));
                    else Thread.Yield();
                }
            if (!stop.IsCancellationRequested)
                logger.LogInformation("Objects of the keys deferred by the load built: {Keys} in the background, {Seconds:F3} seconds", built, sw.Elapsed.TotalSeconds);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Building the deferred keys' objects failed; each is built when looked up");
        }
    }

    /// <summary>Deferred keys built per hold of the execution lock: about a millisecond of work.</summary>
    private const int DeferredBatch = 1024;

    /// <summary>
    /// Called by the loader, holding the execution lock, between groups of records: when
    /// connections wait for the lock, let them in (each runs one batch, answering LOADING or
    /// a loading-flagged command such as INFO) before replay goes on.
    /// </summary>
    public void LetWaitingClientsIn()
    {
        if (Volatile.Read(ref _lockWaiters) == 0) return;
        Monitor.Exit(ExecLock);
        try
        {
            long deadline = Environment.TickCount64 + 5;
            while (Volatile.Read(ref _lockWaiters) > 0 && Environment.TickCount64 < deadline) Thread.Yield();
        }
        finally { Monitor.Enter(ExecLock); }
    }

    /// <summary>
    /// Takes the execution lock for a connection (dispose to release). While loading, says so
    /// first, so that the loader lets the connection in between groups of records.
    /// </summary>
    public ExecLockScope LockForClient()
    {
        if (_loading)
        {
            Interlocked.Increment(ref _lockWaiters);
            Monitor.Enter(ExecLock);
            Interlocked.Decrement(ref _lockWaiters);
        }
        else Monitor.Enter(ExecLock);
        return new ExecLockScope(ExecLock);
    }

    public readonly struct ExecLockScope(object execLock) : IDisposable
    {
        public void Dispose() => Monitor.Exit(execLock);
    }
}
