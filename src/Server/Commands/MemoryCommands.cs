using System.Globalization;
using System.Text;
using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Memory;

namespace PasteRedis.Server.Commands;

/// <summary>MEMORY USAGE, MALLOC-STATS, PURGE and HELP (Redis's object.c memoryCommand), for the .NET heap and the packet buffers.</summary>
internal static class MemoryCommands
{
    /// <summary>MEMORY USAGE key [SAMPLES count]: bytes, estimated (<see cref="MemoryUsage"/>); null for a missing key.</summary>
    public static void Usage(ClientSession c)
    {
        long samples = 5;
        for (int j = 3; j < c.Request.Count; j++)
        {
            if (c.ArgIs(j, "SAMPLES"u8) && j + 1 < c.Request.Count)
            {
                if (!RespNumber.TryParseInt64(c.Request.Arg(j + 1), out samples))
                {
                    c.Reply.Error(Errors.NotInteger);
                    return;
                }
                if (samples < 0)
                {
                    c.Reply.Error(Errors.Syntax);
                    return;
                }
                j++;
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        var obj = c.Db.Lookup(c.Request.Arg(2), c.NowMs, touch: false);
        if (obj == null) c.Reply.Null();
        else c.Reply.Integer(MemoryUsage.Of(obj, samples));
    }

    /// <summary>The allocator's own report: here the .NET garbage collector's, and the packet buffers'.</summary>
    public static void MallocStats(ClientSession c)
    {
        var inv = CultureInfo.InvariantCulture;
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        var sb = new StringBuilder("___ Begin .NET GC statistics ___\n");
        sb.Append(inv, $"gc: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, {System.Runtime.GCSettings.LatencyMode}\n");
        sb.Append(inv, $"heap_size: {info.HeapSizeBytes}\nfragmented: {info.FragmentedBytes}\ncommitted: {info.TotalCommittedBytes}\n");
        sb.Append(inv, $"total_allocated: {GC.GetTotalAllocatedBytes()}\npromoted_last_gc: {info.PromotedBytes}\n");
        for (int g = 0; g < info.GenerationInfo.Length; g++)
        {
            var gen = info.GenerationInfo[g];
            string name = g switch { 3 => "loh", 4 => "poh", _ => "gen" + g };
            sb.Append(inv, $"{name}: size {gen.SizeAfterBytes}, fragmented {gen.FragmentationAfterBytes}");
            if (g <= 2) sb.Append(inv, $", collections {GC.CollectionCount(g)}");
            sb.Append('\n');
        }
        sb.Append(inv, $"pause_total_ms: {GC.GetTotalPauseDuration().TotalMilliseconds:F1}\n");
        if (c.Server.Memory is { } pbufs) sb.Append(inv, $"packet_buffers_used: {pbufs.UsedBytes}\n");
        sb.Append("___ End .NET GC statistics ___\n");
        c.Reply.Verbatim(sb.ToString());
    }

    /// <summary>MEMORY PURGE: a full compacting collection that gives freed memory back to the system.</summary>
    public static void Purge(ClientSession c)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        c.Reply.Ok();
    }

    /// <summary>
    /// MEMORY STATS: Redis's fields, in its order, from <see cref="MemoryOverhead"/>; the
    /// replication, cluster and AOF-buffer entries are 0 because none of them exist here
    /// (the log is written in place, with no buffer). One field of ours at the end:
    /// pbufs.allocated, the packet buffers in use (the values that live outside the heap).
    /// </summary>
    public static void Stats(ClientSession c)
    {
        var m = MemoryOverhead.Of(c.Server);
        var r = c.Reply;
        r.MapHeader(28 + m.Databases.Count);
        void Field(string name, long value) { r.Bulk(name); r.Integer(value); }
        void Ratio(string name, double value) { r.Bulk(name); r.Double(value); }
        Field("peak.allocated", m.PeakAllocated);
        Field("total.allocated", m.TotalAllocated);
        Field("startup.allocated", m.StartupAllocated);
        Field("replication.backlog", 0);
        Field("clients.slaves", 0);
        Field("clients.normal", m.ClientsNormal);
        Field("cluster.links", 0);
        Field("aof.buffer", 0);
        Field("lua.caches", m.LuaCaches);
        Field("functions.caches", m.FunctionsCaches);
        foreach (var (id, main, expires) in m.Databases)
        {
            r.Bulk("db." + id.ToString(CultureInfo.InvariantCulture));
            r.MapHeader(3);
            Field("overhead.hashtable.main", main);
            Field("overhead.hashtable.expires", expires);
            Field("overhead.hashtable.slot-to-keys", 0);
        }
        Field("overhead.total", m.OverheadTotal);
        Field("keys.count", m.KeysCount);
        Field("keys.bytes-per-key", m.BytesPerKey);
        Field("dataset.bytes", m.Dataset);
        Ratio("dataset.percentage", m.DatasetPercentage);
        Ratio("peak.percentage", m.PeakPercentage);
        Field("allocator.allocated", m.AllocatorAllocated);
        Field("allocator.active", m.AllocatorActive);
        Field("allocator.resident", m.AllocatorResident);
        Ratio("allocator-fragmentation.ratio", m.AllocatorFragmentation);
        Field("allocator-fragmentation.bytes", m.AllocatorFragmentationBytes);
        Ratio("allocator-rss.ratio", m.AllocatorRss);
        Field("allocator-rss.bytes", m.AllocatorRssBytes);
        Ratio("rss-overhead.ratio", m.RssOverhead);
        Field("rss-overhead.bytes", m.RssOverheadBytes);
        Ratio("fragmentation", m.Fragmentation);
        Field("fragmentation.bytes", m.FragmentationBytes);
        Field("pbufs.allocated", m.PbufsAllocated);
    }

    /// <summary>MEMORY DOCTOR: Redis's report and its words where its checks apply here (<see cref="MemoryDoctor"/>).</summary>
    public static void Doctor(ClientSession c) => c.Reply.Verbatim(MemoryDoctor.Report(c.Server));

    public static void Help(ClientSession c) => CommandHelp.Reply(c, "MEMORY",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).");
}
