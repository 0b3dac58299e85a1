namespace PasteRedis.Server.Configuration;

internal sealed partial class ServerConfig
{
    private const long Mb = 1024 * 1024;

    /// <summary>
    /// Every parameter the server accepts. Names, defaults and value syntax are Redis 7's;
    /// a parameter is listed when the server really acts on it, when (like `save`) the only
    /// value it accepts is the one that describes what it does, or when it is one of the
    /// <see cref="Compatibility"/> parameters: Redis tuning knobs whose job has no
    /// counterpart here, accepted so that a stock redis.conf loads (each says why).
    /// </summary>
    private static readonly ConfigParameter[] Parameters =
    [
        new("port", "6379", ParamKind.Integer, Mutable: false, Min: 0, Max: 65535),
        new("bind", "127.0.0.1", ParamKind.String, Mutable: false),
        // TLS on its own port, beside (or, with port 0, instead of) plain TCP. The port is read at
        // start; CONFIG SET of the others reloads TLS for new connections (RedisServer.ReloadTls).
        new("tls-port", "0", ParamKind.Integer, Mutable: false, Min: 0, Max: 65535),
        new("tls-cert-file", "", ParamKind.String),
        new("tls-key-file", "", ParamKind.String),
        new("tls-key-file-pass", "", ParamKind.String, Sensitive: true),
        new("tls-ca-cert-file", "", ParamKind.String),
        new("tls-ca-cert-dir", "", ParamKind.String),
        new("tls-auth-clients", "yes", ParamKind.Enum, Choices: ["no", "yes", "optional"]),
        new("tls-protocols", "", ParamKind.String),
        new("tcp-backlog", "511", ParamKind.Integer, Mutable: false, Min: 1, Max: 65535),
        // A Unix domain socket to listen on besides (or, with port 0, instead of) TCP, and its
        // file's permissions (octal, as Redis's; 0 leaves the process's umask to decide).
        new("unixsocket", "", ParamKind.String, Mutable: false),
        new("unixsocketperm", "0", ParamKind.String, Mutable: false,
            Validate: v => Hosting.UnixSocket.TryParsePermissions(v, out _) ? null : "argument couldn't be parsed into an integer"),
        new("requirepass", "", ParamKind.String, Sensitive: true),
        new("acllog-max-len", "128", ParamKind.Integer, Min: 0, Max: long.MaxValue),
        new("aclfile", "", ParamKind.String, Mutable: false),
        new("repl-ping-replica-period", "10", ParamKind.Integer, Min: 1, Max: int.MaxValue, Aliases: ["repl-ping-slave-period"]),
        new("acl-pubsub-default", "resetchannels", ParamKind.Enum, Choices: ["allchannels", "resetchannels"]),
        new("databases", "16", ParamKind.Integer, Mutable: false, Min: 1, Max: 10000),
        new("dir", "./data", ParamKind.String, Mutable: false),
        new("proto-max-bulk-len", (512 * Mb).ToString(), ParamKind.Memory, Min: 1024 * 1024, Max: long.MaxValue),
        new("client-query-buffer-limit", (1024 * Mb).ToString(), ParamKind.Memory, Min: 1024 * 1024, Max: long.MaxValue),
        new("client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", ParamKind.String,
            Validate: v => OutputLimits.TryParse(v, out _) ? null : "Wrong number of arguments in buffer limit configuration."),
        new("maxclients", "10000", ParamKind.Integer, Min: 1, Max: 1_000_000),
        new("timeout", "0", ParamKind.Integer, Min: 0, Max: int.MaxValue),
        new("io-threads", "1", ParamKind.Integer, Mutable: false, Min: 1, Max: 128),
        // PasteRedis: who runs the sockets. epoll: an event loop of our own (Linux; Hosting/Loop),
        // one fence and one round of sends per iteration; runtime: .NET's socket engine.
        new("event-loop", "epoll", ParamKind.Enum, Mutable: false, Choices: ["epoll", "runtime"]),
        new("tcp-keepalive", "300", ParamKind.Integer, Min: 0, Max: int.MaxValue),
        new("hz", "10", ParamKind.Integer, Min: 0, Max: int.MaxValue, Clamp: (1, 500)),
        new("stream-node-max-entries", "100", ParamKind.Integer, Min: 0, Max: long.MaxValue),
        new("stream-node-max-bytes", "4096", ParamKind.Memory, Min: 0, Max: long.MaxValue),
        new("hll-sparse-max-bytes", "3000", ParamKind.Memory, Min: 0, Max: long.MaxValue),
        // Where values leave their compact encodings (Keyspace/EncodingLimits; OBJECT ENCODING).
        new("hash-max-listpack-entries", "512", ParamKind.Integer, Min: 0, Max: long.MaxValue, Aliases: ["hash-max-ziplist-entries"]),
        new("hash-max-listpack-value", "64", ParamKind.Memory, Min: 0, Max: long.MaxValue, Aliases: ["hash-max-ziplist-value"]),
        new("zset-max-listpack-entries", "128", ParamKind.Integer, Min: 0, Max: long.MaxValue, Aliases: ["zset-max-ziplist-entries"]),
        new("zset-max-listpack-value", "64", ParamKind.Memory, Min: 0, Max: long.MaxValue, Aliases: ["zset-max-ziplist-value"]),
        new("set-max-intset-entries", "512", ParamKind.Integer, Min: 0, Max: long.MaxValue),
        new("maxmemory", "0", ParamKind.Memory, Min: 0),
        new("maxmemory-clients", "0", ParamKind.MemoryOrPercent),
        new("maxmemory-policy", "noeviction", ParamKind.Enum,
            Choices: ["noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"]),
        new("lfu-log-factor", "10", ParamKind.Integer, Min: 0, Max: int.MaxValue),
        new("lfu-decay-time", "1", ParamKind.Integer, Min: 0, Max: int.MaxValue),
        new("maxmemory-samples", "5", ParamKind.Integer, Min: 1, Max: 64),
        new("appendonly", "yes", ParamKind.YesNo, Mutable: false),
        new("aof-mode", "reference", ParamKind.Enum, Mutable: false, Choices: ["reference", "copy"]),
        new("auto-aof-rewrite-percentage", "100", ParamKind.Integer, Min: 0, Max: int.MaxValue),
        new("auto-aof-rewrite-min-size", (64 * Mb).ToString(), ParamKind.Memory, Min: 0),
        new("aof-import", "", ParamKind.String, Mutable: false),
        // Redis's testing aid: microseconds to wait after each record replayed at start-up.
        new("key-load-delay", "0", ParamKind.Integer, Min: 0, Max: 1_000_000),
        // The same kind of aid for the keys a load deferred (plain SETs, Keyspace/DeferredStrings):
        // microseconds to wait per key the background build has built, outside the execution lock.
        new("deferred-build-delay", "0", ParamKind.Integer, Min: 0, Max: 1_000_000),
        // The log's file is sparse (pages are taken as records are written), and it holds the
        // composed commands inline (a compaction's collections): as large as the default region.
        // Recovery maps it as one span, so under 2 GB.
        new("aof-max-size", (1024 * Mb).ToString(), ParamKind.Memory, Mutable: false, Min: 1024 * 1024, Max: int.MaxValue),
        new("appendfsync", "always", ParamKind.Enum, Mutable: false, Choices: ["always", "everysec", "no"]),
        new("aof-load-truncated", "yes", ParamKind.YesNo),
        new("dbfilename", "dump.rdb", ParamKind.String, Mutable: false,
            Validate: v => v.Length > 0 && v.IndexOfAny(['/', '\\']) < 0 ? null : "dbfilename can't be a path, just a filename"),
        // Save points (Persistence/SavePoints): "seconds changes" pairs, a BGSAVE when both are reached
        // (RedisServer.Cron). None by default: the AOF is this server's persistence (Redis: 3600 1 300 100 60 10000).
        new("save", "", ParamKind.String, Validate: v => Persistence.SavePoints.TryParse(v, out _) ? null : Persistence.SavePoints.InvalidError),
        new("loglevel", "notice", ParamKind.Enum, Choices: ["debug", "verbose", "notice", "warning", "nothing"]),
        // The log's file (Hosting/FileLogger), opened for each entry; "" is standard output.
        new("logfile", "", ParamKind.String, Mutable: false, Validate: CanAppendTo),
        new("pidfile", "", ParamKind.String, Mutable: false),
        // The process's OOM-killer score (Hosting/OomScore): the first value is a master's.
        new("oom-score-adj", "no", ParamKind.Enum, Choices: ["no", "yes", "relative", "absolute"]),
        new("oom-score-adj-values", "0 200 800", ParamKind.String, Validate: Hosting.OomScore.Validate),
        // RDB files (SAVE, BGSAVE; --aof-import reads them): their CRC-64, or 0 and no check.
        new("rdbchecksum", "yes", ParamKind.YesNo, Mutable: false),
        // Strings over 20 bytes LZF-compressed in RDB files and DUMP payloads (RdbValue.Lzf).
        new("rdbcompression", "yes", ParamKind.YesNo),
        // The server never forks into the background: "yes" may be in the file (a stock redis.conf
        // has it) when the command line says no, as Debian's redis-server.service does; a "yes" left
        // standing refuses the start (ConfigLoader).
        new("daemonize", "no", ParamKind.YesNo, Mutable: false),
        // Seconds a shutdown waits for lagging replicas to acknowledge the stream (0: it does not wait).
        new("shutdown-timeout", "10", ParamKind.Integer, Min: 0, Max: int.MaxValue),
        // SHUTDOWN's options for SIGTERM and SIGINT (Hosting/SignalLifetime): "default", or save, nosave, now, force.
        new("shutdown-on-sigterm", "default", ParamKind.String, Validate: v => Hosting.ShutdownOptions.TryParse(v, out _)),
        new("shutdown-on-sigint", "default", ParamKind.String, Validate: v => Hosting.ShutdownOptions.TryParse(v, out _)),
        // Tells a service manager the server is ready (Hosting/Supervision): systemd's notify socket, upstart's SIGSTOP.
        new("supervised", "no", ParamKind.Enum, Mutable: false, Choices: ["upstart", "systemd", "auto", "no"]),
        // As Redis 7: with no password for the default user, only loopback clients are served (RespSocketServer).
        new("protected-mode", "yes", ParamKind.YesNo),
        new("cluster-enabled", "no", ParamKind.YesNo, Mutable: false,
            Validate: v => v == "no" ? null : "cluster mode is not supported"),
        new("pbuf-memory", (1024 * Mb).ToString(), ParamKind.Memory, Mutable: false, Min: 1024 * 1024),
        new("pbuf-size", "4096", ParamKind.Integer, Mutable: false, Min: 512, Max: 32768,
            Validate: v => long.Parse(v) % 64 == 0 ? null : "argument must be a multiple of 64"),
        new("pbuf-prefault", "no", ParamKind.YesNo, Mutable: false),
        new("pmem-granularity", "auto", ParamKind.Enum, Mutable: false, Choices: ["auto", "cache-line", "page"]),
        new("pmem-library", "libpmem2", ParamKind.Enum, Mutable: false, Choices: ["libpmem2", "msync"]),
        // How long a script may run before it is stopped, if it has not written (Redis answers BUSY from then on).
        new("busy-reply-threshold", "5000", ParamKind.Integer, Min: 0, Max: long.MaxValue, Aliases: ["lua-time-limit"]),
        // The slow log and the latency monitor (SLOWLOG, LATENCY), with Redis's defaults.
        new("notify-keyspace-events", "", ParamKind.String,
            Validate: v => Keyspace.KeyspaceNotifications.Parse(v) == null ? Keyspace.KeyspaceNotifications.InvalidClass : null),
        new("slowlog-log-slower-than", "10000", ParamKind.Integer, Min: -1, Max: long.MaxValue),
        new("slowlog-max-len", "128", ParamKind.Integer, Min: 0, Max: long.MaxValue),
        new("latency-monitor-threshold", "0", ParamKind.Integer, Min: 0, Max: long.MaxValue),
        new("latency-tracking", "yes", ParamKind.YesNo),
        new("latency-tracking-info-percentiles", "50 99 99.9", ParamKind.String, Validate: v => ParsePercentiles(v, out _)),
        // Redis 7's protected config: DEBUG only when "yes", or "local" from a loopback client.
        new("enable-debug-command", "no", ParamKind.Enum, Mutable: false, Choices: ["no", "yes", "local"]),
        new("replica-read-only", "yes", ParamKind.YesNo, Aliases: ["slave-read-only"]),
        // "host port" of the master this server replicates (CONFIG GET shows the current one; REPLICAOF changes it).
        new("replicaof", "", ParamKind.String, Mutable: false, Aliases: ["slaveof"],
            Validate: v => v.Length == 0 || (v.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var port] && int.TryParse(port, out int n) && n is >= 0 and <= 65535)
                ? null : "Invalid master port"),
        // The replication backlog (Replication/ReplicationBacklog): the stream's last bytes a
        // reconnecting replica may continue from; dropped after this many seconds without replicas.
        new("repl-backlog-size", (1 * Mb).ToString(), ParamKind.Memory, Min: 1, Max: long.MaxValue),
        new("repl-backlog-ttl", "3600", ParamKind.Integer, Min: 0, Max: int.MaxValue),
        // Writes refused (NOREPLICAS) unless this many replicas acknowledged within the lag (seconds); 0 turns it off.
        new("min-replicas-to-write", "0", ParamKind.Integer, Min: 0, Max: int.MaxValue, Aliases: ["min-slaves-to-write"]),
        new("min-replicas-max-lag", "10", ParamKind.Integer, Min: 0, Max: int.MaxValue, Aliases: ["min-slaves-max-lag"]),
        new("repl-timeout", "60", ParamKind.Integer, Min: 1, Max: int.MaxValue),
        new("masterauth", "", ParamKind.String, Sensitive: true),
        new("masteruser", "", ParamKind.String),
        // MASTERDOWN for commands that need data while a replica's link is down (ClientSession.Execute).
        new("replica-serve-stale-data", "yes", ParamKind.YesNo, Aliases: ["slave-serve-stale-data"]),
        // Shown by a replica's INFO replication (slave_priority, replica_announced), for Sentinel.
        new("replica-priority", "100", ParamKind.Integer, Min: 0, Max: int.MaxValue, Aliases: ["slave-priority"]),
        new("replica-announced", "yes", ParamKind.YesNo),
        // What a replica tells its master to list it as (REPLCONF ip-address / listening-port): behind NAT or in containers.
        new("replica-announce-ip", "", ParamKind.String, Aliases: ["slave-announce-ip"]),
        new("replica-announce-port", "0", ParamKind.Integer, Min: 0, Max: 65535, Aliases: ["slave-announce-port"]),
        // Replicas' sockets without TCP_NODELAY after their synchronization: fewer, larger packets.
        new("repl-disable-tcp-nodelay", "no", ParamKind.YesNo),
        // The banner at start (Hosting/StartupBanner), the process's name (Hosting/ProcessTitle),
        // transparent huge pages off for the process (Hosting/TransparentHugePages).
        new("always-show-logo", "no", ParamKind.YesNo, Mutable: false),
        new("set-proc-title", "yes", ParamKind.YesNo, Mutable: false),
        new("proc-title-template", "{title} {listen-addr} {server-mode}", ParamKind.String, Validate: Hosting.ProcessTitle.Validate),
        new("disable-thp", "yes", ParamKind.YesNo, Mutable: false),
        // The cron's frequency scaled up with the clients, as Redis's: hz doubled while clients / hz > 200 (at most 500).
        new("dynamic-hz", "yes", ParamKind.YesNo),
        // SAVE/BGSAVE write their file in 4 MB steps, each synced, instead of syncing it all at the end.
        new("rdb-save-incremental-fsync", "yes", ParamKind.YesNo),
        // With save points, a failed background save refuses writes (MISCONF) until one succeeds, as in Redis.
        new("stop-writes-on-bgsave-error", "yes", ParamKind.YesNo),
        .. Compatibility,
    ];

    /// <summary>
    /// Redis parameters whose job has no counterpart in this server, accepted with Redis's
    /// defaults and value syntax (CONFIG GET/SET/REWRITE keep them) so that a stock
    /// redis.conf starts it. Each is a tuning knob of a mechanism this server does not have;
    /// none changes what a client sees. The README's configuration section lists them.
    /// </summary>
    /// <summary>Redis's start-up check of logfile: the file can be opened for appending.</summary>
    private static string? CanAppendTo(string path)
    {
        if (path.Length == 0) return null;
        try
        {
            using var f = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return "Can't open the log file: " + e.Message;
        }
    }

    private static ConfigParameter[] Compatibility =>
    [
        // Memory is reclaimed by the .NET garbage collector, off the request path, whatever these say.
        new("lazyfree-lazy-eviction", "no", ParamKind.YesNo),
        new("lazyfree-lazy-expire", "no", ParamKind.YesNo),
        new("lazyfree-lazy-server-del", "no", ParamKind.YesNo),
        new("lazyfree-lazy-user-del", "no", ParamKind.YesNo),
        new("lazyfree-lazy-user-flush", "no", ParamKind.YesNo),
        new("replica-lazy-flush", "no", ParamKind.YesNo, Aliases: ["slave-lazy-flush"]),
        // .NET's dictionaries grow at once; there is no incremental rehashing to run in the cron.
        new("activerehashing", "yes", ParamKind.YesNo),
        // No jemalloc.
        new("jemalloc-bg-thread", "yes", ParamKind.YesNo),
        // Lists are not quicklists of listpacks: there is no node size or node compression to tune.
        new("list-max-listpack-size", "-2", ParamKind.Integer, Min: int.MinValue, Max: int.MaxValue, Aliases: ["list-max-ziplist-size"]),
        new("list-compress-depth", "0", ParamKind.Integer, Min: 0, Max: int.MaxValue),
        // A full synchronization is always sent from memory, at once, to each replica (no RDB file,
        // nothing to delete, no shared transfer to wait for); a replica reads it into memory and then
        // replaces its data, serving the old data meanwhile (Redis's "disabled", with memory for the disk).
        new("repl-diskless-sync", "yes", ParamKind.YesNo),
        new("repl-diskless-sync-delay", "5", ParamKind.Integer, Min: 0, Max: int.MaxValue),
        new("repl-diskless-sync-max-replicas", "0", ParamKind.Integer, Min: 0, Max: int.MaxValue),
        new("repl-diskless-load", "disabled", ParamKind.Enum, Choices: ["disabled", "on-empty-db", "swapdb"]),
        new("rdb-del-sync-files", "no", ParamKind.YesNo),
        // The log is this server's own (aof.pmem and pbufs.pmem in dir), made durable at every commit
        // (a rewrite included) and compacted in its own record format: no directory of Redis AOF files,
        // no RDB preamble, no fsync to skip or to spread, no timestamp annotations.
        new("appendfilename", "appendonly.aof", ParamKind.String, Mutable: false),
        new("appenddirname", "appendonlydir", ParamKind.String, Mutable: false),
        new("no-appendfsync-on-rewrite", "no", ParamKind.YesNo),
        new("aof-use-rdb-preamble", "yes", ParamKind.YesNo),
        new("aof-rewrite-incremental-fsync", "yes", ParamKind.YesNo),
        new("aof-timestamp-enabled", "no", ParamKind.YesNo,
            Validate: v => v == "no" ? null : "the log has no timestamp annotations (PasteRedis)"),
    ];
}
