using System.Diagnostics;
using System.Globalization;
using System.Text;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>
/// INFO [section …] with Redis's section and field names. Only fields the server really
/// measures are printed; nothing is filled in for show.
/// </summary>
internal static class InfoCommand
{
    private static readonly string[] DefaultSections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "keyspace"];

    public static void Info(ClientSession c)
    {
        var wanted = new List<string>();
        for (int i = 1; i < c.Request.Count; i++) wanted.Add(c.ArgString(i).ToLowerInvariant());
        bool all = wanted.Count == 0 || wanted.Contains("all") || wanted.Contains("everything") || wanted.Contains("default");
        var sections = all ? DefaultSections.Concat(c.Server.InfoSections.Select(x => x.Name)).ToList() : wanted;
        var sb = new StringBuilder();
        foreach (var s in sections.Distinct())
        {
            int before = sb.Length;
            Write(c.Server, s, sb);
            if (sb.Length > before) sb.Append("\r\n");
        }
        if (sb.Length >= 2) sb.Length -= 2;
        c.Reply.Verbatim(sb.ToString());
    }

    private static void Write(RedisServer server, string section, StringBuilder sb)
    {
        var inv = CultureInfo.InvariantCulture;
        void F(string name, object value) => sb.Append(name).Append(':').Append(Convert.ToString(value, inv)).Append("\r\n");
        long now = RedisServer.NowMs();
        switch (section)
        {
            case "server":
                sb.Append("# Server\r\n");
                F("redis_version", RedisServer.Version);
                F("pasteredis_version", typeof(InfoCommand).Assembly.GetName().Version?.ToString() ?? "0");
                F("redis_mode", "standalone");
                F("os", System.Runtime.InteropServices.RuntimeInformation.OSDescription);
                F("arch_bits", IntPtr.Size * 8);
                F("runtime", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
                F("process_id", Environment.ProcessId);
                F("run_id", server.RunId);
                F("tcp_port", server.TcpPort);
                F("server_time_usec", now * 1000);
                F("uptime_in_seconds", (now - server.StartTimeMs) / 1000);
                F("uptime_in_days", (now - server.StartTimeMs) / 86_400_000);
                F("hz", server.Config.Hz);
                F("executable", Environment.ProcessPath ?? "");
                F("config_file", server.Config.ConfigFile ?? "");
                break;
            case "clients":
                sb.Append("# Clients\r\n");
                F("connected_clients", server.ClientCount);
                F("maxclients", server.Config.MaxClients);
                F("blocked_clients", 0);
                break;
            case "memory":
                sb.Append("# Memory\r\n");
                long used = GC.GetTotalMemory(false);
                long rss = Environment.WorkingSet;
                F("used_memory", used);
                F("used_memory_human", Human(used));
                F("used_memory_rss", rss);
                F("used_memory_rss_human", Human(rss));
                if (server.Memory != null) F("used_memory_pbufs", server.Memory.UsedBytes);
                F("maxmemory", server.Config.MaxMemory);
                F("maxmemory_human", Human(server.Config.MaxMemory));
                F("maxmemory_policy", server.Config.MaxMemoryPolicy);
                break;
            case "persistence":
                sb.Append("# Persistence\r\n");
                F("loading", 0);
                F("async_loading", 0);
                F("rdb_changes_since_last_save", server.Events.Dirty);
                F("rdb_last_save_time", server.LastSaveUnix);
                if (server.Aof != null) server.Aof.WriteInfo(sb, server.Config);
                else
                {
                    F("aof_enabled", 0);
                    F("persistence_mode", "none: appendonly no, nothing survives a restart");
                }
                break;
            case "stats":
                var st = server.Stats;
                sb.Append("# Stats\r\n");
                F("total_connections_received", st.ConnectionsReceived);
                F("total_commands_processed", st.CommandsProcessed);
                F("instantaneous_ops_per_sec", server.OpsPerSecond);
                F("total_net_input_bytes", st.NetInputBytes);
                F("rejected_connections", st.RejectedConnections);
                F("expired_keys", server.Events.ExpiredKeys);
                F("evicted_keys", st.EvictedKeys);
                F("keyspace_hits", st.KeyspaceHits);
                F("keyspace_misses", st.KeyspaceMisses);
                F("total_error_replies_protocol", st.ProtocolErrors);
                F("auth_failures", st.AuthFailures);
                break;
            case "replication":
                sb.Append("# Replication\r\n");
                F("role", "master");
                F("connected_slaves", 0);
                F("master_replid", server.RunId);
                F("master_repl_offset", 0);
                break;
            case "cpu":
                sb.Append("# CPU\r\n");
                var p = Process.GetCurrentProcess();
                F("used_cpu_sys", p.PrivilegedProcessorTime.TotalSeconds.ToString("F6", inv));
                F("used_cpu_user", p.UserProcessorTime.TotalSeconds.ToString("F6", inv));
                break;
            case "keyspace":
                sb.Append("# Keyspace\r\n");
                foreach (var db in server.Databases)
                    if (db.Count > 0)
                        sb.Append(inv, $"db{db.Id}:keys={db.Count},expires={db.VolatileCount},avg_ttl={db.AverageTtlEstimate(now, server.Random)}\r\n");
                break;
            default:
                foreach (var (name, write) in server.InfoSections)
                    if (name == section) write(sb);
                break;
        }
    }

    private static string Human(long bytes)
    {
        string[] units = ["B", "K", "M", "G", "T"];
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
        return u == 0 ? $"{bytes}B" : v.ToString("F2", CultureInfo.InvariantCulture) + units[u];
    }
}
