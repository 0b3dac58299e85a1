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
        Connection().Concat(Server()).Concat(Strings()).Concat(Generic());

    private static IEnumerable<RedisCommand> Connection() =>
    [
        C("ping", -1, Fast | Stale | Loading, 0, 0, 0, "connection", "Returns the server's liveliness response.", "1.0.0", ConnectionCommands.Ping),
        C("echo", 2, Fast | Stale | Loading, 0, 0, 0, "connection", "Returns the given string.", "1.0.0", ConnectionCommands.Echo),
        C("quit", -1, NoAuth | Fast | Stale | Loading | AllowBusy, 0, 0, 0, "connection", "Closes the connection.", "1.0.0", ConnectionCommands.Quit),
        C("auth", -2, NoAuth | Fast | Stale | Loading | NoScript | AllowBusy, 0, 0, 0, "connection", "Authenticates the connection.", "1.0.0", ConnectionCommands.Auth),
        C("hello", -1, NoAuth | Fast | Stale | Loading | NoScript | AllowBusy, 0, 0, 0, "connection", "Handshakes with the Redis server.", "6.0.0", ConnectionCommands.Hello),
        C("reset", 1, NoAuth | Fast | Stale | Loading | NoScript | AllowBusy, 0, 0, 0, "connection", "Resets the connection.", "6.2.0", ConnectionCommands.Reset),
        C("select", 2, Fast | Stale | Loading, 0, 0, 0, "connection", "Changes the selected database.", "1.0.0", KeyCommands.Select),
        C("client", -2, None, 0, 0, 0, "connection", "A container for client connection commands.", "2.4.0", null).WithSubcommands(
            C("id", 2, Fast | Stale | Loading | NoScript, 0, 0, 0, "connection", "Returns the unique client ID of the connection.", "5.0.0", ClientCommands.Id),
            C("setname", 3, Fast | Stale | Loading | NoScript, 0, 0, 0, "connection", "Sets the connection name.", "2.6.9", ClientCommands.SetName),
            C("getname", 2, Fast | Stale | Loading | NoScript, 0, 0, 0, "connection", "Returns the name of the connection.", "2.6.9", ClientCommands.GetName),
            C("setinfo", 4, Fast | Stale | Loading | NoScript, 0, 0, 0, "connection", "Sets information specific to the client or connection.", "7.2.0", ClientCommands.SetInfo),
            C("info", 2, Stale | Loading | NoScript, 0, 0, 0, "connection", "Returns information about the connection.", "6.2.0", ClientCommands.Info),
            C("list", -2, Admin | Stale | Loading | NoScript, 0, 0, 0, "connection", "Lists open connections.", "2.4.0", ClientCommands.List),
            C("kill", -3, Admin | Stale | Loading | NoScript, 0, 0, 0, "connection", "Terminates open connections.", "2.4.0", ClientCommands.Kill),
            C("help", 2, Stale | Loading, 0, 0, 0, "connection", "Returns helpful text about the different subcommands.", "5.0.0", ClientCommands.Help)),
    ];

    private static IEnumerable<RedisCommand> Server() =>
    [
        C("info", -1, Loading | Stale, 0, 0, 0, "server", "Returns information and statistics about the server.", "1.0.0", InfoCommand.Info),
        C("dbsize", 1, ReadOnly | Fast, 0, 0, 0, "server", "Returns the number of keys in the database.", "1.0.0", KeyCommands.DbSize),
        C("flushdb", -1, Write, 0, 0, 0, "server", "Removes all keys from the current database.", "1.0.0", KeyCommands.FlushDb),
        C("flushall", -1, Write, 0, 0, 0, "server", "Removes all keys from all databases.", "1.0.0", KeyCommands.FlushAll),
        C("time", 1, Loading | Stale | Fast | NonDeterministic, 0, 0, 0, "server", "Returns the server time.", "2.6.0", ServerCommands.Time),
        C("lastsave", 1, Loading | Stale | Fast | NonDeterministic, 0, 0, 0, "server", "Returns the Unix timestamp of the last successful save to disk.", "1.0.0", ServerCommands.LastSave),
        C("debug", -2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "A container for debugging commands.", "1.0.0", null).WithSubcommands(
            C("object", 3, Admin | NoScript | Loading | Stale, 2, 2, 1, "server", "Returns low-level information about a key, including where its value lies.", "1.0.0", KeyCommands.DebugObject)),
        C("bgrewriteaof", 1, Admin | NoScript | NoMulti, 0, 0, 0, "server", "Asynchronously rewrites the append-only file to disk.", "1.0.0", ServerCommands.BgRewriteAof),
        C("role", 1, NoScript | Loading | Stale | Fast, 0, 0, 0, "server", "Returns the replication role.", "2.8.12", ServerCommands.Role),
        C("shutdown", -1, Admin | NoScript | Loading | Stale | AllowBusy, 0, 0, 0, "server", "Synchronously saves the database(s) to disk and shuts down the Redis server.", "1.0.0", ServerCommands.Shutdown),
        C("config", -2, None, 0, 0, 0, "server", "A container for server configuration commands.", "2.0.0", null).WithSubcommands(
            C("get", -3, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Returns the effective values of configuration parameters.", "2.0.0", ConfigCommands.Get),
            C("set", -4, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Sets configuration parameters in-flight.", "2.0.0", ConfigCommands.Set),
            C("resetstat", 2, Admin | NoScript | Loading | Stale, 0, 0, 0, "server", "Resets the server's statistics.", "2.0.0", ConfigCommands.ResetStat),
            C("help", 2, Loading | Stale, 0, 0, 0, "server", "Returns helpful text about the different subcommands.", "5.0.0", ConfigCommands.Help)),
        C("command", -1, Loading | Stale, 0, 0, 0, "server", "Returns detailed information about all commands.", "2.8.13", CommandCommands.All).WithSubcommands(
            C("count", 2, Loading | Stale, 0, 0, 0, "server", "Returns a count of commands.", "2.8.13", CommandCommands.Count),
            C("list", -2, Loading | Stale, 0, 0, 0, "server", "Returns a list of command names.", "7.0.0", CommandCommands.List),
            C("info", -2, Loading | Stale, 0, 0, 0, "server", "Returns information about one, multiple or all commands.", "2.8.13", CommandCommands.Info),
            C("docs", -2, Loading | Stale, 0, 0, 0, "server", "Returns documentary information about one, multiple or all commands.", "7.0.0", CommandCommands.Docs),
            C("help", 2, Loading | Stale, 0, 0, 0, "server", "Returns helpful text about the different subcommands.", "5.0.0", CommandCommands.Help)),
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
        C("setrange", 4, Write | DenyOom, 1, 1, 1, "string", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", "2.2.0", StringCommands.SetRange),
        C("incr", 2, Write | DenyOom | Fast, 1, 1, 1, "string", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "1.0.0", StringCommands.Incr),
        C("decr", 2, Write | DenyOom | Fast, 1, 1, 1, "string", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "1.0.0", StringCommands.Decr),
        C("incrby", 3, Write | DenyOom | Fast, 1, 1, 1, "string", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "1.0.0", StringCommands.IncrBy),
        C("decrby", 3, Write | DenyOom | Fast, 1, 1, 1, "string", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", "1.0.0", StringCommands.DecrBy),
        C("incrbyfloat", 3, Write | DenyOom | Fast, 1, 1, 1, "string", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "2.6.0", StringCommands.IncrByFloat),
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
        C("keys", 2, ReadOnly, 0, 0, 0, "generic", "Returns all key names that match a pattern.", "1.0.0", KeyCommands.Keys),
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
            C("idletime", 3, ReadOnly, 2, 2, 1, "generic", "Returns the time since the last access to a Redis object.", "2.2.3", KeyCommands.ObjectIdleTime),
            C("refcount", 3, ReadOnly, 2, 2, 1, "generic", "Returns the reference count of a value of a key.", "2.2.3", KeyCommands.ObjectRefCount)),
    ];
}
