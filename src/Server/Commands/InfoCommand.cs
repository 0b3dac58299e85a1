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
    private static readonly string[] DefaultSections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "errorstats", "cluster", "keyspace"];

    public static void Info(ClientSession c)
    {
        var wanted = new List<string>();
        for (int i = 1; i < c.Request.Count; i++) wanted.Add(c.ArgString(i).ToLowerInvariant());
        bool all = wanted.Contains("all") || wanted.Contains("everything");
        bool defaults = all || wanted.Count == 0 || wanted.Contains("default");
        // "all" adds what the default leaves out, where Redis puts it: commandstats before errorstats, latencystats after.
        var sections = !defaults ? wanted
            : DefaultSections.SelectMany(x => all && x == "errorstats" ? ["commandstats", x, "latencystats"] : new[] { x })
                .Concat(c.Server.InfoSections.Select(x => x.Name)).Concat(wanted).ToList();
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
        long now = RedisServer.NowMs();
        switch (section)
        {
            case "server":
                sb.Append("# Server\r\n");
                sb.Field("redis_version", RedisServer.Version);
                sb.Field("pasteredis_version", typeof(InfoCommand).Assembly.GetName().Version?.ToString() ?? "0");
                sb.Field("redis_mode", "standalone");
                sb.Field("os", System.Runtime.InteropServices.RuntimeInformation.OSDescription);
                sb.Field("arch_bits", IntPtr.Size * 8);
                sb.Field("runtime", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
                sb.Field("process_id", Environment.ProcessId);
                sb.Field("run_id", server.RunId);
                sb.Field("tcp_port", server.TcpPort);
                sb.Field("server_time_usec", now * 1000);
                sb.Field("uptime_in_seconds", (now - server.StartTimeMs) / 1000);
                sb.Field("uptime_in_days", (now - server.StartTimeMs) / 86_400_000);
                sb.Field("hz", server.Hz);
                sb.Field("configured_hz", server.Config.Hz);
                sb.Field("process_supervised", server.Supervision.Mode);
                sb.Field("multiplexing_api", OperatingSystem.IsLinux() ? "epoll" : OperatingSystem.IsWindows() ? "iocp" : "kqueue");
                // Where commands run: on our own epoll loops (event-loop epoll, the default), or
                // on the runtime's socket event threads (the server process's setting) or handed to its thread pool.
                if (server.OwnEventLoop)
                {
                    sb.Field("event_loop", "epoll");
                    sb.Field("io_threads", server.Config.Get("io-threads"));
                    // The hot path runs on the loops' threads: what they allocate (nothing per request).
                    sb.Field("event_loop_allocated_bytes", server.EventLoopAllocatedBytes!());
                    // recv/readv calls: a pipeline of large writes is read 16 KB or more at a time.
                    sb.Field("event_loop_reads", server.EventLoopReads!());
                }
                else
                {
                    sb.Field("event_loop", Hosting.SocketEngine.Inline ? "inline" : "thread-pool");
                    sb.Field("io_threads", Hosting.SocketEngine.Threads);
                }
                // What times each command for commandstats, the slow log and latency: the CPU's invariant TSC, or the OS's monotonic clock.
                sb.Field("command_clock", Diagnostics.CycleClock.Source);
                sb.Field("executable", Environment.ProcessPath ?? "");
                sb.Field("config_file", server.Config.ConfigFile ?? "");
                break;
            case "clients":
                sb.Append("# Clients\r\n");
                sb.Field("connected_clients", server.ClientCount);
                sb.Field("maxclients", server.Config.MaxClients);
                sb.Field("blocked_clients", server.Clients.Count(c => c.IsBlocked));
                sb.Field("clients_in_timeout_table", server.Clients.Count(c => c.IsBlockedWithTimeout));
                sb.Field("tracking_clients", server.Tracking.Clients);
                sb.Field("pubsub_clients", server.Clients.Count(c => c.SubscriptionCount > 0));
                sb.Field("watching_clients", server.Clients.Count(c => c.WatchedCount > 0));
                sb.Field("total_watched_keys", server.Watches.Count);
                sb.Field("total_blocking_keys", server.Blocking.Count);
                break;
            case "memory":
            {
                sb.Append("# Memory\r\n");
                var m = Memory.MemoryOverhead.Of(server); // MEMORY STATS's figures, as Redis shares them
                long used = m.TotalAllocated, rss = m.Rss, peak = m.PeakAllocated;
                sb.Field("used_memory", used);
                sb.Field("used_memory_human", Human(used));
                sb.Field("used_memory_rss", rss);
                sb.Field("used_memory_rss_human", Human(rss));
                sb.Field("used_memory_peak", peak);
                sb.Field("used_memory_peak_human", Human(peak));
                sb.Field("used_memory_peak_perc", m.PeakPercentage.ToString("F2", inv) + "%");
                sb.Field("used_memory_overhead", m.OverheadTotal);
                sb.Field("used_memory_startup", m.StartupAllocated);
                sb.Field("used_memory_dataset", m.Dataset);
                sb.Field("used_memory_dataset_perc", m.DatasetPercentage.ToString("F2", inv) + "%");
                sb.Field("allocator_allocated", m.AllocatorAllocated);
                sb.Field("allocator_active", m.AllocatorActive);
                sb.Field("allocator_resident", m.AllocatorResident);
                long system = TotalSystemMemory();
                sb.Field("total_system_memory", system);
                sb.Field("total_system_memory_human", Human(system));
                if (server.Memory != null) sb.Field("used_memory_pbufs", server.Memory.UsedBytes);
                long lua = server.ScriptsIfStarted?.LuaMemory ?? 0;
                sb.Field("used_memory_lua", lua);
                sb.Field("used_memory_vm_eval", lua);
                sb.Field("used_memory_lua_human", Human(lua));
                sb.Field("used_memory_scripts_eval", server.ScriptsIfStarted?.ScriptBytes ?? 0);
                sb.Field("number_of_cached_scripts", server.ScriptsIfStarted?.Count ?? 0);
                sb.Field("maxmemory", server.Config.MaxMemory);
                sb.Field("maxmemory_human", Human(server.Config.MaxMemory));
                sb.Field("maxmemory_policy", server.Config.MaxMemoryPolicy);
                sb.Field("allocator_frag_ratio", m.AllocatorFragmentation.ToString("F2", inv));
                sb.Field("allocator_frag_bytes", m.AllocatorFragmentationBytes);
                // No RSS ratios (Redis's allocator_rss_*, rss_overhead_*, mem_fragmentation_*):
                // the process's RSS holds the .NET runtime and the mapped packet buffers, so RSS
                // over the heap would read as fragmentation where there is none, and alert.
                sb.Field("mem_clients_normal", m.ClientsNormal);
                sb.Field("mem_aof_buffer", 0);
                sb.Field("mem_allocator", ".NET GC");
                // The managed heap's address range advised for 2 MB pages (0: not advised; see TransparentHugePages).
                sb.Field("mem_heap_huge_pages_advised", Hosting.TransparentHugePages.ManagedHeapAdvisedBytes);
                break;
            }
            case "persistence":
                sb.Append("# Persistence\r\n");
                bool loading = server.Loading;
                sb.Field("loading", loading ? 1 : 0);
                sb.Field("async_loading", 0);
                if (loading)
                {
                    sb.Field("loading_start_time", server.LoadingStartUnix);
                    sb.Field("loading_loaded_records", server.LoadingRecords);
                }
                // Keys of plain SETs the replay indexed; their objects are built in the background (or when asked for).
                sb.Field("loading_deferred_keys", server.Databases.Sum(d => (long)d.DeferredCount));
                var snapshots = server.Snapshots;
                sb.Field("rdb_changes_since_last_save", server.Events.Dirty - snapshots.DirtyAtLastSave);
                sb.Field("rdb_bgsave_in_progress", snapshots.InProgress ? 1 : 0);
                sb.Field("rdb_last_save_time", server.LastSaveUnix);
                sb.Field("rdb_last_bgsave_status", snapshots.LastBackgroundStatus);
                sb.Field("rdb_last_bgsave_time_sec", snapshots.LastBackgroundSeconds);
                sb.Field("rdb_current_bgsave_time_sec", -1);
                sb.Field("rdb_saves", snapshots.Saves);
                if ((server.Aof ?? server.LoadingAof) is { } aof) aof.WriteInfo(sb, server.Config);
                else
                {
                    sb.Field("aof_enabled", 0);
                    sb.Field("persistence_mode", "none: appendonly no, nothing survives a restart");
                }
                break;
            case "stats":
                var st = server.Stats;
                sb.Append("# Stats\r\n");
                sb.Field("total_connections_received", st.ConnectionsReceived);
                sb.Field("total_commands_processed", st.CommandsProcessed);
                sb.Field("instantaneous_ops_per_sec", server.OpsPerSecond);
                var traffic = server.TotalTraffic();
                sb.Field("total_net_input_bytes", traffic.InputBytes);
                sb.Field("total_net_output_bytes", traffic.OutputBytes);
                sb.Field("instantaneous_input_kbps", (server.InputBytesPerSecond / 1024.0).ToString("F2", CultureInfo.InvariantCulture));
                sb.Field("instantaneous_output_kbps", (server.OutputBytesPerSecond / 1024.0).ToString("F2", CultureInfo.InvariantCulture));
                sb.Field("rejected_connections", st.RejectedConnections);
                sb.Field("sync_full", st.SyncFull);
                sb.Field("sync_partial_ok", st.SyncPartialOk);
                sb.Field("sync_partial_err", st.SyncPartialErr);
                sb.Field("expired_keys", server.Events.ExpiredKeys);
                sb.Field("expired_stale_perc", (server.ExpiredStaleFraction * 100).ToString("F2", CultureInfo.InvariantCulture));
                sb.Field("expired_time_cap_reached_count", server.ExpireCycleTimeCapReached);
                sb.Field("expire_cycle_cpu_milliseconds", server.ExpireCycleTicks * 1000 / System.Diagnostics.Stopwatch.Frequency);
                sb.Field("evicted_keys", st.EvictedKeys);
                sb.Field("evicted_clients", st.EvictedClients);
                sb.Field("keyspace_hits", st.KeyspaceHits);
                sb.Field("keyspace_misses", st.KeyspaceMisses);
                sb.Field("total_error_replies", st.ErrorReplies);
                sb.Field("total_reads_processed", traffic.Reads);
                sb.Field("total_writes_processed", traffic.Writes);
                sb.Field("total_error_replies_protocol", st.ProtocolErrors);
                sb.Field("auth_failures", st.AuthFailures);
                sb.Field("tracking_total_keys", server.Tracking.TrackedKeys);
                sb.Field("tracking_total_items", server.Tracking.TrackedItems);
                sb.Field("tracking_total_prefixes", server.Tracking.Prefixes);
                sb.Field("pubsub_channels", server.PubSub.ChannelCount);
                sb.Field("pubsub_patterns", server.PubSub.PatternCount);
                sb.Field("pubsubshard_channels", server.PubSub.ShardChannelCount);
                sb.Field("client_output_buffer_limit_disconnections", st.OutputLimitDisconnections);
                break;
            case "replication":
                sb.Append("# Replication\r\n");
                var source = server.Replication;
                if (server.Master is { } master)
                {
                    sb.Field("role", "slave");
                    sb.Field("master_host", master.Host);
                    sb.Field("master_port", master.Port);
                    sb.Field("master_link_status", master.Up ? "up" : "down");
                    sb.Field("master_last_io_seconds_ago", master.Up ? (RedisServer.NowMs() - master.LastIoMs) / 1000 : -1);
                    sb.Field("master_sync_in_progress", master.State == "sync" ? 1 : 0);
                    sb.Field("slave_read_repl_offset", master.Offset);
                    sb.Field("slave_repl_offset", master.Offset);
                    if (!master.Up) sb.Field("master_link_down_since_seconds", master.DownSinceMs is long down ? (RedisServer.NowMs() - down) / 1000 : -1);
                    sb.Field("slave_priority", server.Config.Get("replica-priority"));
                    sb.Field("slave_read_only", server.Config.Get("replica-read-only") == "yes" ? 1 : 0);
                    sb.Field("replica_announced", server.Config.Get("replica-announced") == "yes" ? 1 : 0);
                }
                else sb.Field("role", "master");
                sb.Field("connected_slaves", source.Replicas.Count);
                if (server.Config.Long("min-replicas-to-write") > 0 && server.Config.Long("min-replicas-max-lag") > 0)
                    sb.Field("min_slaves_good_slaves", source.GoodReplicas);
                for (int i = 0; i < source.Replicas.Count; i++)
                {
                    var r = source.Replicas[i];
                    sb.Field($"slave{i}", $"ip={r.Address},port={r.ListeningPort},state=online," +
                        $"offset={Math.Max(0, r.AckOffset)},lag={(RedisServer.NowMs() - r.LastAckMs) / 1000}");
                }
                sb.Field("master_failover_state", "no-failover");
                sb.Field("master_replid", server.Master?.MasterReplId ?? source.ReplId);
                sb.Field("master_replid2", new string('0', 40));
                sb.Field("master_repl_offset", server.Master?.Offset ?? source.Offset);
                sb.Field("second_repl_offset", -1);
                var backlog = server.Master == null ? source.Backlog : null;
                sb.Field("repl_backlog_active", backlog != null ? 1 : 0);
                sb.Field("repl_backlog_size", backlog?.Size ?? Math.Max(server.Config.ReplBacklogSize, Replication.ReplicationBacklog.MinSize));
                sb.Field("repl_backlog_first_byte_offset", backlog?.FirstByteOffset ?? 0);
                sb.Field("repl_backlog_histlen", backlog?.HistoryLength ?? 0);
                break;
            case "cpu":
                sb.Append("# CPU\r\n");
                var p = Process.GetCurrentProcess();
                sb.Field("used_cpu_sys", p.PrivilegedProcessorTime.TotalSeconds.ToString("F6", inv));
                sb.Field("used_cpu_user", p.UserProcessorTime.TotalSeconds.ToString("F6", inv));
                if (ChildrenCpuSeconds() is var (childSys, childUser))
                {
                    sb.Field("used_cpu_sys_children", childSys.ToString("F6", inv));
                    sb.Field("used_cpu_user_children", childUser.ToString("F6", inv));
                }
                break;
            case "errorstats":
                sb.Append("# Errorstats\r\n");
                foreach (var (code, count) in server.Stats.ErrorCodes())
                    sb.Append(inv, $"errorstat_{code}:count={count}\r\n");
                break;
            case "commandstats":
                sb.Append("# Commandstats\r\n");
                foreach (var cmd in server.Commands.All.SelectMany(x => x.Subcommands?.Values.Prepend(x) ?? [x]).OrderBy(x => x.FullName, StringComparer.Ordinal))
                {
                    if (cmd.Calls == 0 && cmd.FailedCalls == 0 && cmd.RejectedCalls == 0) continue;
                    long usec = Diagnostics.CommandCalls.Microseconds(cmd.Ticks);
                    double perCall = cmd.Calls == 0 ? 0 : (double)usec / cmd.Calls;
                    sb.Append(inv, $"cmdstat_{cmd.FullName}:calls={cmd.Calls},usec={usec},usec_per_call={perCall:F2},rejected_calls={cmd.RejectedCalls},failed_calls={cmd.FailedCalls}\r\n");
                }
                break;
            case "latencystats":
                DiagnosticsCommands.WriteLatencyStats(server, sb);
                break;
            case "cluster":
                sb.Append("# Cluster\r\n");
                sb.Field("cluster_enabled", 0);
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

    /// <summary>
    /// CPU of waited-for child processes (cstime, cutime of /proc/self/stat), as Redis's
    /// RUSAGE_CHILDREN; null where /proc is absent. (The server forks none: compaction is a thread.)
    /// </summary>
    private static (double Sys, double User)? ChildrenCpuSeconds()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields from the 3rd (state) on
            const double ticks = 100.0; // USER_HZ
            return (long.Parse(fields[14], CultureInfo.InvariantCulture) / ticks, long.Parse(fields[13], CultureInfo.InvariantCulture) / ticks);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Physical memory (MemTotal), as Redis reports it; what the runtime may use where /proc is absent.</summary>
    private static long TotalSystemMemory()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(9).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
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
