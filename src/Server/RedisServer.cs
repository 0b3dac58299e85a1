using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using PasteRedis.Resp;
using PasteRedis.Server.Commands;
using PasteRedis.Server.Configuration;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;
using PasteRedis.Server.Memory;
using PasteRedis.Server.Persistence;
using PasteRedis.Paste;

namespace PasteRedis.Server;

/// <summary>Counters INFO stats reports (Redis's field names).</summary>
/// <summary>Bytes and events of network traffic (INFO total_net_*_bytes, total_*_processed).</summary>
internal struct TrafficCounters
{
    public long InputBytes, OutputBytes, Reads, Writes;

    public void Add(in TrafficCounters other)
    {
        InputBytes += other.InputBytes;
        OutputBytes += other.OutputBytes;
        Reads += other.Reads;
        Writes += other.Writes;
    }
}

internal sealed class ServerStats
{
    public long ConnectionsReceived;
    public long CommandsProcessed;
    public long RejectedConnections;
    public long KeyspaceHits;
    public long KeyspaceMisses;
    public long EvictedKeys;
    public long EvictedClients;
    public long AuthFailures;
    public long ProtocolErrors;
    public long OutputLimitDisconnections;
    public long ErrorReplies;
    /// <summary>Replicas' synchronizations: full ones, and PSYNCs continued from the backlog or refused it.</summary>
    public long SyncFull, SyncPartialOk, SyncPartialErr;

    /// <summary>Traffic of connections that have closed (added under the execution lock).</summary>
    public TrafficCounters ClosedConnections;

    /// <summary>The largest used_memory seen (by the cron and by INFO), as Redis's stat_peak_memory.</summary>
    public long PeakMemory;

    /// <summary>Error replies by their code (the message's first word), at most 128 codes, as Redis's errorstats.</summary>
    private readonly Dictionary<string, long> _errorCodes = new(StringComparer.Ordinal);
    public const int MaxErrorCodes = 128;

    public void Reset()
    {
        ConnectionsReceived = CommandsProcessed = RejectedConnections = 0;
        KeyspaceHits = KeyspaceMisses = EvictedKeys = EvictedClients = 0;
        AuthFailures = ProtocolErrors = OutputLimitDisconnections = 0;
        SyncFull = SyncPartialOk = SyncPartialErr = 0;
        ClosedConnections = default;
        lock (_errorCodes)
        {
            ErrorReplies = 0;
            _errorCodes.Clear();
        }
    }

    /// <summary>Counts one error reply (from any connection's thread).</summary>
    public void CountError(string message)
    {
        int space = message.IndexOf(' ');
        var code = space < 0 ? message : message[..space];
        lock (_errorCodes)
        {
            ErrorReplies++;
            ref long count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_errorCodes, code);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref count)) count++;
            else if (_errorCodes.Count < MaxErrorCodes) _errorCodes[code] = 1;
        }
    }

    public List<KeyValuePair<string, long>> ErrorCodes()
    {
        lock (_errorCodes) return _errorCodes.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
    }
}

/// <summary>
/// The server's shared state (Redis's struct redisServer): configuration, databases,
/// command table, clients and counters. Commands run one at a time under
/// <see cref="ExecLock"/>, as Redis runs them on its one thread; a connection takes the
/// lock once per batch of pipelined commands.
/// </summary>
internal sealed partial class RedisServer
{
    public const string Version = "7.0.15";

    private readonly ConcurrentDictionary<long, ClientSession> _clients = new();
    private long _nextClientId;

    public RedisServer(ServerConfig config, ILogger logger, PasteMemory? memory = null)
    {
        Config = config;
        Logger = logger;
        Memory = memory;
        _events = new PasteKeyspaceEvents(memory?.Pool);
        if (memory != null)
            InfoSections.Add(("paste", sb => memory.WriteInfo(sb, memory.Pool.TotalLiveBytes())));
        Databases = new Database[config.Databases];
        for (int i = 0; i < Databases.Length; i++) Databases[i] = new Database(i, Events);
        Commands = new CommandTable(CommandCatalog.Build(), config.RenamedCommands);
        Acl = new Acl.AccessControl(this);
        Replication = new Replication.ReplicationSource(this);
        Replication.RefreshGoodReplicas();
        Hz = CronFrequency(Config.Hz, false, 0);
        Calls = new Diagnostics.CommandCalls(this);
        Pause = new Connections.ClientPause(this);
        _ = Diagnostics.CycleClock.Frequency; // calibrated now (20 ms), not on the first command
        Watches = new WatchedKeys(Databases.Length);
        Tracking = new Tracking(this);
        Watches.Tracking = Tracking;
        Blocking = new BlockedClients(Databases.Length);
        PubSub = new PubSubHub(this);
        _events.Watches = Watches;
        _events.Blocking = Blocking;
        _events.Server = this;
        StartTimeMs = NowMs();
        LastSaveUnix = StartTimeMs / 1000;
        RunId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        OnConfigChanged();
        foreach (var user in config.UserDirectives)
            if (Acl.SetUser(user[0], user.Skip(1).ToList()) is { } error) throw new ConfigException(error); // checked when the file was read
        if (Acl.AclFile != null && Acl.LoadFile(null) is { } aclError) throw new ConfigException("Aborting Redis startup because of ACL errors: " + aclError);
        // CONFIG REWRITE writes the users, unless they live in an aclfile (ACL SAVE writes that).
        config.DescribeUsers = () => Acl.AclFile != null ? [] : Acl.Users.Select(u => u.Describe()).ToList();
        Hosting.OomScore.Apply(Config, Logger);
        _startupHeap = GC.GetTotalMemory(false);
    }

    /// <summary>
    /// Redis's notifyKeyspaceEvent: when notify-keyspace-events has <paramref name="type"/>,
    /// publishes <paramref name="evt"/> on __keyspace@db__:key (K) and the key on
    /// __keyevent@db__:evt (E). Nothing while the log is replayed. Under the execution lock.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Notify(Keyspace.NotifyClass type, string evt, ReadOnlySpan<byte> key, int db, ClientSession? by)
    {
        if ((Config.NotifyKeyspaceEvents & type) != 0 && !_loading) Publish(evt, key, db, by);
    }

    private readonly System.Buffers.ArrayBufferWriter<byte> _notifyChannel = new(256);

    private void Publish(string evt, ReadOnlySpan<byte> key, int db, ClientSession? by)
    {
        var flags = Config.NotifyKeyspaceEvents;
        Span<byte> eventBytes = stackalloc byte[Encoding.ASCII.GetByteCount(evt)];
        Encoding.ASCII.GetBytes(evt, eventBytes);
        if ((flags & Keyspace.NotifyClass.Keyspace) != 0)
        {
            Channel("__keyspace@", db, key);
            PubSub.Publish(by, _notifyChannel.WrittenSpan, eventBytes);
        }
        if ((flags & Keyspace.NotifyClass.Keyevent) != 0)
        {
            Channel("__keyevent@", db, eventBytes);
            PubSub.Publish(by, _notifyChannel.WrittenSpan, key);
        }
    }

    private void Channel(string prefix, int db, ReadOnlySpan<byte> suffix)
    {
        _notifyChannel.ResetWrittenCount();
        Encoding.ASCII.GetBytes(prefix, _notifyChannel);
        System.Buffers.Text.Utf8Formatter.TryFormat(db, _notifyChannel.GetSpan(11), out int digits);
        _notifyChannel.Advance(digits);
        Encoding.ASCII.GetBytes("__:", _notifyChannel);
        System.Buffers.BuffersExtensions.Write(_notifyChannel, suffix);
    }

    /// <summary>
    /// The managed heap once the server is built, before any data is loaded, and the packet
    /// buffers' memory managers made once it is loaded (Redis's used_memory_startup).
    /// </summary>
    public long StartupMemory => _startupHeap + (Pool?.DeferredManagerBytes ?? 0);
    private readonly long _startupHeap;

    public object ExecLock { get; } = new();

    /// <summary>Set under the lock once the log has been made durable for the last time.</summary>
    public bool ShuttingDown { get; set; }

    /// <summary>Packet-buffer memory; null only for benchmarks that run without a region.</summary>
    public PasteMemory? Memory { get; }
    public PacketBufferPool? Pool => Memory?.Pool;

    /// <summary>Extra INFO sections contributed by the layers (PASTE, AOF), in order.</summary>
    public List<(string Name, Action<StringBuilder> Write)> InfoSections { get; } = [];

    public ServerConfig Config { get; }
    public ILogger Logger { get; }
    public KeyspaceEvents Events => _events;

    /// <summary>CLIENT TRACKING's tables (client-side caching invalidation).</summary>
    public Tracking Tracking { get; }

    /// <summary>Connections in MONITOR mode.</summary>
    public Monitors Monitors { get; } = new();
    private readonly PasteKeyspaceEvents _events;

    /// <summary>The append-only file, when appendonly is yes.</summary>
    public AofPersistence? Aof { get; private set; }

    /// <summary>
    /// Managed bytes the event loops' threads have allocated (INFO event_loop_allocated_bytes);
    /// set when plain TCP runs on the server's own epoll loops (event-loop epoll).
    /// </summary>
    public Func<long>? EventLoopAllocatedBytes { get; set; }

    /// <summary>Socket reads the event loops made (INFO event_loop_reads); set with <see cref="EventLoopAllocatedBytes"/>.</summary>
    public Func<long>? EventLoopReads { get; set; }

    /// <summary>Plain TCP connections run on the server's own epoll loops, not the runtime's socket engine.</summary>
    public bool OwnEventLoop => EventLoopAllocatedBytes != null;

    /// <summary>
    /// An event loop's commit at the end of its iteration, before the replies it held
    /// leave: one fence for every record appended so far (see <see cref="Persistence.LoopCommit"/>).
    /// </summary>
    public void CommitLoopBatches()
    {
        Persistence.CommitTicket ticket;
        Persistence.AofPersistence? aof;
        using (LockForClient())
        {
            aof = Aof;
            ticket = aof?.BeginLoopCommit() ?? Persistence.CommitTicket.None;
        }
        aof?.CompleteCommit(ticket, ExecLock);
    }

    public Database[] Databases { get; }
    public WatchedKeys Watches { get; }
    public BlockedClients Blocking { get; }
    public PubSubHub PubSub { get; }

    private Scripting.ScriptEngine? _scripts;

    /// <summary>EVAL's Lua state and script cache, made at the first script (under the execution lock).</summary>
    public Scripting.ScriptEngine Scripts => _scripts ??= new Scripting.ScriptEngine(this);

    /// <summary>CLIENT PAUSE's state and the clients it holds back.</summary>
    public Connections.ClientPause Pause { get; }

    /// <summary>
    /// What the script or function that EVAL, EVALSHA or FCALL (or an _RO form) names by
    /// <paramref name="arg"/> declares: false when it is unknown (no such SHA1 or function, a
    /// shebang Redis refuses: the command fails on its own), null flags for a script without
    /// a shebang (Redis's compatibility mode; functions always declare).
    /// </summary>
    public bool TryScriptFlags(string command, ReadOnlySpan<byte> arg, out Scripting.ScriptFlags? flags)
    {
        flags = null;
        switch (command)
        {
            case "eval" or "eval_ro":
                return Scripting.ScriptEngine.TryDeclaredFlags(arg, out flags);
            case "evalsha" or "evalsha_ro":
                return _scripts != null && _scripts.TryCachedFlags(arg, out flags);
            default:
                if (_scripts == null || !_scripts.TryGetFunction(arg, out var f)) return false;
                flags = f.Declared;
                return true;
        }
    }

    /// <summary>Whether the script or function EVAL, EVALSHA or FCALL names is flagged no-writes (what CLIENT PAUSE WRITE lets through).</summary>
    public bool ScriptIsReadOnly(string command, ReadOnlySpan<byte> arg) =>
        TryScriptFlags(command, arg, out var flags) && flags is { } f && (f & Scripting.ScriptFlags.NoWrites) != 0;

    /// <summary>
    /// The flags EVAL/EVALSHA/FCALL run with, as Redis 7's evalGetCommandFlags: a script that
    /// declares flags writes (Write) unless no-writes, may not grow memory (DenyOom) unless
    /// allow-oom or no-writes, and runs on a stale replica (Stale) only with allow-stale; one
    /// without a shebang has the command's flags but not Stale (redis-server 7.0 refuses it
    /// MASTERDOWN); an unknown one has the command's own.
    /// </summary>
    public CommandFlags ScriptCommandFlags(RedisCommand cmd, ReadOnlySpan<byte> arg)
    {
        if (!TryScriptFlags(cmd.FullName, arg, out var declared)) return cmd.Flags;
        if (declared is not { } f) return cmd.Flags & ~CommandFlags.Stale;
        var flags = cmd.Flags & ~(CommandFlags.Stale | CommandFlags.DenyOom | CommandFlags.Write | CommandFlags.MayReplicate);
        if ((f & (Scripting.ScriptFlags.AllowOom | Scripting.ScriptFlags.NoWrites)) == 0) flags |= CommandFlags.DenyOom;
        if ((f & Scripting.ScriptFlags.NoWrites) == 0) flags |= CommandFlags.Write;
        if ((f & Scripting.ScriptFlags.AllowStale) != 0) flags |= CommandFlags.Stale;
        return flags;
    }

    /// <summary>Whether any script was loaded (SCRIPT FLUSH and INFO need not make a Lua state).</summary>
    public Scripting.ScriptEngine? ScriptsIfStarted => _scripts;
    public CommandTable Commands { get; }

    /// <summary>Replicas of this server (the master side of Redis replication).</summary>
    public Replication.ReplicationSource Replication { get; }

    /// <summary>ACL users and the security log.</summary>
    public Acl.AccessControl Acl { get; }

    /// <summary>Per-command statistics, the slow log and the latency monitor.</summary>
    public Diagnostics.CommandCalls Calls { get; }
    public ServerStats Stats { get; } = new();
    public Random Random { get; } = new();
    public long StartTimeMs { get; }
    public long LastSaveUnix { get; set; }

    /// <summary>SAVE and BGSAVE.</summary>
    public Persistence.RdbSnapshots Snapshots => _snapshots ??= new Persistence.RdbSnapshots(this);
    private Persistence.RdbSnapshots? _snapshots;
    public string RunId { get; }
    public int TcpPort { get; set; }

    /// <summary>Commands per second over the last cron intervals (instantaneous_ops_per_sec).</summary>
    public long OpsPerSecond { get; private set; }
    private long _lastOpsSampleMs, _lastOpsSampleCount;

    /// <summary>Network bytes per second, read and written, over the last second (instantaneous_input_kbps, _output_kbps).</summary>
    public long InputBytesPerSecond { get; private set; }
    public long OutputBytesPerSecond { get; private set; }
    private long _lastInputBytes, _lastOutputBytes;

    /// <summary>
    /// maxmemory-clients (Redis's evictClients): while the connections together hold at least
    /// the limit in buffers, the one holding most that did not ask for CLIENT NO-EVICT is
    /// closed and counted in evicted_clients. Under the execution lock.
    /// </summary>
    public void EvictClientsIfNeeded()
    {
        long limit = Config.MaxMemoryClients;
        if (limit <= 0) return;
        // Clients already killed are on their way out (Redis frees them at once): neither
        // counted nor chosen. Counting them evicted bystanders while a killed subscriber's
        // loop had not yet run.
        long total = 0;
        foreach (var c in Clients)
            if (!c.Killed) total += c.MemoryUsage;
        while (total >= limit)
        {
            Connections.ClientSession? biggest = null;
            long most = -1;
            foreach (var c in Clients)
            {
                if (c.NoEvict || c.Killed) continue;
                long used = c.MemoryUsage;
                if (used > most) (biggest, most) = (c, used);
            }
            if (biggest == null) return;
            Logger.LogInformation("Evicting client: id={Id} addr={Addr} tot-mem={Bytes} (maxmemory-clients {Limit})",
                biggest.Id, biggest.RemoteEndPoint, most, limit);
            Stats.EvictedClients++;
            biggest.Kill();
            total -= most;
        }
    }

    /// <summary>Every connection's traffic so far, open and closed (under the execution lock).</summary>
    public TrafficCounters TotalTraffic()
    {
        var traffic = Stats.ClosedConnections;
        foreach (var client in Clients) traffic.Add(client.Traffic);
        return traffic;
    }

    /// <summary>Set by the host: stops the process gracefully (SHUTDOWN).</summary>
    public Action? RequestShutdown { get; set; }

    public RespLimits Limits => new(Config.ProtoMaxBulkLen);

    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>After CONFIG SET: what is kept in fast fields rather than read from the configuration.</summary>
    public void OnConfigChanged()
    {
        Acl.ApplyRequirePass(Config.RequirePass);
        _events.LfuEnabled = Config.MaxMemoryPolicy.EndsWith("-lfu", StringComparison.Ordinal);
        _events.LfuLogFactor = int.Parse(Config.Get("lfu-log-factor"), System.Globalization.CultureInfo.InvariantCulture);
        _events.LfuDecayMinutes = int.Parse(Config.Get("lfu-decay-time"), System.Globalization.CultureInfo.InvariantCulture);
        Replication.ResizeBacklog(Config.ReplBacklogSize);
        Replication.RefreshGoodReplicas();
    }

    public long NextClientId() => Interlocked.Increment(ref _nextClientId);
    public int ClientCount => _clients.Count;
    public ICollection<ClientSession> Clients => _clients.Values;
    private volatile bool _acceptingClients = true;

    /// <summary>
    /// A new connection joins the clients, unless shutdown has begun: then it is refused,
    /// so that one accepted (or through its TLS handshake) just as the listeners closed cannot
    /// slip past the shutdown's kill of every client and hold it up.
    /// </summary>
    public bool TryRegister(ClientSession c)
    {
        if (!_clients.TryAdd(c.Id, c)) return false;
        if (_acceptingClients) return true; // added before the flag fell: the shutdown's kill sees it
        _clients.TryRemove(c.Id, out _);
        return false;
    }

    /// <summary>Shutdown: no connection registers from now on (<see cref="TryRegister"/>).</summary>
    public void StopAcceptingClients() => _acceptingClients = false;
    public void Unregister(ClientSession c) => _clients.TryRemove(c.Id, out _);
    public ClientSession? FindClient(long id) => _clients.GetValueOrDefault(id);

    /// <summary>
    /// Set while TLS listens: loads the tls-* settings again for new connections; returns
    /// why they could not be loaded (the old ones stay), or null.
    /// </summary>
    public Func<string?>? ReloadTls { get; set; }

    /// <summary>
    /// Redis's estimate of how many keys with a TTL have expired without being deleted yet
    /// (expired_stale_perc: a running average, 5 % per cycle, of the share of sampled keys
    /// found expired), and the time the cycles took (expire_cycle_cpu_milliseconds).
    /// </summary>
    public double ExpiredStaleFraction { get; private set; }
    public long ExpireCycleTicks { get; private set; }

    /// <summary>Cycles stopped by their time limit with keys still expiring (expired_time_cap_reached_count).</summary>
    public long ExpireCycleTimeCapReached { get; private set; }
    private int _expireNextDb;

    /// <summary>
    /// Redis's slow expire cycle: every database in turn, within 25 % of the cron's period
    /// (Redis's ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC), under the execution lock.
    /// </summary>
    private void ActiveExpireCycle(long now)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        long deadline = start + System.Diagnostics.Stopwatch.Frequency * 25 / 100 / Math.Max(1, Hz);
        int expired = 0, sampled = 0;
        // From where the last cycle stopped, as Redis's current_db: after a database the time limit cut short, the next one goes first.
        for (int n = 0; n < Databases.Length; n++)
        {
            var db = Databases[_expireNextDb];
            _expireNextDb = (_expireNextDb + 1) % Databases.Length;
            if (db.VolatileCount == 0) continue;
            expired += db.ActiveExpireCycle(now, deadline, out int seen, out bool timedOut);
            sampled += seen;
            if (timedOut)
            {
                ExpireCycleTimeCapReached++;
                break;
            }
        }
        long elapsed = System.Diagnostics.Stopwatch.GetTimestamp() - start;
        ExpireCycleTicks += elapsed;
        Calls.Latency.AddIfNeeded("expire-cycle", elapsed * 1000 / System.Diagnostics.Stopwatch.Frequency, Config.LatencyMonitorThreshold);
        double current = sampled == 0 ? 0 : (double)expired / sampled;
        ExpiredStaleFraction = current * 0.05 + ExpiredStaleFraction * 0.95;
    }

    /// <summary>How often the cron runs now (INFO's hz): the configured hz, or with dynamic-hz as Redis scales it for many clients.</summary>
    public int Hz { get; private set; }

    /// <summary>Redis's dynamic hz: doubled while there are more than 200 clients per run, at most 500.</summary>
    public static int CronFrequency(int configured, bool dynamic, int clients)
    {
        int hz = Math.Max(1, configured);
        if (!dynamic) return hz;
        while (clients / hz > 200)
        {
            hz *= 2;
            if (hz > 500) return 500;
        }
        return hz;
    }

    /// <summary>Whether the cron expires keys nobody reads (DEBUG SET-ACTIVE-EXPIRE; on, as in Redis).</summary>
    public bool ActiveExpireEnabled { get; set; } = true;

    /// <summary>
    /// Periodic work (Redis's serverCron): active expiry and idle-client timeouts. Runs
    /// <c>hz</c> times a second under the execution lock.
    /// </summary>
    public void Cron()
    {
        Hz = CronFrequency(Config.Hz, Config.Get("dynamic-hz") == "yes", ClientCount);
        if (_loading) return; // nothing expires, is evicted or times out while the log is replayed
        long now = NowMs();
        Stats.PeakMemory = Math.Max(Stats.PeakMemory, GC.GetTotalMemory(false));
        lock (ExecLock)
        {
            if (now - _lastOpsSampleMs >= 1000)
            {
                long commands = Stats.CommandsProcessed;
                long elapsed = Math.Max(1, now - _lastOpsSampleMs);
                OpsPerSecond = (commands - _lastOpsSampleCount) * 1000 / elapsed;
                var traffic = TotalTraffic();
                InputBytesPerSecond = Math.Max(0, traffic.InputBytes - _lastInputBytes) * 1000 / elapsed;
                OutputBytesPerSecond = Math.Max(0, traffic.OutputBytes - _lastOutputBytes) * 1000 / elapsed;
                (_lastInputBytes, _lastOutputBytes) = (traffic.InputBytes, traffic.OutputBytes);
                _lastOpsSampleMs = now;
                _lastOpsSampleCount = commands;
            }
            CloseSubscribersOverOutputLimit();
            EvictClientsIfNeeded();
            if (ActiveExpireEnabled && !Events.ExpiryPaused(now)) // CLIENT PAUSE holds active expiry too
                ActiveExpireCycle(now);
            // Expirations were logged as DEL: commit them like any batch; everysec drains here.
            Replication.Cron(now);
            Snapshots.Cron(now);
            ShutdownCron(now);
            if (Aof != null)
            {
                Aof.Tick(this);
                Aof.EndBatch(now);
            }
        }
        long timeout = Config.TimeoutSeconds;
        if (timeout > 0)
        {
            // Blocked and subscribed connections wait by design (Redis exempts them too).
            foreach (var c in _clients.Values)
                if (now - c.LastInteractionMs > timeout * 1000 && !c.IsBlocked && c.SubscriptionCount == 0 && !c.IsReplica) c.Kill();
        }
    }

    /// <summary>
    /// Redis's clientsCron checks each client's output against its limits as well as each
    /// addition does: a subscriber over the soft limit for longer than its seconds is closed
    /// even when no further message comes (and one that went over starts its clock here).
    /// </summary>
    private void CloseSubscribersOverOutputLimit()
    {
        foreach (var c in _clients.Values)
        {
            if (c.SubscriptionCount == 0 || c.Killed) continue;
            if (!c.OverOutputLimit(c.PendingOutputBytes, Config.PubSubOutputLimit)) continue;
            Stats.OutputLimitDisconnections++;
            c.Kill();
        }
    }
}
