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
            if (cmd == null) c.Reply.NullArray();
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
        var acl = cmd.AclCategories().ToList();
        c.Reply.SetHeader(acl.Count);
        foreach (var a in acl) c.Reply.SimpleString(a);
        c.Reply.SetHeader(0);  // tips
        c.Reply.ArrayHeader(0); // key specifications: first/last/step above describe the keys
        var subs = cmd.Subcommands?.Values.ToList() ?? [];
        c.Reply.ArrayHeader(subs.Count);
        foreach (var s in subs) WriteInfo(c, s);
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
        "    commands are returned.");
}
