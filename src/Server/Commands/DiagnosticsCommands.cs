using System.Text;
using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Diagnostics;

namespace PasteRedis.Server.Commands;

/// <summary>SLOWLOG and LATENCY (Redis's slowlog.c and latency.c).</summary>
internal static class DiagnosticsCommands
{
    public static void SlowlogGet(ClientSession c)
    {
        long count = 10;
        if (c.Request.Count == 3 && (!RespNumber.TryParseInt64(c.Request.Arg(2), out count) || count < -1))
        {
            c.Reply.Error("ERR count should be greater than or equal to -1");
            return;
        }
        var entries = c.Server.Calls.SlowLog.Newest(count).ToList();
        c.Reply.ArrayHeader(entries.Count);
        foreach (var e in entries)
        {
            c.Reply.ArrayHeader(6);
            c.Reply.Integer(e.Id);
            c.Reply.Integer(e.UnixSeconds);
            c.Reply.Integer(e.Microseconds);
            c.Reply.ArrayHeader(e.Args.Length);
            foreach (var a in e.Args) c.Reply.Bulk(a);
            c.Reply.Bulk(e.Peer);
            c.Reply.Bulk(e.ClientName);
        }
    }

    public static void SlowlogLen(ClientSession c) => c.Reply.Integer(c.Server.Calls.SlowLog.Count);

    public static void SlowlogReset(ClientSession c)
    {
        c.Server.Calls.SlowLog.Reset();
        c.Reply.Ok();
    }

    public static void SlowlogHelp(ClientSession c) => CommandHelp.Reply(c, "SLOWLOG",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.");

    public static void LatencyLatest(ClientSession c)
    {
        var events = c.Server.Calls.Latency.Events;
        c.Reply.ArrayHeader(events.Count);
        foreach (var (name, s) in events)
        {
            c.Reply.ArrayHeader(4);
            c.Reply.Bulk(name);
            c.Reply.Integer(s.Times[s.Last]);
            c.Reply.Integer(s.Latencies[s.Last]);
            c.Reply.Integer(s.Max);
        }
    }

    public static void LatencyHistory(ClientSession c)
    {
        if (!c.Server.Calls.Latency.Events.TryGetValue(c.ArgString(2), out var s))
        {
            c.Reply.ArrayHeader(0);
            return;
        }
        var samples = s.History().ToList();
        c.Reply.ArrayHeader(samples.Count);
        foreach (var (time, latency) in samples)
        {
            c.Reply.ArrayHeader(2);
            c.Reply.Integer(time);
            c.Reply.Integer(latency);
        }
    }

    public static void LatencyReset(ClientSession c)
    {
        var latency = c.Server.Calls.Latency;
        if (c.Request.Count == 2)
        {
            c.Reply.Integer(latency.Reset(null));
            return;
        }
        int resets = 0;
        for (int i = 2; i < c.Request.Count; i++) resets += latency.Reset(c.ArgString(i));
        c.Reply.Integer(resets);
    }

    public static void LatencyGraph(ClientSession c)
    {
        string name = c.ArgString(2);
        if (!c.Server.Calls.Latency.Events.TryGetValue(name, out var s))
        {
            c.Reply.Error($"ERR No samples available for event '{name}'");
            return;
        }
        c.Reply.Verbatim(Sparkline.Graph(name, s, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    }

    /// <summary>
    /// LATENCY HISTOGRAM [command …]: each command's calls and cumulative latency buckets
    /// (microseconds, powers of two from 1 µs); all commands with data, or those named
    /// (a container name brings its subcommands; unknown names are skipped).
    /// </summary>
    public static void LatencyHistogram(ClientSession c)
    {
        var chosen = new List<RedisCommand>();
        if (c.Request.Count == 2)
            chosen.AddRange(c.Server.Commands.All.SelectMany(x => x.Subcommands?.Values.Prepend(x) ?? [x]).OrderBy(x => x.FullName, StringComparer.Ordinal));
        else
            for (int i = 2; i < c.Request.Count; i++)
            {
                var name = c.Request.Arg(i);
                int bar = name.IndexOf((byte)'|');
                if (!c.Server.Commands.TryGet(bar < 0 ? name : name[..bar], out var cmd)) continue;
                if (bar >= 0)
                {
                    if (cmd.SubLookup == null || !cmd.SubLookup.TryGet(name[(bar + 1)..], out var sub)) continue;
                    cmd = sub;
                }
                chosen.Add(cmd);
                if (cmd.Subcommands != null) chosen.AddRange(cmd.Subcommands.Values);
            }
        chosen.RemoveAll(x => x.Histogram == null);
        c.Reply.MapHeader(chosen.Count);
        foreach (var cmd in chosen)
        {
            var h = cmd.Histogram!;
            c.Reply.Bulk(cmd.FullName);
            c.Reply.MapHeader(2);
            c.Reply.Bulk("calls");
            c.Reply.Integer(h.TotalCount);
            c.Reply.Bulk("histogram_usec");
            var buckets = h.CumulativeBuckets();
            c.Reply.MapHeader(buckets.Count);
            foreach (var (us, count) in buckets)
            {
                c.Reply.Integer(us);
                c.Reply.Integer(count);
            }
        }
    }

    /// <summary>INFO latencystats: each command's latency at latency-tracking-info-percentiles, in microseconds.</summary>
    public static void WriteLatencyStats(RedisServer server, StringBuilder sb)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        sb.Append("# Latencystats\r\n");
        var percentiles = server.Config.LatencyTrackingPercentiles;
        foreach (var cmd in server.Commands.All.SelectMany(x => x.Subcommands?.Values.Prepend(x) ?? [x]).OrderBy(x => x.FullName, StringComparer.Ordinal))
        {
            if (cmd.Histogram is not { } h) continue;
            sb.Append("latency_percentiles_usec_").Append(cmd.FullName).Append(':');
            for (int j = 0; j < percentiles.Length; j++)
            {
                if (j > 0) sb.Append(',');
                sb.Append(inv, $"p{Configuration.ServerConfig.FormatPercentile(percentiles[j])}={h.ValueAtPercentile(percentiles[j]) / 1000.0:F3}");
            }
            sb.Append("\r\n");
        }
    }

    /// <summary>LATENCY DOCTOR: Redis's report over the recorded events (<see cref="Diagnostics.LatencyDoctor"/>).</summary>
    public static void LatencyDoctor(ClientSession c) => c.Reply.Verbatim(Diagnostics.LatencyDoctor.Report(
        c.Server.Calls.Latency, c.Server.Config, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Diagnostics.LatencyDoctor.AnonHugePages()));

    public static void LatencyHelp(ClientSession c) => CommandHelp.Reply(c, "LATENCY",
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.");
}
