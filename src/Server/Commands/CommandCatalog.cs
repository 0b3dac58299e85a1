using static PasteRedis.Server.Commands.CommandFlags;

namespace PasteRedis.Server.Commands;

/// <summary>
/// The table's contents, grouped as Redis groups them. Arity, flags and key positions are
/// Redis 7's; a command appears here only when it is implemented.
/// </summary>
internal static class CommandCatalog
{
    private static RedisCommand C(string name, int arity, CommandFlags flags, int first, int last, int step,
        string group, string summary, string since, CommandHandler? handler) =>
        new(name, arity, flags, first, last, step, group, summary, since, handler);

    public static IEnumerable<RedisCommand> Build() =>
        Connection().Concat(Server()).Concat(Strings()).Concat(Generic())
            .Concat(Lists()).Concat(Hashes()).Concat(Sets()).Concat(SortedSets())
            .Concat(HyperLogLogs()).Concat(Geo()).Concat(Streams()).Concat(Transactions()).Concat(PublishSubscribe()).Concat(Scripting()).Concat(Cluster());

    private static IEnumerable<RedisCommand> Connection() =>
    [
        C("ping", -1, Fast | SubscribedContext, 0, 0, 0, "connection", "Returns the server's liveliness response.", "1.0.0", ConnectionCommands.Ping),
        C("echo", 2, Fast | Stale | Loading, 0, 0, 0, "connection", "Returns the given string.", "1.0.0", ConnectionCommands.Echo),
        C("quit", -1, NoAuth | Fast | Stale | Loading | NoScript | AllowBusy | SubscribedContext | TransactionControl, 0, 0, 0, "connection", "Closes the connection.", "1.0.0", ConnectionCommands.Quit),
        C("auth", -2, NoAuth | Fast | Stale | Loading | NoScript | AllowBusy, 0, 0, 0, "connection", "Authenticates the connection.", "1.0.0", ConnectionCommands.Auth),
        C("hello", -1, NoAuth | Fast | Stale | Loading | NoScript | AllowBusy, 0, 0, 0, "connection", "Handshakes with the Redis server.", "6.0.0", ConnectionCommands.Hello),
        C("reset", 1, NoAuth | Fast | Stale | Loading | NoScript | AllowBusy | SubscribedContext | TransactionControl, 0, 0, 0, "connection", "Resets the connection.", "6.2.0", ConnectionCommands.Reset),
        C("select", 2, Fast | Stale | Loading, 0, 0, 0, "connection", "Changes the selected database.", "1.0.0", KeyCommands.Select),
        C("client", -2, None, 0, 0, 0, "connection", "A container for client connection commands.", "2.4.0", null).WithSubcommands(
            C("id", 2, Stale | Loading | NoScript, 0, 0, 0, "connection", "Returns the unique client ID of the connection.", "5.0.0", ClientCommands.Id),
            C("setname", 3, Stale | Loading | NoScript, 0, 0, 0, "connection", "Sets the connection name.", "2.6.9", ClientCommands.SetName),
            C("getname", 2, Stale | Loading | NoScript, 0, 0, 0, "connection", "Returns the name of the connection.", "2.6.9", ClientCommands.GetName),
            C("reply", 3, NoScript | Loading | Stale, 0, 0, 0, "connection", "Instructs the server whether to reply to commands.", "3.2.0", ClientCommands.ReplyMode),
            C("setinfo", 4, Stale | Loading | NoScript, 0, 0, 0, "connection", "Sets information specific to the client or connection.", "7.2.0", ClientCommands.SetInfo),
            C("info", 2, Stale | Loading | NoScript, 0, 0, 0, "connection", "Returns information about the connection.", "6.2.0", ClientCommands.Info),
            C("list", -2, Admin | Stale | Loading | NoScript, 0, 0, 0, "connection", "Lists open connections.", "2.4.0", ClientCommands.List),
            C("kill", -3, Admin | Stale | Loading | NoScript, 0, 0, 0, "connection", "Terminates open connections.", "2.4.0", ClientCommands.Kill),
            C("pause", -3, Admin | NoScript | Loading | Stale, 0, 0, 0, "connection", "Suspends commands processing.", "3.0.0", ClientCommands.Pause),
            C("unpause", 2, Admin | NoScript | Loading | Stale, 0, 0, 0, "connection", "Resumes processing commands from paused clients.", "6.2.0", ClientCommands.Unpause),
            C("unblock", -3, Admin | NoScript | Loading | Stale, 0, 0, 0, "connection", "Unblocks a client blocked by a blocking command from a different connection.", "5.0.0", ClientCommands.Unblock),
            C("tracking", -3, Stale | Loading | NoScript, 0, 0, 0, "connection", "Controls server-assisted client-side caching for the connection.", "6.0.0", ClientCommands.Tracking),
            C("caching", 3, Stale | Loading | NoScript, 0, 0, 0, "connection", "Instructs the server whether to track the keys in the next request.", "6.0.0", ClientCommands.Caching),
            C("no-evict", 3, Admin | NoScript | Loading | Stale, 0, 0, 0, "connection", "Set client eviction mode for the current connection", "7.0.0", ClientCommands.NoEvict),
            C("getredir", 2, Stale | Loading | NoScript, 0, 0, 0, "connection", "Returns the client ID to which the connection's tracking notifications are redirected.", "6.0.0", ClientCommands.GetRedir),
            C("trackinginfo", 2, Stale | Loading | NoScript, 0, 0, 0, "connection", "Returns information about server-assisted client-side caching for the connection.", "6.2.0", ClientCommands.TrackingInfo),
            C("help", 2, Stale | Loading, 0, 0, 0, "connection", "Returns helpful text about the different subcommands.", "5.0.0", ClientCommands.Help)),
    ];

    private static IEnumerable<RedisCommand> Server() =>
    [
        C("info", -1, Loading | Stale, 0, 0, 0, "server", "Returns information and statistics about the server.", "1.0.0", InfoCommand.Info).WithAcl("@dangerous"),
        C("dbsize", 1, ReadOnly | Fast, 0, 0, 0, "server", "Returns the number of keys in the database.", "1.0.0", KeyCommands.DbSize).WithAcl("@keyspace"),
        C("flushdb", -1, Write, 0, 0, 0, "server", "Removes all keys from the current database.", "1.0.0", KeyCommands.FlushDb).WithAcl("@keyspace", "@dangerous"),
        C("swapdb", 3, Write | Fast, 0, 0, 0, "server", "Swaps two Redis databases.", "4.0.0", KeyCommands.SwapDb).WithAcl("@keyspace", "@dangerous"),
        C("flushall", -1, Write, 0, 0, 0, "server", "Removes all keys from all databases.", "1.0.0", KeyCommands.FlushAll).WithAcl("@keyspace", "@dangerous"),
        C("time", 1, Loading | Stale | Fast, 0, 0, 0, "server", "Returns the server time.", "2.6.0", ServerCommands.Time),
        C("lastsave", 1, Loading | Stale | Fast, 0, 0, 0, "server", "Returns the Unix timestamp of the last successful save to disk.", "1.0.0", ServerCommands.LastSave).WithAcl("@admin", "@dangerous"),
        C("save", 1, Admin | NoScript | NoAsyncLoading | NoMulti, 0, 0, 0, "server", "Synchronously saves the database(s) to disk.", "1.0.0", ServerCommands.Save),
        C("bgsave", -1, Admin | NoScript | NoAsyncLoading, 0, 0, 0, "server", "Asynchronously saves the database(s) to disk.", "1.0.0", ServerCommands.BgSave),
        C("debug", -2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "A container for debugging commands.", "1.0.0", null).Protected().WithSubcommands(
            C("object", 3, Admin | NoScript | Loading | Stale, 2, 2, 1, "server", "Returns low-level information about a key, including where its value lies.", "1.0.0", KeyCommands.DebugObject),
            C("sleep", 3, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Stops the server for the given seconds.", "1.0.0", DebugCommands.Sleep),
            C("set-active-expire", 3, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Turns the expiry of keys nobody reads off (0) or on (1).", "1.0.0", DebugCommands.SetActiveExpire),
            C("digest", 2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Returns a digest of the whole dataset (equal to redis-server's for equal data).", "1.0.0", DebugCommands.Digest),
            C("digest-value", -2, Admin | NoScript | Loading | Stale, 2, -1, 1, "server", "Returns a digest of each key's value.", "1.0.0", DebugCommands.DigestValue),
            C("log", 3, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Writes a message to the server log.", "1.0.0", DebugCommands.Log),
            C("protocol", 3, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Replies with a test value of the given RESP type.", "1.0.0", DebugCommands.Protocol),
            C("help", 2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Returns helpful text about the different subcommands.", "1.0.0", DebugCommands.Help)),
        C("bgrewriteaof", 1, Admin | NoScript | NoAsyncLoading, 0, 0, 0, "server", "Asynchronously rewrites the append-only file to disk.", "1.0.0", ServerCommands.BgRewriteAof),
        C("wait", 3, NoScript, 0, 0, 0, "generic", "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.", "3.0.0", ServerCommands.Wait)
            .WithAclInsteadOfGroup("@connection"),
        C("waitaof", 4, NoScript, 0, 0, 0, "generic", "Blocks until all of the preceding write commands sent by the connection are written to the append-only file of the master and/or replicas.", "7.2.0", ServerCommands.WaitAof)
            .WithAclInsteadOfGroup("@connection"),
        C("memory", -2, None, 0, 0, 0, "server", "A container for memory diagnostics commands.", "4.0.0", null).WithSubcommands(
            C("doctor", 2, None, 0, 0, 0, "server", "Outputs a memory problems report.", "4.0.0", MemoryCommands.Doctor),
            C("stats", 2, None, 0, 0, 0, "server", "Returns details about memory usage.", "4.0.0", MemoryCommands.Stats),
            C("usage", -3, ReadOnly, 2, 2, 1, "server", "Estimates the memory usage of a key.", "4.0.0", MemoryCommands.Usage),
            C("malloc-stats", 2, None, 0, 0, 0, "server", "Returns the allocator statistics.", "4.0.0", MemoryCommands.MallocStats),
            C("purge", 2, None, 0, 0, 0, "server", "Asks the allocator to release memory.", "4.0.0", MemoryCommands.Purge),
            C("help", 2, Loading | Stale, 0, 0, 0, "server", "Returns helpful text about the different subcommands.", "4.0.0", MemoryCommands.Help)),
        C("slowlog", -2, None, 0, 0, 0, "server", "A container for slow log commands.", "2.2.12", null).WithSubcommands(
            C("get", -2, Admin | Loading | Stale, 0, 0, 0, "server", "Returns the slow log's entries.", "2.2.12", DiagnosticsCommands.SlowlogGet),
            C("len", 2, Admin | Loading | Stale, 0, 0, 0, "server", "Returns the number of entries in the slow log.", "2.2.12", DiagnosticsCommands.SlowlogLen),
            C("reset", 2, Admin | Loading | Stale, 0, 0, 0, "server", "Clears all entries from the slow log.", "2.2.12", DiagnosticsCommands.SlowlogReset),
            C("help", 2, Loading | Stale, 0, 0, 0, "server", "Show helpful text about the different subcommands", "6.2.0", DiagnosticsCommands.SlowlogHelp)),
        C("latency", -2, None, 0, 0, 0, "server", "A container for latency diagnostics commands.", "2.8.13", null).WithSubcommands(
            C("doctor", 2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Returns a human-readable latency analysis report.", "2.8.13", DiagnosticsCommands.LatencyDoctor),
            C("latest", 2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Returns the latest latency samples for all events.", "2.8.13", DiagnosticsCommands.LatencyLatest),
            C("history", 3, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Returns timestamp-latency samples for an event.", "2.8.13", DiagnosticsCommands.LatencyHistory),
            C("reset", -2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Resets the latency data for one or more events.", "2.8.13", DiagnosticsCommands.LatencyReset),
            C("graph", 3, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Returns a latency graph for an event.", "2.8.13", DiagnosticsCommands.LatencyGraph),
            C("histogram", -2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Returns the cumulative distribution of latencies of a subset or all commands.", "7.0.0", DiagnosticsCommands.LatencyHistogram),
            C("help", 2, Loading | Stale, 0, 0, 0, "server", "Returns helpful text about the different subcommands.", "2.8.13", DiagnosticsCommands.LatencyHelp)),
        C("monitor", 1, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Listens for all requests received by the server in real-time.", "1.0.0", ServerCommands.Monitor),
        C("replconf", -1, Admin | NoScript | Loading | Stale | AllowBusy, 0, 0, 0, "server", "An internal command for configuring the replication stream.", "3.0.0", ServerCommands.ReplConf),
        C("psync", -3, Admin | NoScript | NoAsyncLoading | NoMulti, 0, 0, 0, "server", "An internal command used in replication.", "2.8.0", ServerCommands.Sync),
        C("sync", 1, Admin | NoScript | NoAsyncLoading | NoMulti, 0, 0, 0, "server", "An internal command used in replication.", "1.0.0", ServerCommands.Sync),
        C("replicaof", 3, Admin | NoScript | Stale | NoAsyncLoading, 0, 0, 0, "server", "Configures a server as replica of another, or promotes it to a master.", "5.0.0", ServerCommands.ReplicaOf),
        C("slaveof", 3, Admin | NoScript | Stale | NoAsyncLoading, 0, 0, 0, "server", "Sets a Redis server as a replica of another, or promotes it to being a master.", "1.0.0", ServerCommands.ReplicaOf),
        C("role", 1, NoScript | Loading | Stale | Fast, 0, 0, 0, "server", "Returns the replication role.", "2.8.12", ServerCommands.Role).WithAcl("@admin", "@dangerous"),
        C("shutdown", -1, Admin | NoScript | Loading | Stale | AllowBusy | NoMulti, 0, 0, 0, "server", "Synchronously saves the database(s) to disk and shuts down the Redis server.", "1.0.0", ServerCommands.Shutdown),
        C("acl", -2, None, 0, 0, 0, "server", "A container for Access List Control commands.", "6.0.0", null).WithSubcommands(
            C("cat", -2, NoScript | Loading | Stale, 0, 0, 0, "server", "Lists the ACL categories, or the commands inside a category.", "6.0.0", AclCommands.Cat),
            C("deluser", -3, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Deletes ACL users, and terminates their connections.", "6.0.0", AclCommands.DelUser),
            C("dryrun", -4, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Simulates the execution of a command by a user, without executing the command.", "7.0.0", AclCommands.DryRun),
            C("genpass", -2, NoScript | Loading | Stale, 0, 0, 0, "server", "Generates a pseudorandom, secure password that can be used to identify ACL users.", "6.0.0", AclCommands.GenPass),
            C("getuser", 3, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Lists the ACL rules of a user.", "6.0.0", AclCommands.GetUser),
            C("help", 2, Loading | Stale, 0, 0, 0, "server", "Returns helpful text about the different subcommands.", "6.0.0", AclCommands.Help),
            C("list", 2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Dumps the effective rules in ACL file format.", "6.0.0", AclCommands.List),
            C("load", 2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Reloads the rules from the configured ACL file.", "6.0.0", AclCommands.Load),
            C("log", -2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Lists recent security events generated due to ACL rules.", "6.0.0", AclCommands.Log),
            C("save", 2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Saves the effective ACL rules in the configured ACL file.", "6.0.0", AclCommands.Save),
            C("setuser", -3, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Creates and modifies an ACL user and its rules.", "6.0.0", AclCommands.SetUser),
            C("users", 2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Lists all ACL users.", "6.0.0", AclCommands.Users),
            C("whoami", 2, NoScript | Loading | Stale, 0, 0, 0, "server", "Returns the authenticated username of the current connection.", "6.0.0", AclCommands.WhoAmI)),
        C("config", -2, None, 0, 0, 0, "server", "A container for server configuration commands.", "2.0.0", null).WithSubcommands(
            C("get", -3, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Returns the effective values of configuration parameters.", "2.0.0", ConfigCommands.Get),
            C("set", -4, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Sets configuration parameters in-flight.", "2.0.0", ConfigCommands.Set),
            C("resetstat", 2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Resets the server's statistics.", "2.0.0", ConfigCommands.ResetStat),
            C("rewrite", 2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Persists the effective configuration to file.", "2.8.0", ConfigCommands.Rewrite),
            C("help", 2, Loading | Stale, 0, 0, 0, "server", "Returns helpful text about the different subcommands.", "5.0.0", ConfigCommands.Help)),
        C("command", -1, Loading | Stale, 0, 0, 0, "server", "Returns detailed information about all commands.", "2.8.13", CommandCommands.All).WithAcl("@connection").WithSubcommands(
            C("count", 2, Loading | Stale, 0, 0, 0, "server", "Returns a count of commands.", "2.8.13", CommandCommands.Count).WithAcl("@connection"),
            C("list", -2, Loading | Stale, 0, 0, 0, "server", "Returns a list of command names.", "7.0.0", CommandCommands.List).WithAcl("@connection"),
            C("info", -2, Loading | Stale, 0, 0, 0, "server", "Returns information about one, multiple or all commands.", "2.8.13", CommandCommands.Info).WithAcl("@connection"),
            C("docs", -2, Loading | Stale, 0, 0, 0, "server", "Returns documentary information about one, multiple or all commands.", "7.0.0", CommandCommands.Docs).WithAcl("@connection"),
            C("getkeys", -4, Loading | Stale, 0, 0, 0, "server", "Extracts the key names from an arbitrary command.", "2.8.13", CommandCommands.GetKeys).WithAcl("@connection"),
            C("getkeysandflags", -4, Loading | Stale, 0, 0, 0, "server", "Extracts the key names and access flags for an arbitrary command.", "7.0.0", CommandCommands.GetKeysAndFlags).WithAcl("@connection"),
            C("help", 2, Loading | Stale, 0, 0, 0, "server", "Returns helpful text about the different subcommands.", "5.0.0", CommandCommands.Help).WithAcl("@connection")),
    ];

    private static IEnumerable<RedisCommand> Strings() =>
    [
        C("get", 2, ReadOnly | Fast, 1, 1, 1, "string", "Returns the string value of a key.", "1.0.0", StringCommands.Get),
        C("set", -3, Write | DenyOom, 1, 1, 1, "string", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", "1.0.0", StringCommands.Set),
        C("setnx", 3, Write | DenyOom | Fast, 1, 1, 1, "string", "Set the string value of a key only when the key doesn't exist.", "1.0.0", StringCommands.SetNx),
        C("setex", 4, Write | DenyOom, 1, 1, 1, "string", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", "2.0.0", StringCommands.SetEx),
        C("psetex", 4, Write | DenyOom, 1, 1, 1, "string", "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", "2.6.0", StringCommands.PSetEx),
        C("getset", 3, Write | DenyOom | Fast, 1, 1, 1, "string", "Returns the previous string value of a key after setting it to a new value.", "1.0.0", StringCommands.GetSet),
        C("getdel", 2, Write | Fast, 1, 1, 1, "string", "Returns the string value of a key after deleting the key.", "6.2.0", StringCommands.GetDel),
        C("getex", -2, Write | Fast, 1, 1, 1, "string", "Returns the string value of a key after setting its expiration time.", "6.2.0", StringCommands.GetEx),
        C("mget", -2, ReadOnly | Fast, 1, -1, 1, "string", "Atomically returns the string values of one or more keys.", "1.0.0", StringCommands.MGet),
        C("mset", -3, Write | DenyOom, 1, -1, 2, "string", "Atomically creates or modifies the string values of one or more keys.", "1.0.1", StringCommands.MSet),
        C("msetnx", -3, Write | DenyOom, 1, -1, 2, "string", "Atomically modifies the string values of one or more keys only when all keys don't exist.", "1.0.1", StringCommands.MSetNx),
        C("append", 3, Write | DenyOom | Fast, 1, 1, 1, "string", "Appends a string to the value of a key. Creates the key if it doesn't exist.", "2.0.0", StringCommands.Append),
        C("strlen", 2, ReadOnly | Fast, 1, 1, 1, "string", "Returns the length of a string value.", "2.2.0", StringCommands.StrLen),
        C("getrange", 4, ReadOnly, 1, 1, 1, "string", "Returns a substring of the string stored at a key.", "2.4.0", StringCommands.GetRange),
        C("substr", 4, ReadOnly, 1, 1, 1, "string", "Returns a substring from a string value.", "1.0.0", StringCommands.GetRange),
        C("setrange", 4, Write | DenyOom, 1, 1, 1, "string", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", "2.2.0", StringCommands.SetRange),
        C("lcs", -3, ReadOnly, 1, 2, 1, "string", "Finds the longest common substring.", "7.0.0", StringCommands.Lcs),
        C("getbit", 3, ReadOnly | Fast, 1, 1, 1, "bitmap", "Returns a bit value by offset.", "2.2.0", BitCommands.GetBit),
        C("setbit", 4, Write | DenyOom, 1, 1, 1, "bitmap", "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.", "2.2.0", BitCommands.SetBit),
        C("bitcount", -2, ReadOnly, 1, 1, 1, "bitmap", "Counts the number of set bits (population counting) in a string.", "2.6.0", BitCommands.BitCount),
        C("bitpos", -3, ReadOnly, 1, 1, 1, "bitmap", "Finds the first set (1) or clear (0) bit in a string.", "2.8.7", BitCommands.BitPos),
        C("bitfield", -2, Write | DenyOom, 1, 1, 1, "bitmap", "Performs arbitrary bitfield integer operations on strings.", "3.2.0", BitCommands.BitField),
        C("bitfield_ro", -2, ReadOnly | Fast, 1, 1, 1, "bitmap", "Performs arbitrary read-only bitfield integer operations on strings.", "6.0.0", BitCommands.BitFieldRo),
        C("bitop", -4, Write | DenyOom, 2, -1, 1, "bitmap", "Performs bitwise operations on multiple strings, and stores the result.", "2.6.0", BitCommands.BitOp).WritingFirstKeyOnly(),
        C("incr", 2, Write | DenyOom | Fast, 1, 1, 1, "string", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "1.0.0", StringCommands.Incr),
        C("decr", 2, Write | DenyOom | Fast, 1, 1, 1, "string", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "1.0.0", StringCommands.Decr),
        C("incrby", 3, Write | DenyOom | Fast, 1, 1, 1, "string", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "1.0.0", StringCommands.IncrBy),
        C("decrby", 3, Write | DenyOom | Fast, 1, 1, 1, "string", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", "1.0.0", StringCommands.DecrBy),
        C("incrbyfloat", 3, Write | DenyOom | Fast, 1, 1, 1, "string", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "2.6.0", StringCommands.IncrByFloat),
    ];

    private static IEnumerable<RedisCommand> HyperLogLogs() =>
    [
        C("pfadd", -2, Write | DenyOom | Fast, 1, 1, 1, "hyperloglog", "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.", "2.8.9", HyperLogLogCommands.PfAdd),
        C("pfcount", -2, ReadOnly | MayReplicate, 1, -1, 1, "hyperloglog", "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).", "2.8.9", HyperLogLogCommands.PfCount),
        C("pfmerge", -2, Write | DenyOom, 1, -1, 1, "hyperloglog", "Merges one or more HyperLogLog values into a single key.", "2.8.9", HyperLogLogCommands.PfMerge).WritingFirstKeyOnly(),
    ];

    private static IEnumerable<RedisCommand> Geo() =>
    [
        C("geoadd", -5, Write | DenyOom, 1, 1, 1, "geo", "Adds one or more members to a geospatial index. The key is created if it doesn't exist.", "3.2.0", GeoCommands.GeoAdd),
        C("geodist", -4, ReadOnly, 1, 1, 1, "geo", "Returns the distance between two members of a geospatial index.", "3.2.0", GeoCommands.GeoDist),
        C("geohash", -2, ReadOnly, 1, 1, 1, "geo", "Returns members from a geospatial index as geohash strings.", "3.2.0", GeoCommands.GeoHashCommand),
        C("geopos", -2, ReadOnly, 1, 1, 1, "geo", "Returns the longitude and latitude of members from a geospatial index.", "3.2.0", GeoCommands.GeoPos),
        C("georadius", -6, Write | DenyOom | MovableKeys, 1, 1, 1, "geo", "Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.", "3.2.0", GeoCommands.GeoRadius),
        C("georadius_ro", -6, ReadOnly, 1, 1, 1, "geo", "Returns members from a geospatial index that are within a distance from a coordinate.", "3.2.10", GeoCommands.GeoRadiusRo),
        C("georadiusbymember", -5, Write | DenyOom | MovableKeys, 1, 1, 1, "geo", "Queries a geospatial index for members within a distance from a member, optionally stores the result.", "3.2.0", GeoCommands.GeoRadiusByMember),
        C("georadiusbymember_ro", -5, ReadOnly, 1, 1, 1, "geo", "Returns members from a geospatial index that are within a distance from a member.", "3.2.10", GeoCommands.GeoRadiusByMemberRo),
        C("geosearch", -7, ReadOnly, 1, 1, 1, "geo", "Queries a geospatial index for members inside an area of a box or a circle.", "6.2.0", GeoCommands.GeoSearch),
        C("geosearchstore", -8, Write | DenyOom, 1, 2, 1, "geo", "Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.", "6.2.0", GeoCommands.GeoSearchStore),
    ];

    private static IEnumerable<RedisCommand> Streams() =>
    [
        C("xadd", -5, Write | DenyOom | Fast, 1, 1, 1, "stream", "Appends a new message to a stream. Creates the key if it doesn't exist.", "5.0.0", StreamCommands.XAdd),
        C("xlen", 2, ReadOnly | Fast, 1, 1, 1, "stream", "Return the number of messages in a stream.", "5.0.0", StreamCommands.XLen),
        C("xrange", -4, ReadOnly, 1, 1, 1, "stream", "Returns the messages from a stream within a range of IDs.", "5.0.0", StreamCommands.XRange),
        C("xrevrange", -4, ReadOnly, 1, 1, 1, "stream", "Returns the messages from a stream within a range of IDs in reverse order.", "5.0.0", StreamCommands.XRevRange),
        C("xdel", -3, Write | Fast, 1, 1, 1, "stream", "Returns the number of messages after removing them from a stream.", "5.0.0", StreamCommands.XDel),
        C("xtrim", -4, Write, 1, 1, 1, "stream", "Deletes messages from the beginning of a stream.", "5.0.0", StreamCommands.XTrim),
        C("xread", -4, ReadOnly | Blocking | MovableKeys, 0, 0, 0, "stream", "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.", "5.0.0", StreamCommands.XRead),
        C("xreadgroup", -7, Write | Blocking | MovableKeys, 0, 0, 0, "stream", "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.", "5.0.0", StreamCommands.XReadGroup),
        C("xack", -4, Write | Fast, 1, 1, 1, "stream", "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.", "5.0.0", StreamCommands.XAck).SignallingNoKeys(),
        C("xpending", -3, ReadOnly, 1, 1, 1, "stream", "Returns the information and entries from a stream consumer group's pending entries list.", "5.0.0", StreamCommands.XPending),
        C("xclaim", -6, Write | Fast, 1, 1, 1, "stream", "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.", "5.0.0", StreamCommands.XClaim).SignallingNoKeys(),
        C("xautoclaim", -6, Write | Fast, 1, 1, 1, "stream", "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.", "6.2.0", StreamCommands.XAutoClaim).SignallingNoKeys(),
        C("xsetid", -3, Write | DenyOom | Fast, 1, 1, 1, "stream", "An internal command for replicating stream values.", "5.0.0", StreamCommands.XSetId).SignallingNoKeys(),
        C("xgroup", -2, None, 0, 0, 0, "stream", "A container for consumer groups commands.", "5.0.0", null).WithSubcommands(
            C("create", -5, Write | DenyOom, 2, 2, 1, "stream", "Creates a consumer group.", "5.0.0", StreamCommands.XGroupCreate).SignallingNoKeys(),
            C("setid", -5, Write, 2, 2, 1, "stream", "Sets the last-delivered ID of a consumer group.", "5.0.0", StreamCommands.XGroupSetId).SignallingNoKeys(),
            C("destroy", 4, Write, 2, 2, 1, "stream", "Destroys a consumer group.", "5.0.0", StreamCommands.XGroupDestroy).SignallingNoKeys(),
            C("createconsumer", 5, Write | DenyOom, 2, 2, 1, "stream", "Creates a consumer in a consumer group.", "6.2.0", StreamCommands.XGroupCreateConsumer).SignallingNoKeys(),
            C("delconsumer", 5, Write, 2, 2, 1, "stream", "Deletes a consumer from a consumer group.", "5.0.0", StreamCommands.XGroupDelConsumer).SignallingNoKeys(),
            C("help", 2, Loading | Stale, 0, 0, 0, "stream", "Returns helpful text about the different subcommands.", "5.0.0", StreamCommands.XGroupHelp)),
        C("xinfo", -2, None, 0, 0, 0, "stream", "A container for stream introspection commands.", "5.0.0", null).WithSubcommands(
            C("stream", -3, ReadOnly, 2, 2, 1, "stream", "Returns information about a stream.", "5.0.0", StreamCommands.XInfoStream),
            C("groups", 3, ReadOnly, 2, 2, 1, "stream", "Returns a list of the consumer groups of a stream.", "5.0.0", StreamCommands.XInfoGroups),
            C("consumers", 4, ReadOnly, 2, 2, 1, "stream", "Returns a list of the consumers in a consumer group.", "5.0.0", StreamCommands.XInfoConsumers),
            C("help", 2, Loading | Stale, 0, 0, 0, "stream", "Returns helpful text about the different subcommands.", "5.0.0", StreamCommands.XInfoHelp)),
    ];

    private static IEnumerable<RedisCommand> Generic() =>
    [
        C("del", -2, Write, 1, -1, 1, "generic", "Deletes one or more keys.", "1.0.0", KeyCommands.Del),
        C("unlink", -2, Write | Fast, 1, -1, 1, "generic", "Asynchronously deletes one or more keys.", "4.0.0", KeyCommands.Del),
        C("exists", -2, ReadOnly | Fast, 1, -1, 1, "generic", "Determines whether one or more keys exist.", "1.0.0", KeyCommands.Exists),
        C("touch", -2, ReadOnly | Fast, 1, -1, 1, "generic", "Returns the number of existing keys out of those specified after updating the time they were last accessed.", "3.2.1", KeyCommands.Exists),
        C("type", 2, ReadOnly | Fast, 1, 1, 1, "generic", "Determines the type of value stored at a key.", "1.0.0", KeyCommands.Type),
        C("rename", 3, Write, 1, 2, 1, "generic", "Renames a key and overwrites the destination.", "1.0.0", KeyCommands.Rename),
        C("renamenx", 3, Write | Fast, 1, 2, 1, "generic", "Renames a key only when the target key name doesn't exist.", "1.0.0", KeyCommands.RenameNx),
        C("move", 3, Write | Fast, 1, 1, 1, "generic", "Moves a key to another database.", "1.0.0", KeyCommands.Move),
        C("copy", -3, Write | DenyOom, 1, 2, 1, "generic", "Copies the value of a key to a new key.", "6.2.0", KeyCommands.Copy),
        C("sort", -2, Write | DenyOom | MovableKeys, 1, 1, 1, "generic", "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.", "1.0.0", SortCommand.Sort)
            .WithAclInsteadOfGroup("@set", "@sortedset", "@list", "@dangerous"),
        C("sort_ro", -2, ReadOnly | MovableKeys, 1, 1, 1, "generic", "Returns the sorted elements of a list, a set, or a sorted set.", "7.0.0", SortCommand.SortRo)
            .WithAclInsteadOfGroup("@set", "@sortedset", "@list", "@dangerous"),
        C("dump", 2, ReadOnly, 1, 1, 1, "generic", "Returns a serialized representation of the value stored at a key.", "2.6.0", KeyCommands.Dump),
        C("migrate", -6, Write | MovableKeys, 3, 3, 1, "generic", "Atomically transfer a key from a Redis instance to another one.", "2.6.0", MigrateCommand.Migrate).WithAcl("@dangerous"),
        C("restore", -4, Write | DenyOom, 1, 1, 1, "generic", "Creates a key from the serialized representation of a value.", "2.6.0", KeyCommands.Restore).WithAcl("@dangerous"),
        C("keys", 2, ReadOnly, 0, 0, 0, "generic", "Returns all key names that match a pattern.", "1.0.0", KeyCommands.Keys).WithAcl("@dangerous"),
        C("scan", -2, ReadOnly, 0, 0, 0, "generic", "Iterates over the key names in the database.", "2.8.0", KeyCommands.Scan),
        C("randomkey", 1, ReadOnly, 0, 0, 0, "generic", "Returns a random key name from the database.", "1.0.0", KeyCommands.RandomKey),
        C("expire", -3, Write | Fast, 1, 1, 1, "generic", "Sets the expiration time of a key in seconds.", "1.0.0", ExpireCommands.Expire),
        C("pexpire", -3, Write | Fast, 1, 1, 1, "generic", "Sets the expiration time of a key in milliseconds.", "2.6.0", ExpireCommands.PExpire),
        C("expireat", -3, Write | Fast, 1, 1, 1, "generic", "Sets the expiration time of a key to a Unix timestamp.", "1.2.0", ExpireCommands.ExpireAt),
        C("pexpireat", -3, Write | Fast, 1, 1, 1, "generic", "Sets the expiration time of a key to a Unix milliseconds timestamp.", "2.6.0", ExpireCommands.PExpireAt),
        C("ttl", 2, ReadOnly | Fast, 1, 1, 1, "generic", "Returns the expiration time in seconds of a key.", "1.0.0", ExpireCommands.Ttl),
        C("pttl", 2, ReadOnly | Fast, 1, 1, 1, "generic", "Returns the expiration time in milliseconds of a key.", "2.6.0", ExpireCommands.PTtl),
        C("expiretime", 2, ReadOnly | Fast, 1, 1, 1, "generic", "Returns the expiration time of a key as a Unix timestamp.", "7.0.0", ExpireCommands.ExpireTime),
        C("pexpiretime", 2, ReadOnly | Fast, 1, 1, 1, "generic", "Returns the expiration time of a key as a Unix milliseconds timestamp.", "7.0.0", ExpireCommands.PExpireTime),
        C("persist", 2, Write | Fast, 1, 1, 1, "generic", "Removes the expiration time of a key.", "2.2.0", ExpireCommands.Persist),
        C("object", -2, None, 0, 0, 0, "generic", "A container for object introspection commands.", "2.2.3", null).WithSubcommands(
            C("encoding", 3, ReadOnly, 2, 2, 1, "generic", "Returns the internal encoding of a Redis object.", "2.2.3", KeyCommands.ObjectEncoding),
            C("freq", 3, ReadOnly, 2, 2, 1, "generic", "Returns the logarithmic access frequency counter of a Redis object.", "4.0.0", KeyCommands.ObjectFreq),
            C("idletime", 3, ReadOnly, 2, 2, 1, "generic", "Returns the time since the last access to a Redis object.", "2.2.3", KeyCommands.ObjectIdleTime),
            C("refcount", 3, ReadOnly, 2, 2, 1, "generic", "Returns the reference count of a value of a key.", "2.2.3", KeyCommands.ObjectRefCount),
            C("help", 2, Loading | Stale, 0, 0, 0, "generic", "Returns helpful text about the different subcommands.", "6.2.0", KeyCommands.ObjectHelp)),
    ];

    private static IEnumerable<RedisCommand> Lists() =>
    [
        C("lpush", -3, Write | DenyOom | Fast, 1, 1, 1, "list", "Prepends one or more elements to a list. Creates the key if it doesn't exist.", "1.0.0", ListCommands.LPush),
        C("rpush", -3, Write | DenyOom | Fast, 1, 1, 1, "list", "Appends one or more elements to a list. Creates the key if it doesn't exist.", "1.0.0", ListCommands.RPush),
        C("lpushx", -3, Write | DenyOom | Fast, 1, 1, 1, "list", "Prepends one or more elements to a list only when the list exists.", "2.2.0", ListCommands.LPushX),
        C("rpushx", -3, Write | DenyOom | Fast, 1, 1, 1, "list", "Appends an element to a list only when the list exists.", "2.2.0", ListCommands.RPushX),
        C("lpop", -2, Write | Fast, 1, 1, 1, "list", "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.", "1.0.0", ListCommands.LPop),
        C("rpop", -2, Write | Fast, 1, 1, 1, "list", "Returns and removes the last elements of a list. Deletes the list if the last element was popped.", "1.0.0", ListCommands.RPop),
        C("lrange", 4, ReadOnly, 1, 1, 1, "list", "Returns a range of elements from a list.", "1.0.0", ListCommands.LRange),
        C("llen", 2, ReadOnly | Fast, 1, 1, 1, "list", "Returns the length of a list.", "1.0.0", ListCommands.LLen),
        C("lindex", 3, ReadOnly, 1, 1, 1, "list", "Returns an element from a list by its index.", "1.0.0", ListCommands.LIndex),
        C("lset", 4, Write | DenyOom, 1, 1, 1, "list", "Sets the value of an element in a list by its index.", "1.0.0", ListCommands.LSet),
        C("lrem", 4, Write, 1, 1, 1, "list", "Removes elements from a list. Deletes the list if the last element was removed.", "1.0.0", ListCommands.LRem),
        C("ltrim", 4, Write, 1, 1, 1, "list", "Removes elements from both ends a list. Deletes the list if all elements were trimmed.", "1.0.0", ListCommands.LTrim),
        C("linsert", 5, Write | DenyOom, 1, 1, 1, "list", "Inserts an element before or after another element in a list.", "2.2.0", ListCommands.LInsert),
        C("lpos", -3, ReadOnly, 1, 1, 1, "list", "Returns the index of matching elements in a list.", "6.0.6", ListCommands.LPos),
        C("lmove", 5, Write | DenyOom, 1, 2, 1, "list", "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.", "6.2.0", ListCommands.LMove),
        C("rpoplpush", 3, Write | DenyOom, 1, 2, 1, "list", "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.", "1.2.0", ListCommands.RPopLPush),
        C("lmpop", -4, Write | MovableKeys, 0, 0, 0, "list", "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.", "7.0.0", BlockingCommands.LMPop),
        C("blmpop", -5, Write | Blocking | MovableKeys, 0, 0, 0, "list", "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", "7.0.0", BlockingCommands.BLMPop),
        C("blpop", -3, Write | NoScript | Blocking, 1, -2, 1, "list", "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", "2.0.0", BlockingCommands.BLPop),
        C("brpop", -3, Write | NoScript | Blocking, 1, -2, 1, "list", "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", "2.0.0", BlockingCommands.BRPop),
        C("blmove", 6, Write | DenyOom | NoScript | Blocking, 1, 2, 1, "list", "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.", "6.2.0", BlockingCommands.BLMove),
        C("brpoplpush", 4, Write | DenyOom | NoScript | Blocking, 1, 2, 1, "list", "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.", "2.2.0", BlockingCommands.BRPopLPush),
    ];

    private static IEnumerable<RedisCommand> Hashes() =>
    [
        C("hset", -4, Write | DenyOom | Fast, 1, 1, 1, "hash", "Creates or modifies the value of a field in a hash.", "2.0.0", HashCommands.HSet),
        C("hsetnx", 4, Write | DenyOom | Fast, 1, 1, 1, "hash", "Sets the value of a field in a hash only when the field doesn't exist.", "2.0.0", HashCommands.HSetNx),
        C("hget", 3, ReadOnly | Fast, 1, 1, 1, "hash", "Returns the value of a field in a hash.", "2.0.0", HashCommands.HGet),
        C("hmget", -3, ReadOnly | Fast, 1, 1, 1, "hash", "Returns the values of all fields in a hash.", "2.0.0", HashCommands.HMGet),
        C("hmset", -4, Write | DenyOom | Fast, 1, 1, 1, "hash", "Sets the values of multiple fields.", "2.0.0", HashCommands.HMSet),
        C("hgetall", 2, ReadOnly, 1, 1, 1, "hash", "Returns all fields and values in a hash.", "2.0.0", HashCommands.HGetAll),
        C("hdel", -3, Write | Fast, 1, 1, 1, "hash", "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", "2.0.0", HashCommands.HDel),
        C("hexists", 3, ReadOnly | Fast, 1, 1, 1, "hash", "Determines whether a field exists in a hash.", "2.0.0", HashCommands.HExists),
        C("hlen", 2, ReadOnly | Fast, 1, 1, 1, "hash", "Returns the number of fields in a hash.", "2.0.0", HashCommands.HLen),
        C("hkeys", 2, ReadOnly, 1, 1, 1, "hash", "Returns all fields in a hash.", "2.0.0", HashCommands.HKeys),
        C("hvals", 2, ReadOnly, 1, 1, 1, "hash", "Returns all values in a hash.", "2.0.0", HashCommands.HVals),
        C("hincrby", 4, Write | DenyOom | Fast, 1, 1, 1, "hash", "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", "2.0.0", HashCommands.HIncrBy),
        C("hincrbyfloat", 4, Write | DenyOom | Fast, 1, 1, 1, "hash", "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", "2.6.0", HashCommands.HIncrByFloat),
        C("hstrlen", 3, ReadOnly | Fast, 1, 1, 1, "hash", "Returns the length of the value of a field.", "3.2.0", HashCommands.HStrLen),
        C("hrandfield", -2, ReadOnly, 1, 1, 1, "hash", "Returns one or more random fields from a hash.", "6.2.0", HashCommands.HRandField),
        C("hscan", -3, ReadOnly, 1, 1, 1, "hash", "Iterates over fields and values of a hash.", "2.8.0", HashCommands.HScan),
    ];

    private static IEnumerable<RedisCommand> Sets() =>
    [
        C("sadd", -3, Write | DenyOom | Fast, 1, 1, 1, "set", "Adds one or more members to a set. Creates the key if it doesn't exist.", "1.0.0", SetCommands.SAdd),
        C("srem", -3, Write | Fast, 1, 1, 1, "set", "Removes one or more members from a set. Deletes the set if the last member was removed.", "1.0.0", SetCommands.SRem),
        C("smembers", 2, ReadOnly, 1, 1, 1, "set", "Returns all members of a set.", "1.0.0", SetCommands.SMembers),
        C("sismember", 3, ReadOnly | Fast, 1, 1, 1, "set", "Determines whether a member belongs to a set.", "1.0.0", SetCommands.SIsMember),
        C("smismember", -3, ReadOnly | Fast, 1, 1, 1, "set", "Determines whether multiple members belong to a set.", "6.2.0", SetCommands.SMIsMember),
        C("scard", 2, ReadOnly | Fast, 1, 1, 1, "set", "Returns the number of members in a set.", "1.0.0", SetCommands.SCard),
        C("spop", -2, Write | Fast, 1, 1, 1, "set", "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.", "1.0.0", SetCommands.SPop),
        C("srandmember", -2, ReadOnly, 1, 1, 1, "set", "Get one or multiple random members from a set", "1.0.0", SetCommands.SRandMember),
        C("smove", 4, Write | Fast, 1, 2, 1, "set", "Moves a member from one set to another.", "1.0.0", SetCommands.SMove),
        C("sinter", -2, ReadOnly, 1, -1, 1, "set", "Returns the intersect of multiple sets.", "1.0.0", SetCommands.SInter),
        C("sunion", -2, ReadOnly, 1, -1, 1, "set", "Returns the union of multiple sets.", "1.0.0", SetCommands.SUnion),
        C("sdiff", -2, ReadOnly, 1, -1, 1, "set", "Returns the difference of multiple sets.", "1.0.0", SetCommands.SDiff),
        C("sinterstore", -3, Write | DenyOom, 1, -1, 1, "set", "Stores the intersect of multiple sets in a key.", "1.0.0", SetCommands.SInterStore).WritingFirstKeyOnly(),
        C("sunionstore", -3, Write | DenyOom, 1, -1, 1, "set", "Stores the union of multiple sets in a key.", "1.0.0", SetCommands.SUnionStore).WritingFirstKeyOnly(),
        C("sdiffstore", -3, Write | DenyOom, 1, -1, 1, "set", "Stores the difference of multiple sets in a key.", "1.0.0", SetCommands.SDiffStore).WritingFirstKeyOnly(),
        C("sintercard", -3, ReadOnly | MovableKeys, 0, 0, 0, "set", "Returns the number of members of the intersect of multiple sets.", "7.0.0", SetCommands.SInterCard),
        C("sscan", -3, ReadOnly, 1, 1, 1, "set", "Iterates over members of a set.", "2.8.0", SetCommands.SScan),
    ];

    private static IEnumerable<RedisCommand> SortedSets() =>
    [
        C("zadd", -4, Write | DenyOom | Fast, 1, 1, 1, "sorted_set", "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.", "1.2.0", SortedSetCommands.ZAdd),
        C("zincrby", 4, Write | DenyOom | Fast, 1, 1, 1, "sorted_set", "Increments the score of a member in a sorted set.", "1.2.0", SortedSetCommands.ZIncrBy),
        C("zrem", -3, Write | Fast, 1, 1, 1, "sorted_set", "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.", "1.2.0", SortedSetCommands.ZRem),
        C("zremrangebyscore", 4, Write, 1, 1, 1, "sorted_set", "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.", "1.2.0", SortedSetCommands.ZRemRangeByScore),
        C("zremrangebyrank", 4, Write, 1, 1, 1, "sorted_set", "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.", "2.0.0", SortedSetCommands.ZRemRangeByRank),
        C("zremrangebylex", 4, Write, 1, 1, 1, "sorted_set", "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.", "2.8.9", SortedSetCommands.ZRemRangeByLex),
        C("zscore", 3, ReadOnly | Fast, 1, 1, 1, "sorted_set", "Returns the score of a member in a sorted set.", "1.2.0", SortedSetCommands.ZScore),
        C("zmscore", -3, ReadOnly | Fast, 1, 1, 1, "sorted_set", "Returns the score of one or more members in a sorted set.", "6.2.0", SortedSetCommands.ZMScore),
        C("zcard", 2, ReadOnly | Fast, 1, 1, 1, "sorted_set", "Returns the number of members in a sorted set.", "1.2.0", SortedSetCommands.ZCard),
        C("zcount", 4, ReadOnly | Fast, 1, 1, 1, "sorted_set", "Returns the count of members in a sorted set that have scores within a range.", "2.0.0", SortedSetCommands.ZCount),
        C("zlexcount", 4, ReadOnly | Fast, 1, 1, 1, "sorted_set", "Returns the number of members in a sorted set within a lexicographical range.", "2.8.9", SortedSetCommands.ZLexCount),
        C("zrange", -4, ReadOnly, 1, 1, 1, "sorted_set", "Returns members in a sorted set within a range of indexes.", "1.2.0", SortedSetCommands.ZRange),
        C("zrangestore", -5, Write | DenyOom, 1, 2, 1, "sorted_set", "Stores a range of members from sorted set in a key.", "6.2.0", SortedSetCommands.ZRangeStore).WritingFirstKeyOnly(),
        C("zrangebyscore", -4, ReadOnly, 1, 1, 1, "sorted_set", "Returns members in a sorted set within a range of scores.", "1.0.5", SortedSetCommands.ZRangeByScore),
        C("zrevrange", -4, ReadOnly, 1, 1, 1, "sorted_set", "Returns members in a sorted set within a range of indexes in reverse order.", "1.2.0", SortedSetCommands.ZRevRange),
        C("zrevrangebyscore", -4, ReadOnly, 1, 1, 1, "sorted_set", "Returns members in a sorted set within a range of scores in reverse order.", "2.2.0", SortedSetCommands.ZRevRangeByScore),
        C("zrangebylex", -4, ReadOnly, 1, 1, 1, "sorted_set", "Returns members in a sorted set within a lexicographical range.", "2.8.9", SortedSetCommands.ZRangeByLex),
        C("zrevrangebylex", -4, ReadOnly, 1, 1, 1, "sorted_set", "Returns members in a sorted set within a lexicographical range in reverse order.", "2.8.9", SortedSetCommands.ZRevRangeByLex),
        C("zrank", -3, ReadOnly | Fast, 1, 1, 1, "sorted_set", "Returns the index of a member in a sorted set ordered by ascending scores.", "2.0.0", SortedSetCommands.ZRank),
        C("zrevrank", -3, ReadOnly | Fast, 1, 1, 1, "sorted_set", "Returns the index of a member in a sorted set ordered by descending scores.", "2.0.0", SortedSetCommands.ZRevRank),
        C("zpopmin", -2, Write | Fast, 1, 1, 1, "sorted_set", "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", "5.0.0", SortedSetCommands.ZPopMin),
        C("zpopmax", -2, Write | Fast, 1, 1, 1, "sorted_set", "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", "5.0.0", SortedSetCommands.ZPopMax),
        C("bzpopmin", -3, Write | NoScript | Fast | Blocking, 1, -2, 1, "sorted_set", "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", "5.0.0", BlockingCommands.BZPopMin),
        C("bzpopmax", -3, Write | NoScript | Fast | Blocking, 1, -2, 1, "sorted_set", "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.", "5.0.0", BlockingCommands.BZPopMax),
        C("zrandmember", -2, ReadOnly, 1, 1, 1, "sorted_set", "Returns one or more random members from a sorted set.", "6.2.0", SortedSetCommands.ZRandMember),
        C("zunionstore", -4, Write | DenyOom | MovableKeys, 1, 1, 1, "sorted_set", "Stores the union of multiple sorted sets in a key.", "2.0.0", SortedSetCommands.ZUnionStore),
        C("zdiffstore", -4, Write | DenyOom | MovableKeys, 1, 1, 1, "sorted_set", "Stores the difference of multiple sorted sets in a key.", "6.2.0", SortedSetCommands.ZDiffStore),
        C("zunion", -3, ReadOnly | MovableKeys, 0, 0, 0, "sorted_set", "Returns the union of multiple sorted sets.", "6.2.0", SortedSetCommands.ZUnion),
        C("zinter", -3, ReadOnly | MovableKeys, 0, 0, 0, "sorted_set", "Returns the intersect of multiple sorted sets.", "6.2.0", SortedSetCommands.ZInter),
        C("zdiff", -3, ReadOnly | MovableKeys, 0, 0, 0, "sorted_set", "Returns the difference between multiple sorted sets.", "6.2.0", SortedSetCommands.ZDiff),
        C("zintercard", -3, ReadOnly | MovableKeys, 0, 0, 0, "sorted_set", "Returns the number of members of the intersect of multiple sorted sets.", "7.0.0", SortedSetCommands.ZInterCard),
        C("zmpop", -4, Write | MovableKeys, 0, 0, 0, "sorted_set", "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.", "7.0.0", BlockingCommands.ZMPop),
        C("bzmpop", -5, Write | Blocking | MovableKeys, 0, 0, 0, "sorted_set", "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", "7.0.0", BlockingCommands.BZMPop),
        C("zinterstore", -4, Write | DenyOom | MovableKeys, 1, 1, 1, "sorted_set", "Stores the intersect of multiple sorted sets in a key.", "2.0.0", SortedSetCommands.ZInterStore),
        C("zscan", -3, ReadOnly, 1, 1, 1, "sorted_set", "Iterates over members and scores of a sorted set.", "2.8.0", SortedSetCommands.ZScan),
    ];

    /// <summary>What a standalone redis-server has of cluster mode: the commands, each refusing (<see cref="ClusterCommands"/>).</summary>
    private static IEnumerable<RedisCommand> Cluster() =>
    [
        C("readonly", 1, Loading | Stale | Fast, 0, 0, 0, "cluster", "Enables read queries for a connection to a cluster replica node", "3.0.0", ClusterCommands.Disabled).WithAclInsteadOfGroup("@connection"),
        C("readwrite", 1, Loading | Stale | Fast, 0, 0, 0, "cluster", "Disables read queries for a connection to a cluster replica node", "3.0.0", ClusterCommands.Disabled).WithAclInsteadOfGroup("@connection"),
        C("asking", 1, Fast, 0, 0, 0, "cluster", "Sent by cluster clients after an -ASK redirect", "3.0.0", ClusterCommands.Disabled).WithAclInsteadOfGroup("@connection"),
        C("cluster", -2, None, 0, 0, 0, "cluster", "A container for cluster commands", "3.0.0", null).WithSubcommands(
            C("addslots", -3, Admin | NoAsyncLoading | Stale, 0, 0, 0, "cluster", "Assign new hash slots to receiving node", "3.0.0", ClusterCommands.Disabled),
            C("addslotsrange", -4, Admin | NoAsyncLoading | Stale, 0, 0, 0, "cluster", "Assign new hash slots to receiving node", "7.0.0", ClusterCommands.Disabled),
            C("bumpepoch", 2, Admin | NoAsyncLoading | Stale, 0, 0, 0, "cluster", "Advance the cluster config epoch", "3.0.0", ClusterCommands.Disabled),
            C("count-failure-reports", 3, Admin | Stale, 0, 0, 0, "cluster", "Return the number of failure reports active for a given node", "3.0.0", ClusterCommands.Disabled),
            C("countkeysinslot", 3, Stale, 0, 0, 0, "cluster", "Return the number of local keys in the specified hash slot", "3.0.0", ClusterCommands.Disabled),
            C("delslots", -3, Admin | NoAsyncLoading | Stale, 0, 0, 0, "cluster", "Set hash slots as unbound in receiving node", "3.0.0", ClusterCommands.Disabled),
            C("delslotsrange", -4, Admin | NoAsyncLoading | Stale, 0, 0, 0, "cluster", "Set hash slots as unbound in receiving node", "7.0.0", ClusterCommands.Disabled),
            C("failover", -2, Admin | NoAsyncLoading | Stale, 0, 0, 0, "cluster", "Forces a replica to perform a manual failover of its master.", "3.0.0", ClusterCommands.Disabled),
            C("flushslots", 2, Admin | NoAsyncLoading | Stale, 0, 0, 0, "cluster", "Delete a node's own slots information", "3.0.0", ClusterCommands.Disabled),
            C("forget", 3, Admin | NoAsyncLoading | Stale, 0, 0, 0, "cluster", "Remove a node from the nodes table", "3.0.0", ClusterCommands.Disabled),
            C("getkeysinslot", 4, Stale, 0, 0, 0, "cluster", "Return local key names in the specified hash slot", "3.0.0", ClusterCommands.Disabled),
            C("help", 2, Loading | Stale, 0, 0, 0, "cluster", "Show helpful text about the different subcommands", "5.0.0", ClusterCommands.Disabled),
            C("info", 2, Stale, 0, 0, 0, "cluster", "Provides info about Redis Cluster node state", "3.0.0", ClusterCommands.Disabled),
            C("keyslot", 3, Stale, 0, 0, 0, "cluster", "Returns the hash slot of the specified key", "3.0.0", ClusterCommands.Disabled),
            C("links", 2, Stale, 0, 0, 0, "cluster", "Returns a list of all TCP links to and from peer nodes in cluster", "7.0.0", ClusterCommands.Disabled),
            C("meet", -4, Admin | NoAsyncLoading | Stale, 0, 0, 0, "cluster", "Force a node cluster to handshake with another node", "3.0.0", ClusterCommands.Disabled),
            C("myid", 2, Stale, 0, 0, 0, "cluster", "Return the node id", "3.0.0", ClusterCommands.Disabled),
            C("nodes", 2, Stale, 0, 0, 0, "cluster", "Get Cluster config for the node", "3.0.0", ClusterCommands.Disabled),
            C("replicas", 3, Admin | Stale, 0, 0, 0, "cluster", "List replica nodes of the specified master node", "5.0.0", ClusterCommands.Disabled),
            C("replicate", 3, Admin | NoAsyncLoading | Stale, 0, 0, 0, "cluster", "Reconfigure a node as a replica of the specified master node", "3.0.0", ClusterCommands.Disabled),
            C("reset", -2, Admin | NoScript | Stale, 0, 0, 0, "cluster", "Reset a Redis Cluster node", "3.0.0", ClusterCommands.Disabled),
            C("saveconfig", 2, Admin | NoAsyncLoading | Stale, 0, 0, 0, "cluster", "Forces the node to save cluster state on disk", "3.0.0", ClusterCommands.Disabled),
            C("set-config-epoch", 3, Admin | NoAsyncLoading | Stale, 0, 0, 0, "cluster", "Set the configuration epoch in a new node", "3.0.0", ClusterCommands.Disabled),
            C("setslot", -4, Admin | NoAsyncLoading | Stale, 0, 0, 0, "cluster", "Bind a hash slot to a specific node", "3.0.0", ClusterCommands.Disabled),
            C("shards", 2, Stale, 0, 0, 0, "cluster", "Get array of cluster slots to node mappings", "7.0.0", ClusterCommands.Disabled),
            C("slaves", 3, Admin | Stale, 0, 0, 0, "cluster", "List replica nodes of the specified master node", "3.0.0", ClusterCommands.Disabled),
            C("slots", 2, Stale, 0, 0, 0, "cluster", "Get array of Cluster slot to node mappings", "3.0.0", ClusterCommands.Disabled)),
    ];

    private static IEnumerable<RedisCommand> Transactions() =>
    [
        C("multi", 1, NoScript | Loading | Stale | Fast | AllowBusy | TransactionControl, 0, 0, 0, "transactions", "Starts a transaction.", "1.2.0", TransactionCommands.Multi),
        C("exec", 1, NoScript | Loading | Stale | SkipSlowlog | TransactionControl, 0, 0, 0, "transactions", "Executes all commands in a transaction.", "1.2.0", TransactionCommands.Exec),
        C("discard", 1, NoScript | Loading | Stale | Fast | AllowBusy | TransactionControl, 0, 0, 0, "transactions", "Discards a transaction.", "2.0.0", TransactionCommands.Discard),
        C("watch", -2, NoScript | Loading | Stale | Fast | AllowBusy | TransactionControl, 1, -1, 1, "transactions", "Monitors changes to keys to determine the execution of a transaction.", "2.2.0", TransactionCommands.Watch),
        C("unwatch", 1, NoScript | Loading | Stale | Fast | AllowBusy, 0, 0, 0, "transactions", "Forgets about watched keys of a transaction.", "2.2.0", TransactionCommands.Unwatch),
    ];

    private static IEnumerable<RedisCommand> Scripting() =>
    [
        C("eval", -3, NoScript | Stale | SkipMonitor | NoMandatoryKeys | MovableKeys, 0, 0, 0, "scripting", "Executes a server-side Lua script.", "2.6.0", ScriptingCommands.Eval).WithAcl("@scripting"),
        C("evalsha", -3, NoScript | Stale | SkipMonitor | NoMandatoryKeys | MovableKeys, 0, 0, 0, "scripting", "Executes a server-side Lua script by SHA1 digest.", "2.6.0", ScriptingCommands.EvalSha).WithAcl("@scripting"),
        C("eval_ro", -3, ReadOnly | NoScript | Stale | SkipMonitor | NoMandatoryKeys | MovableKeys, 0, 0, 0, "scripting", "Executes a read-only server-side Lua script.", "7.0.0", ScriptingCommands.EvalRo).WithAcl("@scripting"),
        C("evalsha_ro", -3, ReadOnly | NoScript | Stale | SkipMonitor | NoMandatoryKeys | MovableKeys, 0, 0, 0, "scripting", "Executes a read-only server-side Lua script by SHA1 digest.", "7.0.0", ScriptingCommands.EvalShaRo).WithAcl("@scripting"),
        C("script", -2, None, 0, 0, 0, "scripting", "A container for Lua scripts management commands.", "2.6.0", null).WithSubcommands(
            C("load", 3, NoScript | Stale, 0, 0, 0, "scripting", "Loads a server-side Lua script to the script cache.", "2.6.0", ScriptingCommands.Load).WithAcl("@scripting"),
            C("exists", -3, NoScript, 0, 0, 0, "scripting", "Determines whether server-side Lua scripts exist in the script cache.", "2.6.0", ScriptingCommands.Exists).WithAcl("@scripting"),
            C("flush", -2, NoScript, 0, 0, 0, "scripting", "Removes all server-side Lua scripts from the script cache.", "2.6.0", ScriptingCommands.Flush).WithAcl("@scripting"),
            C("kill", 2, NoScript | AllowBusy, 0, 0, 0, "scripting", "Terminates a server-side Lua script during execution.", "2.6.0", ScriptingCommands.Kill).WithAcl("@scripting"),
            C("help", 2, Loading | Stale, 0, 0, 0, "scripting", "Returns helpful text about the different subcommands.", "5.0.0", ScriptingCommands.Help).WithAcl("@scripting")),
        C("fcall", -3, NoScript | Stale | SkipMonitor | NoMandatoryKeys | MovableKeys, 0, 0, 0, "scripting", "Invokes a function.", "7.0.0", ScriptingCommands.FCall).WithAcl("@scripting"),
        C("fcall_ro", -3, ReadOnly | NoScript | Stale | SkipMonitor | NoMandatoryKeys | MovableKeys, 0, 0, 0, "scripting", "Invokes a read-only function.", "7.0.0", ScriptingCommands.FCallRo).WithAcl("@scripting"),
        C("function", -2, None, 0, 0, 0, "scripting", "A container for function commands.", "7.0.0", null).WithSubcommands(
            C("load", -3, Write | DenyOom | NoScript, 0, 0, 0, "scripting", "Creates a library.", "7.0.0", ScriptingCommands.FunctionLoad).WithAcl("@scripting"),
            C("delete", 3, Write | NoScript, 0, 0, 0, "scripting", "Deletes a library and its functions.", "7.0.0", ScriptingCommands.FunctionDelete).WithAcl("@scripting"),
            C("flush", -2, Write | NoScript, 0, 0, 0, "scripting", "Deletes all libraries and functions.", "7.0.0", ScriptingCommands.FunctionFlush).WithAcl("@scripting"),
            C("list", -2, NoScript, 0, 0, 0, "scripting", "Returns information about all libraries.", "7.0.0", ScriptingCommands.FunctionList).WithAcl("@scripting"),
            C("stats", 2, NoScript | AllowBusy, 0, 0, 0, "scripting", "Returns information about a function during execution.", "7.0.0", ScriptingCommands.FunctionStats).WithAcl("@scripting"),
            C("kill", 2, NoScript | AllowBusy, 0, 0, 0, "scripting", "Terminates a function during execution.", "7.0.0", ScriptingCommands.FunctionKill).WithAcl("@scripting"),
            C("dump", 2, NoScript, 0, 0, 0, "scripting", "Dumps all libraries into a serialized binary payload.", "7.0.0", ScriptingCommands.FunctionDump).WithAcl("@scripting"),
            C("restore", -3, Write | DenyOom | NoScript, 0, 0, 0, "scripting", "Restores all libraries from a payload.", "7.0.0", ScriptingCommands.FunctionRestore).WithAcl("@scripting"),
            C("help", 2, Loading | Stale, 0, 0, 0, "scripting", "Returns helpful text about the different subcommands.", "7.0.0", ScriptingCommands.FunctionHelp).WithAcl("@scripting")),
    ];

    private static IEnumerable<RedisCommand> PublishSubscribe() =>
    [
        C("subscribe", -2, PubSub | NoScript | Loading | Stale | SubscribedContext, 0, 0, 0, "pubsub", "Listens for messages published to channels.", "2.0.0", PubSubCommands.Subscribe),
        C("unsubscribe", -1, PubSub | NoScript | Loading | Stale | SubscribedContext, 0, 0, 0, "pubsub", "Stops listening to messages posted to channels.", "2.0.0", PubSubCommands.Unsubscribe),
        C("psubscribe", -2, PubSub | NoScript | Loading | Stale | SubscribedContext, 0, 0, 0, "pubsub", "Listens for messages published to channels that match one or more patterns.", "2.0.0", PubSubCommands.PSubscribe),
        C("punsubscribe", -1, PubSub | NoScript | Loading | Stale | SubscribedContext, 0, 0, 0, "pubsub", "Stops listening to messages published to channels that match one or more patterns.", "2.0.0", PubSubCommands.PUnsubscribe),
        C("publish", 3, PubSub | Loading | Stale | Fast, 0, 0, 0, "pubsub", "Posts a message to a channel.", "2.0.0", PubSubCommands.Publish),
        // Shard channels: Redis 7 gives their names key positions (flagged not_key) for cluster routing.
        C("ssubscribe", -2, PubSub | NoScript | Loading | Stale | SubscribedContext, 1, -1, 1, "pubsub", "Listens for messages published to shard channels.", "7.0.0", PubSubCommands.SSubscribe),
        C("sunsubscribe", -1, PubSub | NoScript | Loading | Stale | SubscribedContext, 1, -1, 1, "pubsub", "Stops listening to messages posted to shard channels.", "7.0.0", PubSubCommands.SUnsubscribe),
        C("spublish", 3, PubSub | Loading | Stale | Fast, 1, 1, 1, "pubsub", "Post a message to a shard channel", "7.0.0", PubSubCommands.SPublish),
        C("pubsub", -2, None, 0, 0, 0, "pubsub", "A container for Pub/Sub commands.", "2.8.0", null).WithSubcommands(
            C("channels", -2, PubSub | Loading | Stale, 0, 0, 0, "pubsub", "Returns the active channels.", "2.8.0", PubSubCommands.Channels),
            C("numsub", -2, PubSub | Loading | Stale, 0, 0, 0, "pubsub", "Returns a count of subscribers to channels.", "2.8.0", PubSubCommands.NumSub),
            C("numpat", 2, PubSub | Loading | Stale, 0, 0, 0, "pubsub", "Returns a count of unique pattern subscriptions.", "2.8.0", PubSubCommands.NumPat),
            C("shardchannels", -2, PubSub | Loading | Stale, 0, 0, 0, "pubsub", "Returns the active shard channels.", "7.0.0", PubSubCommands.ShardChannels),
            C("shardnumsub", -2, PubSub | Loading | Stale, 0, 0, 0, "pubsub", "Returns the count of subscribers of shard channels.", "7.0.0", PubSubCommands.ShardNumSub),
            C("help", 2, Loading | Stale, 0, 0, 0, "pubsub", "Returns helpful text about the different subcommands.", "6.2.0", PubSubCommands.Help)),
    ];
}
