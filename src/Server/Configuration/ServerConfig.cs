using System.Globalization;

namespace PasteRedis.Server.Configuration;

/// <summary>
/// The server's configuration, with Redis's parameter names and value syntax. Values are
/// kept as strings (what CONFIG GET shows) with typed views for what the server reads
/// often. Changed under the execution lock, read anywhere.
/// </summary>
internal sealed partial class ServerConfig
{
    private readonly Dictionary<string, ConfigParameter> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public ServerConfig()
    {
        foreach (var p in Parameters)
        {
            _byName[p.Name] = p;
            foreach (var alias in p.Aliases ?? []) _byName[alias] = p;
            _values[p.Name] = p.Default;
        }
        Refresh();
    }

    /// <summary>The config file given as the first argument, if any (CONFIG REWRITE would need it).</summary>
    public string? ConfigFile { get; set; }

    public int Port { get; private set; }
    public string Bind { get; private set; } = "";
    public string RequirePass { get; private set; } = "";

    /// <summary>The config file's "user" lines (name, then rules), applied to the ACL users as the server starts.</summary>
    public List<List<string>> UserDirectives { get; } = [];

    /// <summary>rename-command lines, in order: a command's new name, or "" to remove it (applied to the command table at start).</summary>
    public List<(string From, string To)> RenamedCommands { get; } = [];

    /// <summary>Set by the server: its ACL users as "user" lines describe them (CONFIG REWRITE writes them).</summary>
    public Func<IEnumerable<string>>? DescribeUsers { get; set; }
    public int Databases { get; private set; }
    public string Dir { get; private set; } = "";
    public long ProtoMaxBulkLen { get; private set; }
    public int MaxClients { get; private set; }
    public long TimeoutSeconds { get; private set; }
    public long ClientQueryBufferLimit { get; private set; }
    public int Hz { get; private set; }
    public long HllSparseMaxBytes { get; private set; }
    /// <summary>The encoding thresholds (hash-, zset-max-listpack-*, set-max-intset-entries), shared with every value that follows them.</summary>
    public Keyspace.EncodingLimits Encoding { get; } = new();
    /// <summary>rdbcompression: strings over 20 bytes LZF-compressed in RDB files and DUMP payloads.</summary>
    public bool RdbCompression { get; private set; }
    /// <summary>rdbchecksum: RDB files carry (and imports check) a CRC-64.</summary>
    public bool RdbChecksum { get; private set; }
    public int StreamNodeMaxEntries { get; private set; }
    public long StreamNodeMaxBytes { get; private set; }
    public long MaxMemory { get; private set; }

    /// <summary>maxmemory-clients in bytes (a percentage is of maxmemory; 0: clients are not evicted).</summary>
    public long MaxMemoryClients { get; private set; }
    public string MaxMemoryPolicy { get; private set; } = "";
    public int TcpBacklog { get; private set; }
    public long PbufMemory { get; private set; }
    public int PbufSize { get; private set; }
    public long AofMaxSize { get; private set; }
    public bool AppendOnly { get; private set; }
    public long BusyReplyThresholdMs { get; private set; }
    public long SlowlogLogSlowerThan { get; private set; }
    public long SlowlogMaxLen { get; private set; }
    public long LatencyMonitorThreshold { get; private set; }
    public bool LatencyTracking { get; private set; }
    public Keyspace.NotifyClass NotifyKeyspaceEvents { get; private set; }
    public double[] LatencyTrackingPercentiles { get; private set; } = [];

    /// <summary>client-output-buffer-limit for normal and pub/sub clients.</summary>
    public OutputLimit NormalOutputLimit { get; private set; }
    public OutputLimit PubSubOutputLimit { get; private set; }
    public OutputLimit ReplicaOutputLimit { get; private set; }
    public long ReplBacklogSize { get; private set; }
    /// <summary>The save points (none: no automatic background saves).</summary>
    public (long Seconds, long Changes)[] SavePoints { get; private set; } = [];
    /// <summary>The loader has met a save line: later ones add points, as Redis reads them.</summary>
    internal bool SaveLinesSeen { get; set; }
    /// <summary>The server runs in its own process (Program), not embedded in a test host: process-wide settings (name, huge pages) apply.</summary>
    public bool OwnsProcess { get; set; }

    public IEnumerable<ConfigParameter> All => Parameters;

    public bool TryGetParameter(string name, out ConfigParameter p) => _byName.TryGetValue(name, out p!);

    public string Get(string name) => _values[_byName[name].Name];

    /// <summary>Validates and stores a value. Returns null on success, or the reason it was refused.</summary>
    public string? TrySet(string name, string value, bool atStartup)
    {
        if (!_byName.TryGetValue(name, out var p)) return "unknown";
        if (!p.Mutable && !atStartup) return "can't set immutable config";
        var normalized = Normalize(p, value, out var error);
        if (error != null) return error;
        // Each class given replaces that class only; the value reads back in bytes, every class named (as in Redis).
        if (p.Name == "client-output-buffer-limit") normalized = OutputLimits.Merge(_values[p.Name], normalized!);
        if (p.Name == "notify-keyspace-events")
        {
            // Kept as given; shown as Redis shows it (which hides 'n' beside 'A', though it stays on).
            NotifyKeyspaceEvents = Keyspace.KeyspaceNotifications.Parse(normalized!)!.Value;
            normalized = Keyspace.KeyspaceNotifications.Format(NotifyKeyspaceEvents);
        }
        if (p.Name is "shutdown-on-sigterm" or "shutdown-on-sigint")
        {
            Hosting.ShutdownOptions.TryParse(normalized!, out var flags);
            normalized = Hosting.ShutdownOptions.Format(flags);
        }
        if (p.Name == "save")
        {
            Persistence.SavePoints.TryParse(normalized!, out var points);
            normalized = Persistence.SavePoints.Format(points);
        }
        if (p.Name == "latency-tracking-info-percentiles")
        {
            ParsePercentiles(normalized!, out var list);
            normalized = string.Join(' ', list.Select(FormatPercentile));
        }
        _values[p.Name] = normalized!;
        Refresh();
        return null;
    }

    private static string? Normalize(ConfigParameter p, string value, out string? error)
    {
        error = null;
        switch (p.Kind)
        {
            case ParamKind.Integer:
                if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                    return InRange(p, n, out error);
                error = "argument couldn't be parsed into an integer";
                return null;
            case ParamKind.Memory:
                if (MemoryUnits.TryParse(value, out var bytes)) return InRange(p, bytes, out error);
                error = "argument must be a memory value";
                return null;
            case ParamKind.MemoryOrPercent:
                // Bytes, or a percentage of maxmemory ("10%"), as Redis's maxmemory-clients.
                if (value.EndsWith('%'))
                {
                    if (long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var percent))
                    {
                        if (percent <= 100) return percent.ToString(CultureInfo.InvariantCulture) + "%";
                        error = "percentage argument must be less or equal to 100";
                        return null;
                    }
                }
                else if (MemoryUnits.TryParse(value, out var limit) && limit >= 0) return limit.ToString(CultureInfo.InvariantCulture);
                error = "argument must be a memory or percent value";
                return null;
            case ParamKind.YesNo:
                var yn = value.ToLowerInvariant();
                if (yn is not ("yes" or "no"))
                {
                    error = "argument must be 'yes' or 'no'";
                    return null;
                }
                break;
            case ParamKind.Enum:
                var lower = value.ToLowerInvariant();
                if (!p.Choices!.Contains(lower))
                {
                    error = "argument(s) must be one of the following: " + string.Join(", ", p.Choices!);
                    return null;
                }
                value = lower;
                break;
        }
        if (p.Validate != null) error = p.Validate(value);
        return error == null ? value : null;
    }

    /// <summary>The number as CONFIG GET shows it, or Redis's range error.</summary>
    private static string? InRange(ConfigParameter p, long n, out string? error)
    {
        error = n < p.Min || n > p.Max ? $"argument must be between {p.Min} and {p.Max} inclusive" : null;
        if (p.Clamp is { } clamp) n = Math.Clamp(n, clamp.Min, clamp.Max);
        return error == null ? n.ToString(CultureInfo.InvariantCulture) : null;
    }

    /// <summary>latency-tracking-info-percentiles: numbers 0..100 separated by spaces; null, or Redis's error.</summary>
    private static string? ParsePercentiles(string value, out double[] percentiles)
    {
        var list = new List<double>();
        percentiles = [];
        foreach (var token in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var p)) return "Invalid latency-tracking-info-percentiles parameters";
            if (p < 0 || p > 100) return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            list.Add(p);
        }
        percentiles = [.. list];
        return null;
    }

    /// <summary>A percentile as Redis prints it ("%f" with trailing zeros trimmed: 99.9, 50).</summary>
    public static string FormatPercentile(double p)
    {
        var s = p.ToString("F6", CultureInfo.InvariantCulture);
        return s.Contains('.') ? s.TrimEnd('0').TrimEnd('.') : s;
    }

    public long Long(string name) => long.Parse(_values[name], CultureInfo.InvariantCulture);

    private void Refresh()
    {
        Port = (int)Long("port");
        Bind = _values["bind"];
        RequirePass = _values["requirepass"];
        Databases = (int)Long("databases");
        Dir = _values["dir"];
        ProtoMaxBulkLen = Long("proto-max-bulk-len");
        MaxClients = (int)Long("maxclients");
        TimeoutSeconds = Long("timeout");
        ClientQueryBufferLimit = Long("client-query-buffer-limit");
        Hz = (int)Long("hz");
        HllSparseMaxBytes = Long("hll-sparse-max-bytes");
        Encoding.HashListpackEntries = Keyspace.EncodingLimits.Clamp(Long("hash-max-listpack-entries"));
        Encoding.HashListpackValue = Keyspace.EncodingLimits.Clamp(Long("hash-max-listpack-value"));
        Encoding.ZSetListpackEntries = Keyspace.EncodingLimits.Clamp(Long("zset-max-listpack-entries"));
        Encoding.ZSetListpackValue = Keyspace.EncodingLimits.Clamp(Long("zset-max-listpack-value"));
        Encoding.SetIntsetEntries = Keyspace.EncodingLimits.Clamp(Long("set-max-intset-entries"));
        RdbCompression = _values["rdbcompression"] == "yes";
        RdbChecksum = _values["rdbchecksum"] == "yes";
        StreamNodeMaxEntries = (int)Math.Min(int.MaxValue, Long("stream-node-max-entries"));
        StreamNodeMaxBytes = Long("stream-node-max-bytes");
        MaxMemory = Long("maxmemory");
        var clients = _values["maxmemory-clients"];
        MaxMemoryClients = clients.EndsWith('%') ? MaxMemory * long.Parse(clients[..^1], CultureInfo.InvariantCulture) / 100 : long.Parse(clients, CultureInfo.InvariantCulture);
        MaxMemoryPolicy = _values["maxmemory-policy"];
        TcpBacklog = (int)Long("tcp-backlog");
        PbufMemory = Long("pbuf-memory");
        PbufSize = (int)Long("pbuf-size");
        AofMaxSize = Long("aof-max-size");
        AppendOnly = _values["appendonly"] == "yes";
        BusyReplyThresholdMs = Long("busy-reply-threshold");
        SlowlogLogSlowerThan = Long("slowlog-log-slower-than");
        SlowlogMaxLen = Long("slowlog-max-len");
        LatencyMonitorThreshold = Long("latency-monitor-threshold");
        LatencyTracking = _values["latency-tracking"] == "yes";
        ParsePercentiles(_values["latency-tracking-info-percentiles"], out var percentiles);
        LatencyTrackingPercentiles = percentiles;
        OutputLimits.TryParse(_values["client-output-buffer-limit"], out var limits);
        NormalOutputLimit = limits.GetValueOrDefault("normal");
        PubSubOutputLimit = limits.GetValueOrDefault("pubsub", new OutputLimit(32 * 1024 * 1024, 8 * 1024 * 1024, 60));
        ReplicaOutputLimit = limits.GetValueOrDefault("slave", new OutputLimit(256 * 1024 * 1024, 64 * 1024 * 1024, 60));
        ReplBacklogSize = Long("repl-backlog-size");
        Persistence.SavePoints.TryParse(_values["save"], out var savePoints);
        SavePoints = savePoints;
    }
}

/// <summary>One class's client-output-buffer-limit: bytes (0 = none) a client may never reach, and may not stay over for longer than the seconds.</summary>
internal readonly record struct OutputLimit(long Hard, long Soft, long Seconds);

/// <summary>Parses client-output-buffer-limit: one or more "class hard soft seconds" groups (memory units allowed).</summary>
internal static class OutputLimits
{
    /// <summary>
    /// <paramref name="current"/> with the classes <paramref name="value"/> names replaced, as
    /// "normal … slave … pubsub …" in bytes (valid inputs only: both were parsed before).
    /// </summary>
    public static string Merge(string current, string value)
    {
        var classes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var text in new[] { current, value })
        {
            var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int i = 0; i + 3 < parts.Length; i += 4)
            {
                var cls = parts[i].ToLowerInvariant();
                if (cls == "replica") cls = "slave";
                MemoryUnits.TryParse(parts[i + 1], out long hard);
                MemoryUnits.TryParse(parts[i + 2], out long soft);
                classes[cls] = $"{cls} {hard} {soft} {long.Parse(parts[i + 3], CultureInfo.InvariantCulture)}";
            }
        }
        return string.Join(' ', new[] { "normal", "slave", "pubsub" }.Where(classes.ContainsKey).Select(c => classes[c]));
    }

    public static bool TryParse(string value, out Dictionary<string, OutputLimit> limits)
    {
        limits = new Dictionary<string, OutputLimit>(StringComparer.OrdinalIgnoreCase);
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts.Length % 4 != 0) return false;
        for (int i = 0; i < parts.Length; i += 4)
        {
            var cls = parts[i].ToLowerInvariant();
            if (cls == "replica") cls = "slave";
            if (cls is not ("normal" or "slave" or "pubsub")) return false;
            if (!MemoryUnits.TryParse(parts[i + 1], out long hard) || !MemoryUnits.TryParse(parts[i + 2], out long soft)
                || !long.TryParse(parts[i + 3], NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)) return false;
            limits[cls] = new OutputLimit(hard, soft, seconds);
        }
        return true;
    }
}
