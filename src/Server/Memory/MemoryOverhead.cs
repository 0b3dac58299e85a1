using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Memory;

/// <summary>
/// Redis's getMemoryOverheadData for this server, behind MEMORY STATS, MEMORY DOCTOR and
/// INFO memory's overhead fields. "Allocated" is the managed heap, as INFO's used_memory
/// (values that stay in packet buffers are <see cref="PbufsAllocated"/>, outside it); the
/// overhead is what is not the dataset: the heap at start-up, replies queued for clients,
/// the script and function caches, and the databases' tables (estimated from .NET's
/// layout, as <see cref="MemoryUsage"/> does). The allocator's figures are the .NET GC's:
/// allocated (live objects), active (the heap with its fragmentation), resident (committed).
/// </summary>
internal sealed class MemoryOverhead
{
    // Per key: the dictionary's entry (hash, next, key, value) and bucket, and the slot list
    // RANDOMKEY and SCAN walk; per key with a TTL: its slot in the volatile list.
    private const long MainPerKey = 24 + 4 + 8, ExpiresPerKey = 8;

    public long PeakAllocated, TotalAllocated, StartupAllocated;
    public long ClientsNormal, LuaCaches, FunctionsCaches;
    public readonly List<(int Id, long Main, long Expires)> Databases = [];
    public long OverheadTotal, KeysCount, BytesPerKey, Dataset;
    public double DatasetPercentage, PeakPercentage;
    public long AllocatorAllocated, AllocatorActive, AllocatorResident, Rss;
    public long PbufsAllocated;

    public double AllocatorFragmentation => Ratio(AllocatorActive, AllocatorAllocated);
    public long AllocatorFragmentationBytes => AllocatorActive - AllocatorAllocated;
    public double AllocatorRss => Ratio(AllocatorResident, AllocatorActive);
    public long AllocatorRssBytes => AllocatorResident - AllocatorActive;
    public double RssOverhead => Ratio(Rss, AllocatorResident);
    public long RssOverheadBytes => Rss - AllocatorResident;
    public double Fragmentation => Ratio(Rss, TotalAllocated);
    public long FragmentationBytes => Rss - TotalAllocated;

    /// <summary>The heap's growth since start-up (Redis's net usage; the packet buffers are <see cref="PbufsAllocated"/>).</summary>
    public long NetUsage => Math.Max(0, TotalAllocated - StartupAllocated);

    private static double Ratio(long a, long b) => b <= 0 ? 0 : (double)a / b;

    /// <summary>Under the execution lock.</summary>
    public static MemoryOverhead Of(RedisServer server)
    {
        var m = new MemoryOverhead();
        long used = GC.GetTotalMemory(false);
        m.TotalAllocated = used;
        m.PeakAllocated = server.Stats.PeakMemory = Math.Max(server.Stats.PeakMemory, used);
        m.StartupAllocated = server.StartupMemory;
        foreach (var c in server.Clients) m.ClientsNormal += c.PendingOutputBytes;
        if (server.ScriptsIfStarted is { } scripts)
        {
            m.LuaCaches = scripts.ScriptBytes;
            foreach (var library in scripts.Libraries) m.FunctionsCaches += library.Code.Length;
        }
        long overhead = m.StartupAllocated + m.ClientsNormal + m.LuaCaches + m.FunctionsCaches;
        foreach (var db in server.Databases)
        {
            if (db.Count == 0) continue;
            long main = db.Count * MainPerKey, expires = db.VolatileCount * ExpiresPerKey;
            m.Databases.Add((db.Id, main, expires));
            overhead += main + expires;
            m.KeysCount += db.Count;
        }
        m.OverheadTotal = overhead;
        long net = Math.Max(1, m.NetUsage);
        m.BytesPerKey = m.KeysCount == 0 ? 0 : net / m.KeysCount;
        m.Dataset = Math.Max(0, used - overhead);
        m.DatasetPercentage = m.Dataset * 100.0 / net;
        m.PeakPercentage = m.PeakAllocated == 0 ? 0 : used * 100.0 / m.PeakAllocated;
        var gc = GC.GetGCMemoryInfo();
        m.AllocatorAllocated = used;
        m.AllocatorActive = Math.Max(used, gc.HeapSizeBytes);
        m.AllocatorResident = gc.TotalCommittedBytes;
        m.Rss = Environment.WorkingSet;
        m.PbufsAllocated = server.Memory?.UsedBytes ?? 0;
        return m;
    }
}
