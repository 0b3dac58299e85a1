using System.Buffers;
using System.Security.Cryptography;
using PasteRedis.Server.Acl;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>ACL: users, their rules, the security log (Redis 7's aclCommand).</summary>
internal static class AclCommands
{
    private static string Arg(ClientSession c, int i) => AccessControl.Latin1(c.Request.Arg(i));

    public static void SetUser(ClientSession c)
    {
        var rules = new List<string>();
        for (int i = 3; i < c.Request.Count; i++) rules.Add(Arg(c, i));
        if (c.Server.Acl.SetUser(Arg(c, 2), rules, c) is { } error) c.Reply.Error(error);
        else c.Reply.Ok();
    }

    public static void GetUser(ClientSession c)
    {
        if (c.Server.Acl.Find(Arg(c, 2)) is not { } user)
        {
            c.Reply.Null();
            return;
        }
        c.Reply.MapHeader(6);
        c.Reply.Bulk("flags");
        var flags = user.FlagNames().ToList();
        c.Reply.SetHeader(flags.Count);
        foreach (var f in flags) c.Reply.Bulk(f);
        c.Reply.Bulk("passwords");
        c.Reply.ArrayHeader(user.Passwords.Count);
        foreach (var p in user.Passwords) c.Reply.Bulk(p);
        WriteSelector(c, user.Root);
        c.Reply.Bulk("selectors");
        c.Reply.ArrayHeader(user.Selectors.Count);
        foreach (var selector in user.Selectors)
        {
            c.Reply.MapHeader(3);
            WriteSelector(c, selector);
        }
    }

    private static void WriteSelector(ClientSession c, AclSelector selector)
    {
        c.Reply.Bulk("commands");
        c.Reply.Bulk(selector.DescribeCommands());
        c.Reply.Bulk("keys");
        c.Reply.Bulk(selector.DescribeKeys());
        c.Reply.Bulk("channels");
        c.Reply.Bulk(selector.DescribeChannels());
    }

    public static void DelUser(ClientSession c)
    {
        var names = new List<string>();
        for (int i = 2; i < c.Request.Count; i++)
        {
            names.Add(Arg(c, i));
            if (names[^1] == "default")
            {
                c.Reply.Error("ERR The 'default' user cannot be removed");
                return;
            }
        }
        c.Reply.Integer(c.Server.Acl.DeleteUsers(c, names));
    }

    public static void Users(ClientSession c)
    {
        var users = c.Server.Acl.Users.ToList();
        c.Reply.ArrayHeader(users.Count);
        foreach (var u in users) c.Reply.Bulk(u.Name);
    }

    public static void List(ClientSession c)
    {
        var users = c.Server.Acl.Users.ToList();
        c.Reply.ArrayHeader(users.Count);
        foreach (var u in users) c.Reply.Bulk("user " + u.Describe());
    }

    public static void WhoAmI(ClientSession c) => c.Reply.Bulk(c.User.Name);

    public static void Cat(ClientSession c)
    {
        if (c.Request.Count == 2)
        {
            c.Reply.ArrayHeader(AclCategories.Names.Length);
            foreach (var name in AclCategories.Names) c.Reply.Bulk(name);
            return;
        }
        var category = Arg(c, 2);
        ulong bit = AclCategories.Bit(category);
        if (bit == 0)
        {
            c.Reply.Error($"ERR Unknown category '{category}'");
            return;
        }
        // Containers are no commands of their own, except DEBUG, whose subcommands Redis does not list apart.
        var names = c.Server.Commands.ByAclId
            .Where(cmd => (cmd.AclCategoryBits & bit) != 0 && (cmd.Handler != null ? cmd.Parent is not { IsProtected: true } : cmd.IsProtected))
            .Select(cmd => cmd.FullName).ToList();
        c.Reply.ArrayHeader(names.Count);
        foreach (var name in names) c.Reply.Bulk(name);
    }

    public static void GenPass(ClientSession c)
    {
        long bits = 256;
        if (c.Request.Count == 3 && !Resp.RespNumber.TryParseInt64(c.Request.Arg(2), out bits))
        {
            c.Reply.Error(Errors.NotInteger);
            return;
        }
        if (bits <= 0 || bits > 4096)
        {
            c.Reply.Error("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096");
            return;
        }
        int chars = (int)((bits + 3) / 4);
        var random = RandomNumberGenerator.GetBytes((chars + 1) / 2);
        c.Reply.Bulk(Convert.ToHexStringLower(random)[..chars]);
    }

    /// <summary>ACL DRYRUN user command [arg …]: OK, or why the user could not run it (as a bulk string, not an error).</summary>
    public static void DryRun(ClientSession c)
    {
        var name = Arg(c, 2);
        if (c.Server.Acl.Find(name) is not { } user)
        {
            c.Reply.Error($"ERR User '{name}' not found");
            return;
        }
        var commandName = Arg(c, 3);
        var cmd = c.Server.Commands.Find(commandName);
        if (cmd?.Subcommands != null && c.Request.Count > 4) cmd = cmd.Subcommands.GetValueOrDefault(Arg(c, 4));
        if (cmd == null)
        {
            c.Reply.Error($"ERR Command '{commandName}' not found");
            return;
        }
        // The command as its own frame, parsed as a client's would be.
        var frame = new Persistence.ComposedCommand();
        frame.Begin(c.Request.Count - 3);
        for (int i = 3; i < c.Request.Count; i++) frame.Append(c.Request.Arg(i));
        frame.End();
        var request = new Resp.RespRequest();
        var bytes = new ReadOnlySequence<byte>(frame.All.ToArray());
        Resp.RespReader.TryParse(ref bytes, request, Resp.RespLimits.Default, true, out _);
        if (!cmd.ArityOk(request.Count))
        {
            c.Reply.Error($"ERR wrong number of arguments for '{cmd.FullName}' command");
            return;
        }
        switch (c.Server.Acl.Check(user, cmd, request, out int denied))
        {
            case AclDenial.None: c.Reply.Ok(); break;
            case AclDenial.Command: c.Reply.Bulk($"This user has no permissions to run the '{cmd.FullName}' command"); break;
            case AclDenial.Key: c.Reply.Bulk($"This user has no permissions to access the '{AccessControl.Latin1(request.Arg(denied))}' key"); break;
            default: c.Reply.Bulk($"This user has no permissions to access the '{AccessControl.Latin1(request.Arg(denied))}' channel"); break;
        }
    }

    public static void Log(ClientSession c)
    {
        var acl = c.Server.Acl;
        long count = 10; // Redis's default
        if (c.Request.Count == 3)
        {
            if (c.ArgIs(2, "RESET"u8))
            {
                acl.ResetLog();
                c.Reply.Ok();
                return;
            }
            if (!Resp.RespNumber.TryParseInt64(c.Request.Arg(2), out count) || count < 0)
            {
                c.Reply.Error(Errors.NotInteger);
                return;
            }
        }
        var entries = acl.LogEntries.Take((int)Math.Min(count, int.MaxValue)).ToList();
        long now = RedisServer.NowMs();
        c.Reply.ArrayHeader(entries.Count);
        foreach (var e in entries)
        {
            c.Reply.MapHeader(7);
            c.Reply.Bulk("count"); c.Reply.Integer(e.Count);
            c.Reply.Bulk("reason"); c.Reply.Bulk(e.Reason);
            c.Reply.Bulk("context"); c.Reply.Bulk(e.Context);
            c.Reply.Bulk("object"); c.Reply.Bulk(e.Object);
            c.Reply.Bulk("username"); c.Reply.Bulk(e.UserName);
            c.Reply.Bulk("age-seconds"); c.Reply.Double((now - e.CreatedMs) / 1000.0);
            c.Reply.Bulk("client-info"); c.Reply.Bulk(e.ClientInfo);
        }
    }

    private const string NoAclFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.";

    /// <summary>ACL LOAD: the aclfile's users replace all (nothing changes when a line is bad).</summary>
    public static void Load(ClientSession c)
    {
        if (c.Server.Acl.AclFile == null) c.Reply.Error(NoAclFile);
        else if (c.Server.Acl.LoadFile(c) is { } error) c.Reply.Error("ERR " + error);
        else c.Reply.Ok();
    }

    /// <summary>ACL SAVE: every user written to the aclfile.</summary>
    public static void Save(ClientSession c)
    {
        if (c.Server.Acl.AclFile == null) c.Reply.Error(NoAclFile);
        else if (c.Server.Acl.SaveFile() is { } error) c.Reply.Error("ERR " + error);
        else c.Reply.Ok();
    }

    public static void Help(ClientSession c) => CommandHelp.Reply(c, "ACL",
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.");
}
