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

    public static void List(ClientSession c)
    {
        var names = c.Server.Commands.All.Select(x => x.Name).ToList();
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
