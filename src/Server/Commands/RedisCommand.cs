using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

[Flags]
internal enum CommandFlags
{
    None = 0,
    Write = 1 << 0,
    ReadOnly = 1 << 1,
    Admin = 1 << 2,
    Fast = 1 << 3,
    NoAuth = 1 << 4,
    Loading = 1 << 5,
    Stale = 1 << 6,
    DenyOom = 1 << 7,
    NoScript = 1 << 8,
    PubSub = 1 << 9,
    Blocking = 1 << 11,
    AllowBusy = 1 << 12,
    NoMulti = 1 << 13,
    // Not Redis flags: how a connection treats the command in MULTI and in RESP2 subscribed mode.
    TransactionControl = 1 << 14,
    SubscribedContext = 1 << 15,
    // Redis flags this server has no behaviour behind (no slowlog, no async loading, no key
    // specs): listed by COMMAND INFO as Redis lists them.
    SkipSlowlog = 1 << 16,
    NoAsyncLoading = 1 << 17,
    MovableKeys = 1 << 18,
    // Redis's may_replicate (not listed by COMMAND INFO): a read that can still change the
    // keyspace (PFCOUNT caches the cardinality in the value) and is logged when it did.
    MayReplicate = 1 << 19,
    // EVAL's: not fed to MONITOR as itself (its commands are), and it may name no keys at all.
    SkipMonitor = 1 << 20,
    NoMandatoryKeys = 1 << 21,
}

internal delegate void CommandHandler(ClientSession client);

/// <summary>
/// One entry of the command table (Redis's struct redisCommand): name, arity, flags, key
/// positions and the handler. Container commands (CONFIG, CLIENT, …) carry subcommands,
/// each a full entry with its own arity, as in Redis 7.
/// </summary>
internal sealed class RedisCommand
{
    public RedisCommand(string name, int arity, CommandFlags flags, int firstKey, int lastKey, int step,
        string group, string summary, string since, CommandHandler? handler)
    {
        Name = name.ToLowerInvariant();
        Arity = arity;
        Flags = flags;
        FirstKey = firstKey;
        LastKey = lastKey;
        Step = step;
        Group = group;
        Summary = summary;
        Since = since;
        Handler = handler;
        FullName = Name;
        SharesBatchTime = (flags & CommandFlags.Fast) != 0 || Name is "set" or "setex" or "psetex" or "getset" or "getdel" or "getex";
        RunsScript = Name is "eval" or "eval_ro" or "evalsha" or "evalsha_ro" or "fcall" or "fcall_ro";
    }

    /// <summary>EVAL, EVALSHA, FCALL and their _RO forms: the flags they run with are the script's (RedisServer.ScriptCommandFlags).</summary>
    public bool RunsScript { get; }

    public string Name { get; }
    public string FullName { get; private set; }
    public int Arity { get; }
    public CommandFlags Flags { get; }
    public int FirstKey { get; }
    public int LastKey { get; }
    public int Step { get; }
    public string Group { get; }
    public string Summary { get; }
    public string Since { get; }
    public CommandHandler? Handler { get; }
    public RedisCommand? Parent { get; private set; }
    public Dictionary<string, RedisCommand>? Subcommands { get; private set; }
    public CommandLookup? SubLookup { get; private set; }

    public bool IsWrite => (Flags & CommandFlags.Write) != 0;

    // Redis's per-command statistics (INFO commandstats), kept under the execution lock
    // (RejectedCalls also by the lock-free loading path: incremented atomically).
    public long Calls, Ticks, RejectedCalls, FailedCalls;

    /// <summary>
    /// Runs in constant time, so a pipelined call may share its batch's time instead of
    /// reading the clock (ClientSession.Execute): Redis's fast commands, and SET and its
    /// kin, which Redis does not flag fast (they deny OOM) but which write one value.
    /// </summary>
    public bool SharesBatchTime { get; }

    /// <summary>Latencies (latency-tracking), made at the first call as Redis makes them.</summary>
    public Diagnostics.LatencyHistogram? Histogram;

    public void ResetStats()
    {
        Calls = Ticks = RejectedCalls = FailedCalls = 0;
        Histogram = null;
    }

    /// <summary>A write, or a read that may change the keyspace: logged (and seen by WATCH) when it did.</summary>
    public bool MayChangeKeyspace => (Flags & (CommandFlags.Write | CommandFlags.MayReplicate)) != 0;

    /// <summary>
    /// The command writes its first key only; the others are sources it reads (BITOP, SINTERSTORE,
    /// PFMERGE, …): WATCH and client-side caching see the destination change, as Redis signals it.
    /// </summary>
    public bool WritesFirstKeyOnly { get; private set; }

    public RedisCommand WritingFirstKeyOnly()
    {
        WritesFirstKeyOnly = true;
        return this;
    }

    /// <summary>
    /// Redis changes the key without signalling it (no signalModifiedKey: XACK, XCLAIM,
    /// XAUTOCLAIM, XSETID, the XGROUP subcommands): the change is logged, but WATCH and
    /// client-side caching do not see it. A handler that creates the key (XGROUP CREATE
    /// MKSTREAM) touches it itself.
    /// </summary>
    public bool SignalsNoKeys { get; private set; }

    public RedisCommand SignallingNoKeys()
    {
        SignalsNoKeys = true;
        return this;
    }

    /// <summary>
    /// Redis's CMD_PROTECTED with its own subcommand parsing (DEBUG): refused before anything
    /// else unless enable-debug-command allows it, and a subcommand that is unknown or has the
    /// wrong number of arguments gets the one error Redis's debugCommand gives for both.
    /// </summary>
    public bool IsProtected { get; private set; }

    public RedisCommand Protected()
    {
        IsProtected = true;
        return this;
    }

    /// <summary>ACL categories Redis gives the command beyond those its flags and group imply.</summary>
    public string[] ExtraAclCategories { get; private set; } = [];

    public RedisCommand WithAcl(params string[] categories)
    {
        ExtraAclCategories = categories;
        return this;
    }

    /// <summary>For the few commands whose categories are not their group's (SORT: a generic command in @list, @set, @sortedset).</summary>
    public RedisCommand WithAclInsteadOfGroup(params string[] categories)
    {
        _noGroupAcl = true;
        return WithAcl(categories);
    }

    private bool _noGroupAcl;

    public RedisCommand WithSubcommands(params RedisCommand[] subs)
    {
        Subcommands = new Dictionary<string, RedisCommand>(StringComparer.OrdinalIgnoreCase);
        foreach (var s in subs)
        {
            s.Parent = this;
            s.FullName = Name + "|" + s.Name;
            Subcommands[s.Name] = s;
        }
        SubLookup = new CommandLookup(Subcommands.Select(kv => (kv.Key, kv.Value)));
        return this;
    }

    /// <summary>The command's bit in ACL users' command sets (numbered by <see cref="CommandTable"/>).</summary>
    public int AclId { get; set; }

    /// <summary>Its ACL categories as bits of <see cref="Acl.AclCategories"/> (set with <see cref="AclId"/>).</summary>
    public ulong AclCategoryBits { get; set; }

    public bool ArityOk(int argc) => Arity >= 0 ? argc == Arity : argc >= -Arity;

    /// <summary>Flag names as COMMAND INFO lists them.</summary>
    public IEnumerable<string> FlagNames()
    {
        if ((Flags & CommandFlags.Write) != 0) yield return "write";
        if ((Flags & CommandFlags.ReadOnly) != 0) yield return "readonly";
        if ((Flags & CommandFlags.DenyOom) != 0) yield return "denyoom";
        if ((Flags & CommandFlags.Admin) != 0) yield return "admin";
        if ((Flags & CommandFlags.PubSub) != 0) yield return "pubsub";
        if ((Flags & CommandFlags.NoScript) != 0) yield return "noscript";
        if ((Flags & CommandFlags.Blocking) != 0) yield return "blocking";
        if ((Flags & CommandFlags.Loading) != 0) yield return "loading";
        if ((Flags & CommandFlags.Stale) != 0) yield return "stale";
        if ((Flags & CommandFlags.SkipMonitor) != 0) yield return "skip_monitor";
        if ((Flags & CommandFlags.SkipSlowlog) != 0) yield return "skip_slowlog";
        if ((Flags & CommandFlags.Fast) != 0) yield return "fast";
        if ((Flags & CommandFlags.NoAuth) != 0) yield return "no_auth";
        if ((Flags & CommandFlags.NoAsyncLoading) != 0) yield return "no_async_loading";
        if ((Flags & CommandFlags.NoMulti) != 0) yield return "no_multi";
        if ((Flags & CommandFlags.NoMandatoryKeys) != 0) yield return "no_mandatory_keys";
        if ((Flags & CommandFlags.MovableKeys) != 0) yield return "movablekeys";
        if ((Flags & CommandFlags.AllowBusy) != 0) yield return "allow_busy";
    }

    /// <summary>
    /// ACL categories derived from flags and group, as Redis derives the implicit ones, plus
    /// the command's own. A container (CLIENT, OBJECT, CONFIG) has no group category, as in Redis.
    /// </summary>
    public IEnumerable<string> AclCategories()
    {
        if ((Flags & CommandFlags.Write) != 0) yield return "@write";
        if ((Flags & CommandFlags.ReadOnly) != 0 && !ExtraAclCategories.Contains("@scripting")) yield return "@read"; // as Redis: not EVAL_RO
        if ((Flags & CommandFlags.Admin) != 0) { yield return "@admin"; yield return "@dangerous"; }
        if ((Flags & CommandFlags.PubSub) != 0) yield return "@pubsub";
        if ((Flags & CommandFlags.Blocking) != 0) yield return "@blocking";
        yield return (Flags & CommandFlags.Fast) != 0 ? "@fast" : "@slow";
        switch (Handler == null && Subcommands != null || _noGroupAcl ? "" : Group)
        {
            case "string": yield return "@string"; break;
            case "bitmap": yield return "@bitmap"; break;
            case "hyperloglog": yield return "@hyperloglog"; break;
            case "geo": yield return "@geo"; break;
            case "stream": yield return "@stream"; break;
            case "generic": yield return "@keyspace"; break;
            case "connection": yield return "@connection"; break;
            case "list": yield return "@list"; break;
            case "hash": yield return "@hash"; break;
            case "set": yield return "@set"; break;
            case "sorted_set": yield return "@sortedset"; break;
            case "transactions": yield return "@transaction"; break;
        }
        foreach (var extra in ExtraAclCategories) yield return extra;
    }
}
