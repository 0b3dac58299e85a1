using System.Runtime;
using Microsoft.Extensions.Logging;

namespace PasteRedis.Server.Persistence;

/// <summary>
/// Loading a large dataset without the garbage collector copying it again and again. All
/// that a replay builds survives it, so each gen-0 collection on the way promotes
/// everything allocated since the one before, and each gen-1 collection copies it once more
/// (1 M records of 1 KB SETs, 632 K keys: 9 gen-0, 9 gen-1 and 2 gen-2 collections, about
/// 200-250 ms paused, plus the copies' cache misses and fresh pages). Instead the replay runs
/// in a no-GC region sized for what it will build and ends with one full collection,
/// which leaves what it built in gen 2 where it lies. Same restart: load 1.9-2.1 s,
/// 1.55-1.65 s with this. Since a load defers plain SETs (DeferredSets) it builds little
/// besides the deferred table, so that collection runs in the background, concurrently
/// with the first requests and the build of the deferred keys, instead of pausing the
/// end of the load (a blocking one paused it 37-47 ms; five alternated restarts of 1 M
/// SETs: 1-2 ms paused, and 100 K GETs at the first PONG 108-159 K/s against 85-111 K/s).
/// A replay that allocates more than the region allows simply collects from then on.
/// </summary>
internal sealed class LoadingCollections : IDisposable
{
    /// <summary>Below this many records a replay is short and its collections few: nothing changes (tests lower it).</summary>
    internal static long MinRecords = 100_000;

    /// <summary>A generous estimate of what the replay allocates per record (1 KB SETs: about 180 B; tests change it).</summary>
    internal static long BytesPerRecord = 512;

    /// <summary>The smallest region asked for (tests change it).</summary>
    internal static long MinBudget = 16L << 20;

    private readonly bool _started;

    private LoadingCollections(bool started, long budget)
    {
        _started = started;
        Budget = started ? budget : 0;
    }

    /// <summary>The no-GC region's size in bytes; 0 when the replay runs with collections as usual.</summary>
    public long Budget { get; }

    /// <summary>Before a replay of about <paramref name="records"/> records (an upper bound from the log's headers).</summary>
    public static LoadingCollections Begin(long records, ILogger logger)
    {
        if (records < MinRecords) return new LoadingCollections(false, 0);
        // At most a quarter of the memory the process may use, however long the log.
        long cap = Math.Max(MinBudget, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);
        long budget = Math.Clamp(records * BytesPerRecord, MinBudget, cap);
        try
        {
            return new LoadingCollections(GC.TryStartNoGCRegion(budget, disallowFullBlockingGC: true), budget);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            // Larger than the collector allows here, or a region already open (another server in this process).
            logger.LogDebug("Loading without a no-GC region: {Reason}", e.Message);
            return new LoadingCollections(false, 0);
        }
    }

    /// <summary>After the replay (or its failure): the region ends, and one full background collection promotes what it built in place.</summary>
    public void Dispose()
    {
        if (!_started) return;
        try
        {
            // A replay that outgrew the budget has left the region already (the collector ended it).
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // Ended by a collection in the meantime: nothing to end.
        }
        GC.Collect(2, GCCollectionMode.Forced, blocking: false, compacting: false);
    }
}
