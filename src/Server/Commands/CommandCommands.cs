using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>COMMAND, COMMAND COUNT | LIST | INFO | DOCS | HELP, all read from the one command table.</summary>
internal static class CommandCommands
{
    public static void All(ClientSession c)
    {
        var all = c.Server.Commands.All.ToList();
        c.Reply.ArrayHeader(all.Count);
        foreach (var cmd in all) WriteInfo(c, cmd);
    }

    public static void Count(ClientSession c) => c.Reply.Integer(c.Server.Commands.Count);

    /// <summary>
    /// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]: every command
    /// and subcommand by its full name ("config|get"), as Redis 7 lists them. A pattern is
    /// matched without case against the full name; a category is named without its '@' (an
    /// unknown one lists nothing); there are no modules, so a module lists nothing.
    /// </summary>
    public static void List(ClientSession c)
    {
        var req = c.Request;
        Func<RedisCommand, bool> keep = _ => true;
        if (req.Count != 2)
        {
            if (req.Count != 5 || !c.ArgIs(2, "FILTERBY"u8))
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
            var arg = c.ArgString(4);
            if (c.ArgIs(3, "MODULE"u8)) keep = _ => false;
            else if (c.ArgIs(3, "ACLCAT"u8)) keep = cmd => cmd.AclCategories().Any(a => a.AsSpan(1).Equals(arg, StringComparison.OrdinalIgnoreCase));
            else if (c.ArgIs(3, "PATTERN"u8))
            {
                var pattern = req.Arg(4).ToArray();
                keep = cmd => PasteRedis.Server.Keyspace.GlobMatcher.IsMatch(pattern, System.Text.Encoding.ASCII.GetBytes(cmd.FullName), noCase: true);
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        var names = new List<string>();
        foreach (var cmd in c.Server.Commands.All)
        {
            if (keep(cmd)) names.Add(cmd.FullName);
            if (cmd.Subcommands != null)
                foreach (var sub in cmd.Subcommands.Values)
                    if (keep(sub)) names.Add(sub.FullName);
        }
        c.Reply.ArrayHeader(names.Count);
        foreach (var n in names) c.Reply.Bulk(n);
    }

    /// <summary>COMMAND INFO [name …]: one entry per name, null for an unknown one.</summary>
    public static void Info(ClientSession c)
    {
        if (c.Request.Count == 2)
        {
            All(c);
            return;
        }
        c.Reply.ArrayHeader(c.Request.Count - 2);
        for (int i = 2; i < c.Request.Count; i++)
        {
            var cmd = Find(c, c.ArgString(i));
            if (cmd == null) c.Reply.Null(); // Redis 7.0: a null bulk in RESP2 (not a null array)
            else WriteInfo(c, cmd);
        }
    }

    /// <summary>COMMAND DOCS [name …]: a map of name → {summary, since, group, complexity?, subcommands?}.</summary>
    public static void Docs(ClientSession c)
    {
        var cmds = new List<RedisCommand>();
        if (c.Request.Count == 2) cmds.AddRange(c.Server.Commands.All);
        else
            for (int i = 2; i < c.Request.Count; i++)
                if (Find(c, c.ArgString(i)) is { } cmd) cmds.Add(cmd);
        c.Reply.MapHeader(cmds.Count);
        foreach (var cmd in cmds)
        {
            c.Reply.Bulk(cmd.FullName);
            WriteDocs(c, cmd);
        }
    }

    private static RedisCommand? Find(ClientSession c, string name)
    {
        var parts = name.Split('|');
        var cmd = c.Server.Commands.Find(parts[0]);
        if (cmd != null && parts.Length == 2) cmd = cmd.Subcommands?.GetValueOrDefault(parts[1]);
        return cmd;
    }

    private static void WriteDocs(ClientSession c, RedisCommand cmd)
    {
        int fields = 3 + (cmd.Subcommands != null ? 1 : 0);
        c.Reply.MapHeader(fields);
        c.Reply.Bulk("summary"); c.Reply.Bulk(cmd.Summary);
        c.Reply.Bulk("since"); c.Reply.Bulk(cmd.Since);
        c.Reply.Bulk("group"); c.Reply.Bulk(cmd.Group);
        if (cmd.Subcommands != null)
        {
            c.Reply.Bulk("subcommands");
            c.Reply.MapHeader(cmd.Subcommands.Count);
            foreach (var sub in cmd.Subcommands.Values)
            {
                c.Reply.Bulk(sub.FullName);
                WriteDocs(c, sub);
            }
        }
    }

    private static void WriteKeySpecs(ClientSession c, KeySpec[] specs)
    {
        c.Reply.SetHeader(specs.Length);
        foreach (var spec in specs)
        {
            c.Reply.MapHeader(spec.Notes != null ? 4 : 3);
            if (spec.Notes != null)
            {
                c.Reply.Bulk("notes");
                c.Reply.Bulk(spec.Notes);
            }
            c.Reply.Bulk("flags");
            WriteKeyFlags(c, spec.Flags);
            WriteSearch(c, "begin_search", spec.BeginType, spec.BeginSpec);
            WriteSearch(c, "find_keys", spec.FindType, spec.FindSpec);
        }
    }

    /// <summary>A key spec's begin_search or find_keys: its type, and its spec's named values.</summary>
    private static void WriteSearch(ClientSession c, string name, string type, (string Name, object Value)[] fields)
    {
        c.Reply.Bulk(name);
        c.Reply.MapHeader(2);
        c.Reply.Bulk("type");
        c.Reply.Bulk(type);
        c.Reply.Bulk("spec");
        c.Reply.MapHeader(fields.Length);
        foreach (var (field, value) in fields)
        {
            c.Reply.Bulk(field);
            if (value is int n) c.Reply.Integer(n);
            else c.Reply.Bulk((string)value);
        }
    }

    private static void WriteKeyFlags(ClientSession c, KeyFlags flags)
    {
        var names = KeySpec.Names(flags).ToList();
        c.Reply.SetHeader(names.Count);
        foreach (var n in names) c.Reply.SimpleString(n);
    }

    /// <summary>Redis 7's ten-field command info: name, arity, flags, keys, ACL categories, tips, key specs, subcommands.</summary>
    private static void WriteInfo(ClientSession c, RedisCommand cmd)
    {
        c.Reply.ArrayHeader(10);
        c.Reply.Bulk(cmd.FullName);
        c.Reply.Integer(cmd.Arity);
        var flags = cmd.FlagNames().ToList();
        c.Reply.SetHeader(flags.Count);
        foreach (var f in flags) c.Reply.SimpleString(f);
        c.Reply.Integer(cmd.FirstKey);
        c.Reply.Integer(cmd.LastKey);
        c.Reply.Integer(cmd.Step);
        // In Redis's category order (its addReplyCommandCategories walks its table).
        var acl = Acl.AclCategories.Names.Where((_, i) => (cmd.AclCategoryBits & (1UL << i)) != 0).ToList();
        c.Reply.SetHeader(acl.Count);
        foreach (var a in acl) c.Reply.SimpleString("@" + a);
        var tips = KeySpecTable.Tips.GetValueOrDefault(cmd.FullName) ?? [];
        c.Reply.SetHeader(tips.Length);
        foreach (var tip in tips) c.Reply.Bulk(tip);
        WriteKeySpecs(c, KeySpecTable.ByName.GetValueOrDefault(cmd.FullName) ?? []);
        // As Redis: an array of subcommands, or an empty set when there are none.
        if (cmd.Subcommands is not { } subs) c.Reply.SetHeader(0);
        else
        {
            c.Reply.ArrayHeader(subs.Count);
            foreach (var s in subs.Values) WriteInfo(c, s);
        }
    }

    /// <summary>
    /// COMMAND GETKEYS command [arg ...]: the keys of a full command, as Redis 7.0 finds them
    /// (<see cref="KeyPositions"/>): its errors for an unknown command, one without keys, a
    /// wrong argument count, and arguments whose keys cannot be found (an EVAL or FCALL with
    /// none answers an empty array, as it needs none).
    /// </summary>
    public static void GetKeys(ClientSession c) => GetKeys(c, withFlags: false);

    /// <summary>COMMAND GETKEYSANDFLAGS: each key with its flags (Redis 7's key-spec flags; SET, BITFIELD, SORT and MIGRATE decide theirs from the arguments, as Redis's getkeys procedures do).</summary>
    public static void GetKeysAndFlags(ClientSession c) => GetKeys(c, withFlags: true);

    private static void GetKeys(ClientSession c, bool withFlags)
    {
        var req = c.Request;
        int argc = req.Count - 2;
        var cmd = c.Server.Commands.Find(c.ArgString(2).ToLowerInvariant());
        if (cmd?.Subcommands != null && argc > 1) cmd = cmd.Subcommands.GetValueOrDefault(c.ArgString(3).ToLowerInvariant());
        if (cmd == null)
        {
            c.Reply.Error("ERR Invalid command specified");
            return;
        }
        // Shard channels sit in the key positions (for cluster slots) but are no keys (Redis: NOT_KEY).
        if ((cmd.FirstKey == 0 && (cmd.Flags & CommandFlags.MovableKeys) == 0) || cmd.FullName is "spublish" or "ssubscribe" or "sunsubscribe")
        {
            c.Reply.Error("ERR The command has no key arguments");
            return;
        }
        if ((cmd.Arity > 0 && cmd.Arity != argc) || argc < -cmd.Arity)
        {
            c.Reply.Error("ERR Invalid number of arguments specified for command");
            return;
        }
        var positions = KeyPositions(cmd, i => req.Arg(i + 2), argc);
        if (positions.Count == 0 && (cmd.Flags & CommandFlags.NoMandatoryKeys) == 0)
        {
            c.Reply.Error("ERR Invalid arguments specified for command");
            return;
        }
        c.Reply.ArrayHeader(positions.Count);
        if (!withFlags)
        {
            foreach (int i in positions) c.Reply.Bulk(req.Arg(i + 2));
            return;
        }
        foreach (var (pos, flags) in WithFlags(cmd, positions, i => req.Arg(i + 2), argc))
        {
            c.Reply.ArrayHeader(2);
            c.Reply.Bulk(req.Arg(pos + 2));
            WriteKeyFlags(c, flags);
        }
    }

    /// <summary>The keys of a request with their flags (ACL's %R~ and %W~ patterns check them).</summary>
    public static List<(int Pos, KeyFlags Flags)> KeysAndFlags(RedisCommand cmd, Resp.RespRequest request) =>
        WithFlags(cmd, KeyPositions(cmd, request), request.Arg, request.Count);

    /// <summary>
    /// Flags for key positions: those of the key spec that finds the position, except where
    /// Redis's getkeys procedure decides them from the arguments (SET with or without GET,
    /// BITFIELD with writes or only GETs, SORT's STORE, MIGRATE).
    /// </summary>
    private static List<(int Pos, KeyFlags Flags)> WithFlags(RedisCommand cmd, List<int> positions, ArgAt arg, int argc)
    {
        var specs = KeySpecTable.ByName.GetValueOrDefault(cmd.FullName) ?? [];
        var found = new List<(int Pos, KeyFlags Flags)>();
        foreach (var spec in specs)
            if ((spec.Flags & KeyFlags.NotKey) == 0) spec.TryFind(arg, argc, cmd.Arity, found);
        KeyFlags fallback = specs.FirstOrDefault(s => (s.Flags & KeyFlags.NotKey) == 0)?.Flags ?? KeyFlags.None;
        bool Is(int i, string word) => System.Text.Ascii.EqualsIgnoreCase(arg(i), word);
        KeyFlags FlagsAt(int pos)
        {
            switch (cmd.FullName)
            {
                case "set":
                    for (int i = 3; i < argc; i++)
                        if (Is(i, "GET")) return KeyFlags.RW | KeyFlags.Access | KeyFlags.Update;
                    return KeyFlags.OW | KeyFlags.Update;
                case "bitfield":
                    for (int i = 2; i < argc; i++)
                    {
                        int rest = argc - i - 1;
                        if (Is(i, "GET") && rest >= 2) i += 2;
                        else if (Is(i, "OVERFLOW") && rest >= 1) i += 1;
                        else return KeyFlags.RW | KeyFlags.Access | KeyFlags.Update; // a write, or a syntax error: not read-only
                    }
                    return KeyFlags.RO | KeyFlags.Access;
                case "sort" or "sort_ro":
                    return pos == 1 ? KeyFlags.RO | KeyFlags.Access : KeyFlags.OW | KeyFlags.Update;
                case "migrate":
                    return KeyFlags.RW | KeyFlags.Access | KeyFlags.Delete;
            }
            foreach (var (p, f) in found)
                if (p == pos) return f;
            return fallback;
        }
        return positions.Select(p => (p, FlagsAt(p))).ToList();
    }

    /// <summary>Argument <paramref name="i"/> of a command (0: its name), wherever it lies.</summary>
    internal delegate ReadOnlySpan<byte> ArgAt(int i);

    /// <summary>
    /// Where a command's keys are among its <paramref name="argc"/> arguments (0 is the name):
    /// first key, last key and step from the table; for commands whose keys move, Redis's
    /// rules (key specs and getkeys procedures): numkeys for EVAL, FCALL, the *STORE and
    /// multi-key commands, the keys after STREAMS for XREAD, the STORE of SORT (the last one)
    /// and of GEORADIUS (the first STORE and the first STOREDIST). Nothing when the numbers
    /// do not add up.
    /// </summary>
    /// <summary>The key positions of a request (argument 0 is the command's name): for ACL's key check.</summary>
    public static List<int> KeyPositions(RedisCommand cmd, Resp.RespRequest request) => KeyPositions(cmd, request.Arg, request.Count);

    private static List<int> KeyPositions(RedisCommand cmd, ArgAt arg, int argc)
    {
        var keys = new List<int>();
        bool Is(int i, string word) => System.Text.Ascii.EqualsIgnoreCase(arg(i), word);
        // numkeys at position n: keys n+1 … n+numkeys, after any fixed key before it.
        void NumKeys(int n)
        {
            if (!Resp.RespNumber.TryParseInt64(arg(n), out long num) || num < 1 || num > argc - n - 1)
            {
                keys.Clear();
                return;
            }
            for (int i = 0; i < num; i++) keys.Add(n + 1 + i);
        }
        if ((cmd.Flags & CommandFlags.MovableKeys) == 0)
        {
            // PFMERGE's sources are a second key spec that begins at 2: with the destination
            // alone it finds no beginning, and Redis drops every key (a quirk kept here).
            if (cmd.FullName == "pfmerge" && argc < 3) return keys;
            int last = cmd.LastKey < 0 ? argc + cmd.LastKey : cmd.LastKey;
            for (int i = cmd.FirstKey; i <= last && i < argc; i += Math.Max(1, cmd.Step)) keys.Add(i);
            return keys;
        }
        switch (cmd.FullName)
        {
            case "eval" or "evalsha" or "eval_ro" or "evalsha_ro" or "fcall" or "fcall_ro":
                NumKeys(2);
                break;
            case "zunionstore" or "zinterstore" or "zdiffstore":
                keys.Add(1); // the destination, then the sources (none of them when numkeys is wrong)
                NumKeys(2);
                break;
            case "zunion" or "zinter" or "zdiff" or "zintercard" or "sintercard" or "lmpop" or "zmpop":
                NumKeys(1);
                break;
            case "blmpop" or "bzmpop":
                NumKeys(2);
                break;
            case "xread" or "xreadgroup":
                for (int i = 1; i < argc; i++)
                {
                    if (!Is(i, "STREAMS")) continue;
                    int count = (argc - i - 1) / 2;
                    for (int k = 0; k < count; k++) keys.Add(i + 1 + k);
                    break;
                }
                break;
            case "sort":
            {
                keys.Add(1);
                int store = -1;
                for (int i = 2; i < argc; i++)
                {
                    if (Is(i, "LIMIT")) i += 2;
                    else if (Is(i, "GET") || Is(i, "BY")) i += 1;
                    else if (Is(i, "STORE") && i + 1 < argc) store = i + 1;
                }
                if (store > 0) keys.Add(store);
                break;
            }
            case "sort_ro":
                keys.Add(1);
                break;
            case "migrate":
            {
                // The key argument, or (when it is empty) every argument after KEYS, past the
                // options before it (AUTH takes one argument, AUTH2 two).
                int first = 3, count = 1;
                for (int i = 6; i < argc; i++)
                {
                    if (Is(i, "KEYS"))
                    {
                        if (arg(3).Length > 0) return keys;
                        first = i + 1;
                        count = argc - first;
                        break;
                    }
                    if (Is(i, "AUTH")) i += 1;
                    else if (Is(i, "AUTH2")) i += 2;
                }
                for (int i = first; i < first + count; i++) keys.Add(i);
                break;
            }
            case "georadius" or "georadiusbymember":
            {
                keys.Add(1);
                int from = cmd.FullName == "georadius" ? 6 : 5;
                foreach (var word in new[] { "STORE", "STOREDIST" })
                    for (int i = from; i < argc; i++)
                        if (Is(i, word))
                        {
                            if (i + 1 < argc) keys.Add(i + 1);
                            break;
                        }
                break;
            }
        }
        return keys;
    }

    public static void Help(ClientSession c) => CommandHelp.Reply(c, "COMMAND",
        "(no subcommand)", "    Return details about all Redis commands.",
        "COUNT", "    Return the total number of commands in this Redis server.",
        "LIST", "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>", "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>", "    Return the keys and the access flags from a full Redis command.");
}
