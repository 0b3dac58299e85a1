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

    public static void Help(ClientSession c) => CommandHelp.Reply(c, "MEMORY",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).");
}
