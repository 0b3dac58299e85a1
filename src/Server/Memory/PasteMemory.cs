using System.Globalization;
using System.Text;
using PasteRedis.Server.Commands;
using Microsoft.Extensions.Logging;
using PasteRedis.Paste;
using PasteRedis.Server.Configuration;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Memory;

/// <summary>
/// The server's packet-buffer memory: the NVMM region, the pool its receive pipes rent
/// from, and what happens when it runs short (Redis's maxmemory-policy). Used memory here
/// is packet-buffer bytes in use, so `maxmemory` caps the region in use and the region's
/// size is a hard cap.
/// </summary>
internal sealed class PasteMemory : IDisposable
{
    public const string OomError = "OOM command not allowed when used memory > 'maxmemory'.";

    public PasteMemory(NvmmRegion region, PacketBufferPool pool, string? fallbackReason)
    {
        Region = region;
        Pool = pool;
        FallbackReason = fallbackReason;
        // Enough free buffers to keep every connection receiving while writes are refused.
        Reserve = Math.Max(8, Math.Min(1024, pool.Count / 32));
    }

    public NvmmRegion Region { get; }
    public PacketBufferPool Pool { get; }
    public string? FallbackReason { get; }
    public int Reserve { get; }

    /// <summary>Opens the region in the data dir as configured and logs the one start-up line.</summary>
    public static PasteMemory Open(ServerConfig config, ILogger logger)
    {
        Directory.CreateDirectory(config.Dir);
        var path = Path.GetFullPath(Path.Combine(config.Dir, "pbufs.pmem"));
        var request = config.Get("pmem-granularity") switch
        {
            "cache-line" => GranularityRequest.CacheLine,
            "page" => GranularityRequest.Page,
            _ => GranularityRequest.Auto,
        };
        NvmmRegion region;
        string? reason;
        try
        {
            region = NvmmRegion.Open(path, config.PbufMemory, request, config.Get("pmem-library") == "libpmem2", out reason);
        }
        catch (IOException e)
        {
            throw new ConfigException($"Cannot open the packet-buffer region {path}: {e.Message} (is another server using this data dir?)");
        }
        if (reason != null) logger.LogWarning("libpmem2 not used ({Reason}); persisting with msync", reason);
        var pool = new PacketBufferPool(region, config.PbufSize);
        if (config.Get("pbuf-prefault") == "yes")
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            if (region.Prefault()) logger.LogInformation("Pre-faulted the packet-buffer region in {Seconds:F2} s", sw.Elapsed.TotalSeconds);
            else logger.LogWarning("pbuf-prefault: this kernel cannot pre-populate the mapping (MADV_POPULATE_WRITE); continuing without");
        }
        logger.LogInformation("PASTE region {Path}: {Size} = {Count} x {PbufSize} B packet buffers on {Fs} ({Pages} pages); {Mode}",
            path, Human(region.Length), pool.Count, pool.BufferSize, region.FileSystem, region.HugePages ? "2 MB" : "4 KB", region.Describe());
        return new PasteMemory(region, pool, reason);
    }

    private long _storedWhole, _storedSpanning, _storedCopied;

    /// <summary>Counts how received values were stored (INFO: values_stored_*).</summary>
    public void Count(StoreKind kind)
    {
        switch (kind)
        {
            case StoreKind.Whole: _storedWhole++; break;
            case StoreKind.Spanning: _storedSpanning++; break;
            default: _storedCopied++; break;
        }
    }

    /// <summary>
    /// Used memory as maxmemory counts it: the packet buffers in use, and the bytes the log
    /// keeps inline (values written by scripts, collections after a compaction: before
    /// composed records went inline they took packet buffers and were counted there).
    /// </summary>
    public long UsedBytes => Pool.PinnedBytes + (HeldInLog?.Invoke() ?? 0);

    /// <summary>The log's inline bytes (set by the server when the AOF is on).</summary>
    public Func<long>? HeldInLog { get; set; }

    /// <summary>True when a write must first make room (Redis: used memory over maxmemory).</summary>
    public bool UnderPressure(long maxMemory) =>
        Pool.FreeCount < Reserve || (maxMemory > 0 && UsedBytes > maxMemory);

    /// <summary>
    /// Redis's performEvictions, with the log in mind. Without the log, evict keys chosen
    /// by the policy until the pressure is gone. With it, the log's records keep the bytes
    /// of every write, so memory comes back only through a compaction (a rewrite: a walk
    /// over every key). When a compaction alone can relieve the pressure (enough buffers
    /// hold only dead bytes), or nothing may be evicted, compact first; otherwise, as in a
    /// cache whose live data has reached the limit, evict a margin of keys (a tenth of the
    /// region) and compact once: one walk per margin of writes, not two, and not one per
    /// write. Returns false when it cannot (noeviction, no candidates).
    /// </summary>
    public bool TryRelievePressure(RedisServer server, long nowMs)
    {
        var config = server.Config;
        if (!UnderPressure(config.MaxMemory)) return true;
        var aof = server.Aof;
        // A finished compaction may still be giving buffers back (off the lock): they count first.
        if (aof != null && aof.RewriteInProgress)
        {
            aof.WaitForRelease();
            if (!UnderPressure(config.MaxMemory)) return true;
        }
        string policy = config.MaxMemoryPolicy;
        bool mayEvict = policy != "noeviction" && !server.Events.ExpiryPaused(nowMs); // CLIENT PAUSE: nothing is evicted until it ends
        long limit = config.MaxMemory > 0 ? Math.Min(config.MaxMemory, Region.Length) : Region.Length;
        long margin = Math.Max((long)Reserve * Pool.BufferSize * 2, limit / 10);
        if (aof != null && RewriteMayHelp(server) && (!mayEvict || CompactionMayRelieve(limit, margin)))
        {
            bool rewritten = aof.Rewrite(server);
            PressureRewrites++;
            _failedRewrite = rewritten ? null : (server.Events.Dirty, Pool.FreeCount);
            if (rewritten && !UnderPressure(config.MaxMemory)) return true;
        }
        if (!mayEvict) return false;
        int samples = int.Parse(config.Get("maxmemory-samples"), CultureInfo.InvariantCulture);
        // With the log, evicted values give their buffers back at the compaction, and only
        // where a buffer is left with no live value or little enough to move out (packet
        // buffers hold several values each): a round may not be enough, so up to ten.
        for (int round = 0; round < (aof == null ? 1 : 10); round++)
        {
            long freed = 0;
            bool any = false;
            for (int evicted = 0; evicted < 1_000_000; evicted++)
            {
                if (aof == null ? !UnderPressure(config.MaxMemory) : freed >= margin) break;
                var victim = ChooseVictim(server, policy, samples, nowMs, out var db);
                if (victim == null) break;
                any = true;
                freed += victim is StringObject s ? Math.Max(s.Length, 64) : 64;
                db!.Remove(victim);
                server.Stats.EvictedKeys++;
                server.Events.Evicted(db, victim);
            }
            if (aof == null) break;
            aof.Rewrite(server);
            PressureRewrites++;
            if (!any || !UnderPressure(config.MaxMemory)) break;
        }
        return !UnderPressure(config.MaxMemory);
    }

    /// <summary>Whether what a compaction gives back would take the used bytes under the limit with half a margin to spare.</summary>
    private bool CompactionMayRelieve(long limit, long margin)
    {
        long over = Math.Max(0, UsedBytes - limit);
        if (Pool.FreeCount < Reserve) over = Math.Max(over, (long)(Reserve - Pool.FreeCount) * Pool.BufferSize);
        return Pool.ReclaimableBytes() >= over + margin / 2;
    }

    /// <summary>Compactions run to relieve memory pressure (INFO pressure_compactions).</summary>
    public long PressureRewrites { get; private set; }

    private (long Dirty, int Free)? _failedRewrite;

    /// <summary>
    /// After a compaction that could not complete, the next write tries again only once the
    /// keyspace changed (a DEL, an eviction) or buffers came free, not at every refused write.
    /// </summary>
    private bool RewriteMayHelp(RedisServer server) =>
        _failedRewrite is not { } failed || server.Events.Dirty != failed.Dirty || Pool.FreeCount > failed.Free;

    private static RedisObject? ChooseVictim(RedisServer server, string policy, int samples, long nowMs, out Database? victimDb)
    {
        bool volatileOnly = policy.StartsWith("volatile-", StringComparison.Ordinal);
        RedisObject? best = null;
        victimDb = null;
        foreach (var db in server.Databases)
        {
            if ((volatileOnly ? db.VolatileCount : db.Count) == 0) continue;
            for (int i = 0; i < samples; i++)
            {
                var candidate = volatileOnly ? db.RandomVolatile(server.Random) : db.RandomObject(server.Random);
                if (candidate == null) continue;
                if (best == null || Better(server, policy, candidate, best, nowMs))
                {
                    best = candidate;
                    victimDb = db;
                }
                if (policy.EndsWith("random", StringComparison.Ordinal)) break;
            }
        }
        return best;
    }

    private static bool Better(RedisServer server, string policy, RedisObject candidate, RedisObject best, long nowMs) => policy switch
    {
        "volatile-ttl" => candidate.ExpireAt < best.ExpireAt,
        "allkeys-lru" or "volatile-lru" => candidate.AccessSeq < best.AccessSeq,
        "allkeys-lfu" or "volatile-lfu" => Lfu.Counter(candidate.LfuData, nowMs, server.Events.LfuDecayMinutes) < Lfu.Counter(best.LfuData, nowMs, server.Events.LfuDecayMinutes),
        _ => false,
    };

    /// <summary>The INFO "# Paste" section.</summary>
    public void WriteInfo(StringBuilder sb, long liveValueBytes)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.Append("# Paste\r\n");
        sb.Field("pbuf_file", Region.Path);
        sb.Field("pbuf_region_bytes", Region.Length);
        sb.Field("pbuf_size", Pool.BufferSize);
        sb.Field("pbufs_total", Pool.Count);
        sb.Field("pbufs_free", Pool.FreeCount);
        sb.Field("pbufs_pinned", Pool.InUseCount);
        sb.Field("pbuf_bytes_pinned", Pool.PinnedBytes);
        sb.Field("pbuf_receive_fallbacks", Pool.FallbackRents);
        sb.Field("pressure_compactions", PressureRewrites);
        sb.Field("live_value_bytes", liveValueBytes);
        sb.Field("values_stored_whole", _storedWhole);
        sb.Field("values_stored_spanning", _storedSpanning);
        sb.Field("values_stored_copied", _storedCopied);
        sb.Field("space_amplification", liveValueBytes == 0 ? "0" : ((double)Pool.PinnedBytes / liveValueBytes).ToString("F2", inv));
        sb.Field("pmem_library", Region.UsesLibPmem2 ? "libpmem2" : "none (libc mmap + msync): " + FallbackReason);
        sb.Field("pmem_granularity", Region.Granularity switch
        {
            StoreGranularity.Byte => "byte",
            StoreGranularity.CacheLine => "cache-line",
            _ => "page",
        });
        sb.Field("pmem_filesystem", Region.FileSystem);
        sb.Field("pmem_huge_pages", Region.HugePages ? "yes" : "no");
        sb.Field("pmem_survives", Region.Describe());
        sb.Field("persist_flush_calls", Region.FlushCalls);
        sb.Field("persist_fences", Region.Fences);
        sb.Field("persisted_bytes", Region.FlushedBytes);
    }

    internal static string Human(long bytes) => bytes >= 1L << 30
        ? (bytes / (double)(1L << 30)).ToString("F2", CultureInfo.InvariantCulture) + " GiB"
        : (bytes / (double)(1L << 20)).ToString("F2", CultureInfo.InvariantCulture) + " MiB";

    public void Dispose() => Region.Dispose();
}

/// <summary>
/// Keyspace events: a removed value releases its packet buffers; an expired or evicted
/// key is logged as DEL, so replay does not depend on the clock or on memory pressure.
/// </summary>
internal sealed class PasteKeyspaceEvents(PacketBufferPool? pool) : KeyspaceEvents
{
    public Persistence.AofPersistence? Aof { get; set; }
    public Connections.WatchedKeys? Watches { get; set; }
    public Connections.BlockedClients? Blocking { get; set; }
    public RedisServer? Server { get; set; }

    public override void Added(Database db, RedisObject obj)
    {
        Aof?.KeyAdded(obj);
        Blocking?.KeyAdded(db, obj);
    }

    public override void Stored(StoreKind kind) => Server?.Memory?.Count(kind);

    public override void NewKey(Database db, RedisObject obj) => Server?.Notify(NotifyClass.New, "new", obj.Key, db.Id, null);

    public override void Removed(Database db, RedisObject obj)
    {
        if (obj is StringObject s) s.ReleaseStorage(pool);
    }

    public override void Expired(Database db, RedisObject obj)
    {
        base.Expired(db, obj);
        Watches?.Touch(db, obj.Key);
        Aof?.AppendDelete(db.Id, obj.Key);
        Server?.Notify(NotifyClass.Expired, "expired", obj.Key, db.Id, null);
    }

    public override void Evicted(Database db, RedisObject obj)
    {
        Watches?.Touch(db, obj.Key);
        Aof?.AppendDelete(db.Id, obj.Key);
        Server?.Notify(NotifyClass.Evicted, "evicted", obj.Key, db.Id, null);
    }
}
