using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using PasteRedis.Server.Commands;
using Microsoft.Extensions.Logging;
using PasteRedis.Aof;
using PasteRedis.Paste;
using PasteRedis.Server.Configuration;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Memory;

namespace PasteRedis.Server.Persistence;

internal enum FsyncPolicy { Always, EverySec, No }

/// <summary>
/// The server's append-only file (Redis's aof.c): which commands go into the log and in
/// what form, the group commit at the end of each batch, recovery at start, and INFO
/// persistence. All of it runs under the server's execution lock, except the committer
/// of a group commit (GroupCommit.cs).
/// </summary>
internal sealed partial class AofPersistence : IDisposable
{
    public const string MisconfError = "MISCONF Errors writing to the AOF file: the log is full (aof-max-size); run BGREWRITEAOF or raise aof-max-size";

    private readonly ILogger _logger;
    private readonly ComposedCommand _composed = new();
    private long _lastDrainMs;
    private long _records, _commits;

    private readonly string _path;
    private readonly GranularityRequest _granularity;
    private readonly bool _allowLibPmem2;

    private AofPersistence(string path, AppendOnlyLog log, FreshBuffers fresh, FsyncPolicy policy, ILogger logger,
        GranularityRequest granularity, bool allowLibPmem2)
    {
        _path = path;
        Log = log;
        Fresh = fresh;
        Policy = policy;
        _logger = logger;
        _granularity = granularity;
        _allowLibPmem2 = allowLibPmem2;
    }

    public AppendOnlyLog Log { get; private set; }
    public FreshBuffers Fresh { get; }
    public FsyncPolicy Policy { get; }
    public bool Replaying { get; private set; }
    public RecoveryResult? LastRecovery { get; private set; }
    public double LastRecoverySeconds { get; private set; }
    /// <summary>The last load: records its headers promised (before validation), and the no-GC region it ran in (0: none).</summary>
    public long LastLoadHeaders { get; private set; }
    public long LastLoadRegionBytes { get; private set; }
    public long BaseSize { get; set; } = AppendOnlyLog.SuperblockSize;
    /// <summary>Packet-buffer bytes pinned after the load or the last rewrite: the base the automatic rewrite's growth rule also applies to.</summary>
    public long BasePinnedBytes { get; set; }
    public string LastWriteStatus { get; private set; } = "ok";

    public static AofPersistence Open(ServerConfig config, PasteMemory memory, ILogger logger)
    {
        var path = Path.GetFullPath(Path.Combine(config.Dir, "aof.pmem"));
        var fresh = new FreshBuffers(memory.Pool);
        var mode = config.Get("aof-mode") == "copy" ? AofMode.Copy : AofMode.Reference;
        var granularity = config.Get("pmem-granularity") switch
        {
            "cache-line" => GranularityRequest.CacheLine,
            "page" => GranularityRequest.Page,
            _ => GranularityRequest.Auto,
        };
        AppendOnlyLog log;
        bool allowLibPmem2 = config.Get("pmem-library") == "libpmem2";
        // A rewrite that had not switched when the server stopped never became the log.
        File.Delete(path + ".rewrite");
        try
        {
            log = AppendOnlyLog.Open(path, config.AofMaxSize, memory.Pool, fresh, mode, granularity, allowLibPmem2);
        }
        catch (AofFormatException e) { throw new ConfigException(e.Message); }
        catch (IOException e) { throw new ConfigException($"Cannot open the append-only file {path}: {e.Message}"); }
        var policy = config.Get("appendfsync") switch { "everysec" => FsyncPolicy.EverySec, "no" => FsyncPolicy.No, _ => FsyncPolicy.Always };
        logger.LogInformation("AOF {Path}: {Mode} mode, appendfsync {Policy}", path, mode == AofMode.Reference ? "reference (zero-copy)" : "copy", config.Get("appendfsync"));
        return new AofPersistence(path, log, fresh, policy, logger, granularity, allowLibPmem2);
    }

    /// <summary>
    /// Replays the log into the keyspace: the longest valid prefix, values referenced where
    /// they lie. Then every packet buffer nothing references is free. Runs holding the
    /// execution lock; between groups of records it lets waiting connections in (they are
    /// answered LOADING) and honours <paramref name="stop"/>. A stopped replay leaves the
    /// log untouched and the pool with nothing free (buffers the unreplayed records
    /// reference must not be handed out to receive into).
    /// </summary>
    public void Recover(RedisServer server, CancellationToken stop = default)
    {
        var pool = server.Pool!;
        var gcBefore = (Gen0: GC.CollectionCount(0), Gen1: GC.CollectionCount(1), Gen2: GC.CollectionCount(2), Paused: GC.GetTotalPauseDuration());
        var sw = Stopwatch.StartNew();
        Replaying = true;
        pool.BeginRecovery();
        bool stopped = true;
        LastLoadHeaders = Log.CountRecordHeaders();
        var collections = LoadingCollections.Begin(LastLoadHeaders, _logger);
        LastLoadRegionBytes = collections.Budget;
        try
        {
            var replay = ClientSession.ForReplay(server);
            bool allowTruncation = server.Config.Get("aof-load-truncated") == "yes";
            long delayTicks = KeyLoadDelayTicks(server.Config);
            long logged = 0;
            // Plain SETs are indexed, not executed (DeferredSets): their objects are built after the load.
            var deferred = new DeferredSets(server, pool, (int)Math.Min(LastLoadHeaders, 1 << 24));
            // The validating thread recognises them (TryInspect); the loader only indexes them.
            Action<int, ReadOnlySequence<byte>> apply = (db, command) =>
            {
                deferred.Flush(); // the SETs before it, in order
                replay.Replay(db, command);
                Delay();
            };
            AppendOnlyLog.NotedApply<DeferredSets.Note> applyNoted = (int db, in DeferredSets.Note note) =>
            {
                if (!deferred.TryQueue(db, note)) return false; // applied as its command, delayed there
                Delay();
                return true;
            };
            void Delay()
            {
                if (delayTicks == 0) return;
                long until = Stopwatch.GetTimestamp() + delayTicks;
                while (Stopwatch.GetTimestamp() < until) Thread.SpinWait(20);
                stop.ThrowIfCancellationRequested();
            }
            try
            {
                LastRecovery = Log.Recover(apply, deferred.TryInspect, applyNoted,
                    applied =>
                    {
                        server.LoadingRecords = applied;
                        if (applied - logged >= 100_000)
                        {
                            logged = applied;
                            _logger.LogInformation("AOF loading: {Records} records applied ({Seconds:F1} s)", applied, sw.Elapsed.TotalSeconds);
                        }
                        stop.ThrowIfCancellationRequested();
                        server.LetWaitingClientsIn();
                    },
                    allowTruncation);
                deferred.Flush();
                stopped = false;
            }
            catch (AofFormatException e) { throw new ConfigException(e.Message); }
        }
        finally
        {
            collections.Dispose();
            if (!stopped) pool.EndRecovery();
            Replaying = false;
        }
        LastRecoverySeconds = sw.Elapsed.TotalSeconds;
        BaseSize = Log.Size;
        BasePinnedBytes = pool.PinnedBytes;
        Fresh.StashTarget = Math.Max(4, pool.Count / 256);
        Fresh.Settle();
        var r = LastRecovery!;
        if (r.Truncated)
            _logger.LogWarning("!!! Warning: the AOF {Path} was truncated: {Why}. Applied {Records} records ({Bytes} bytes); " +
                "dropped the rest (at least {Dropped} bytes). (aof-load-truncated yes)", _path, r.StoppedBecause, r.Records, r.ValidBytes, r.DroppedBytesAtLeast);
        _logger.LogInformation("DB loaded from append only file: {Seconds:F3} seconds, {Records} records, {Keys} keys, " +
            "{Deferred} of them plain SETs indexed whose objects are built in the background " +
            "(GC: {Gen0}/{Gen1}/{Gen2} collections of gen 0/1/2, {Pause:F0} ms paused; no-GC region {Region} MB)",
            LastRecoverySeconds, r.Records, server.Databases.Sum(d => (long)d.Count), server.Databases.Sum(d => (long)d.DeferredCount),
            GC.CollectionCount(0) - gcBefore.Gen0, GC.CollectionCount(1) - gcBefore.Gen1, GC.CollectionCount(2) - gcBefore.Gen2,
            (GC.GetTotalPauseDuration() - gcBefore.Paused).TotalMilliseconds, LastLoadRegionBytes >> 20);
    }

    /// <summary>Redis's key-load-delay (a testing aid): microseconds to wait after each replayed record.</summary>
    private static long KeyLoadDelayTicks(ServerConfig config)
    {
        long us = long.Parse(config.Get("key-load-delay"), CultureInfo.InvariantCulture);
        return us <= 0 ? 0 : us * Stopwatch.Frequency / 1_000_000;
    }

    /// <summary>Logs a command as received. False when the log has no room (the caller answers MISCONF).</summary>
    public bool AppendReceived(int db, in ReadOnlySequence<byte> command, bool groupContinues)
    {
        if (Replaying) throw new InvalidOperationException("A record was appended while the log was being replayed");
        var flags = GroupFlags(db, groupContinues);
        if (!Log.TryAppend(db, command, flags)) return Failed();
        // During a rewrite the new log gets every record too, in the same order.
        if (_next != null && !_next.TryAppend(db, command, flags)) AbandonRewrite();
        Replicas?.Feed(db, command);
        _records++;
        _appendedEpoch++;
        return true;
    }

    public bool AppendComposed(int db, ReadOnlySpan<byte> command, bool groupContinues)
    {
        if (Replaying) throw new InvalidOperationException("A record was appended while the log was being replayed");
        var flags = GroupFlags(db, groupContinues);
        if (!Log.TryAppendComposed(db, command, flags)) return Failed();
        if (_next != null && !_next.TryAppendComposed(db, command, flags)) AbandonRewrite();
        Replicas?.Feed(db, command);
        _records++;
        _appendedEpoch++;
        return true;
    }

    /// <summary>Replicas get every record appended, as appended (set when the log is loaded and goes live).</summary>
    public Replication.ReplicationSource? Replicas { get; set; }

    // A transaction being executed: every record until EXEC continues one group.
    private bool _inTransaction, _transactionLogged;

    /// <summary>A transaction's (or a script's) group is open.</summary>
    public bool InTransaction => _inTransaction;

    /// <summary>EXEC starts: the records of its commands will form one group, opened by a MULTI record on the first.</summary>
    public void BeginTransaction()
    {
        _inTransaction = true;
        _transactionLogged = false;
    }

    /// <summary>EXEC ends: closes the group with an EXEC record (nothing is logged for a transaction that wrote nothing).</summary>
    public void EndTransaction(int db)
    {
        _inTransaction = false;
        if (!_transactionLogged) return;
        _transactionLogged = false;
        AppendComposed(db, "*1\r\n$4\r\nEXEC\r\n"u8, groupContinues: false);
    }

    private RecordFlags GroupFlags(int db, bool groupContinues)
    {
        if (!_inTransaction) return groupContinues ? RecordFlags.GroupContinues : RecordFlags.None;
        if (!_transactionLogged)
        {
            _transactionLogged = true;
            AppendComposed(db, "*1\r\n$5\r\nMULTI\r\n"u8, groupContinues: true);
        }
        return RecordFlags.GroupContinues;
    }

    /// <summary>The flags for a base record written during a rewrite: inside a transaction it joins the group.</summary>
    private RecordFlags BaseRecordFlags => _inTransaction ? RecordFlags.GroupContinues : RecordFlags.None;

    private bool Failed()
    {
        LastWriteStatus = "err";
        return false;
    }

    /// <summary>Logs the deletion of an expired or evicted key as DEL (deterministic replay).</summary>
    public void AppendDelete(int db, ReadOnlySpan<byte> key)
    {
        if (Replaying) return;
        _composed.Clear();
        _composed.Add("DEL"u8, key);
        AppendComposed(db, _composed[0], groupContinues: false);
    }

    /// <summary>
    /// SORT converted a listpack sorted set to a skip list (Redis's "destructively convert"), a
    /// change no logged write makes: log writes with the same effect (a placeholder member too
    /// long for a listpack, added and removed, one group) so that a replay ends with the same
    /// encoding, and with the -0 scores only a skip list keeps.
    /// </summary>
    public void AppendSkipListConversion(int db, Keyspace.ZSetObject zset)
    {
        if (Replaying || !HasReserve) return; // a read on a full log is no write failure (the encoding alone is lost)
        var placeholder = CollectionRecords.Placeholder(m => zset.Scores.Contains(m));
        _composed.Clear();
        _composed.Add("ZADD"u8, zset.Key, "0"u8, placeholder);
        _composed.Add("ZREM"u8, zset.Key, placeholder);
        AppendComposed(db, _composed[0], groupContinues: true);
        AppendComposed(db, _composed[1], groupContinues: false);
    }

    /// <summary>
    /// Bytes of composed commands the logs keep inline (during a rewrite, both logs): data
    /// held as the packet buffers the log pins are, counted with them against maxmemory.
    /// </summary>
    public long InlineBytes => Log.InlineBytes + (_next?.InlineBytes ?? 0);

    /// <summary>True while the log has room for another batch's records.</summary>
    public bool HasRoom => Log.Capacity - Log.Size > 1024 * 1024;

    /// <summary>
    /// Room for a write that cannot grow the data (DEL, EXPIRE, …: not denyoom): the last
    /// megabyte is kept for those, so a full log can still be emptied without a restart.
    /// </summary>
    public bool HasReserve => Log.Capacity - Log.Size > 64 * 1024;

    private long _fullAtSize = -1;

    /// <summary>
    /// The log is full: compact it now, unless a compaction already failed to make room and
    /// the log has grown by less than 64 KB since (deletes since then may make room; a
    /// compaction per refused write would not).
    /// </summary>
    public bool TryMakeRoom(RedisServer server)
    {
        if (_fullAtSize >= 0 && Log.Size - _fullAtSize < 64 * 1024) return false;
        bool ok = Rewrite(server) && HasRoom;
        _fullAtSize = ok ? -1 : Log.Size;
        return ok;
    }

    /// <summary>
    /// The end of a batch that commits under the execution lock (cron, import, replay, and
    /// clients when appendfsync is not always): with appendfsync always, flush every queued
    /// line and fence once before the lock is released.
    /// </summary>
    public void EndBatch(long nowMs)
    {
        if (Log.HasPending || (_next?.HasPending ?? false))
        {
            switch (Policy)
            {
                case FsyncPolicy.Always:
                    // Both logs' lines (during a rewrite), then the one fence of the batch.
                    WaitForCommitter();
                    Log.FlushPending();
                    _next?.FlushPending();
                    Log.Region.Drain();
                    _commits++;
                    CommittedAll();
                    break;
                case FsyncPolicy.EverySec:
                    Log.FlushPending();
                    _next?.FlushPending();
                    _undrained = true;
                    break;
                default:
                    Log.DropPending();
                    _next?.DropPending();
                    break;
            }
        }
        if (_undrained && nowMs - _lastDrainMs >= 1000) Drain(nowMs);
    }

    private bool _undrained;

    /// <summary>Makes everything appended so far durable (everysec's once a second; shutdown).</summary>
    public void Drain(long nowMs)
    {
        WaitForCommitter();
        Log.FlushPending();
        _next?.FlushPending();
        Log.Region.Drain();
        _commits++;
        _undrained = false;
        _lastDrainMs = nowMs;
        CommittedAll();
    }

    public void WriteInfo(StringBuilder sb, ServerConfig config)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.Field("aof_enabled", 1);
        sb.Field("aof_rewrite_in_progress", RewriteInProgress ? 1 : 0);
        sb.Field("aof_rewrite_scheduled", 0);
        sb.Field("aof_last_rewrite_time_sec", LastRewriteSeconds < 0 ? -1 : (long)Math.Ceiling(LastRewriteSeconds));
        sb.Field("aof_current_rewrite_time_sec", RewriteInProgress ? (long)_rewriteClock.Elapsed.TotalSeconds : -1);
        sb.Field("aof_last_bgrewrite_status", LastRewriteStatus);
        sb.Field("aof_rewrites", RewritesDone);
        sb.Field("aof_rewrite_relocated_bytes", RelocatedBytes);
        sb.Field("aof_last_write_status", LastWriteStatus);
        sb.Field("aof_current_size", Log.Size);
        sb.Field("aof_base_size", BaseSize);
        sb.Field("aof_base_pbuf_bytes", BasePinnedBytes);
        sb.Field("aof_rewrite_received_affixes", ReceivedAffixes);
        sb.Field("aof_pbufs_held_back", Fresh.Stashed);
        sb.Field("aof_records_inline", Log.InlineRecords);
        sb.Field("aof_inline_bytes", Log.InlineBytes);
        sb.Field("aof_mode", Log.Mode == AofMode.Reference ? "reference" : "copy");
        sb.Field("aof_fsync", config.Get("appendfsync"));
        sb.Field("aof_file", _path);
        sb.Field("aof_max_size", Log.Capacity);
        sb.Field("aof_records", Log.Records);
        sb.Field("aof_records_appended", _records);
        sb.Field("aof_commits", _commits);
        sb.Field("aof_write_batches", _writeBatches);
        sb.Field("aof_log_flushes", Log.Region.FlushCalls);
        sb.Field("aof_log_fences", Log.Region.Fences);
        sb.Field("aof_log_flushed_bytes", Log.Region.FlushedBytes);
        if (LastRecovery is { } r)
        {
            sb.Field("aof_last_load_records", r.Records);
            sb.Field("aof_last_load_seconds", LastRecoverySeconds.ToString("F3", inv));
            sb.Field("aof_last_load_truncated", r.Truncated ? 1 : 0);
        }
        sb.Field("persistence_mode", $"AOF of references; {Log.Region.Describe()}");
    }

    public void Dispose()
    {
        WaitForRelease();
        WaitForCommitter();
        if (_next != null) AbandonRewrite(shuttingDown: true);
        Fresh.Reset();
        Log.Dispose();
    }
}
