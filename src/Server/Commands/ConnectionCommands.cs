using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>Connection commands: PING, ECHO, QUIT, AUTH, HELLO, RESET.</summary>
internal static class ConnectionCommands
{
    public static void Ping(ClientSession c)
    {
        if (c.Request.Count > 2)
        {
            c.Reply.Error("ERR wrong number of arguments for 'ping' command");
            return;
        }
        if (c.InSubscribedContext)
        {
            // RESP2 with subscriptions: a two-element array, as Redis answers there.
            c.Reply.ArrayHeader(2);
            c.Reply.Bulk("pong"u8);
            c.Reply.Bulk(c.Request.Count == 2 ? c.Request.Arg(1) : default);
            return;
        }
        if (c.Request.Count == 1) c.Reply.Raw("+PONG\r\n"u8);
        else c.Reply.Bulk(c.Request.Arg(1));
    }

    public static void Echo(ClientSession c) => c.Reply.Bulk(c.Request.Arg(1));

    public static void Quit(ClientSession c)
    {
        c.Reply.Ok();
        c.CloseAfterReply();
    }

    /// <summary>AUTH [username] password: the default user when no name is given (requirepass).</summary>
    public static void Auth(ClientSession c)
    {
        if (c.Request.Count > 3)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        if (c.Request.Count == 2 && c.Server.Acl.Default.NoPass)
        {
            c.Reply.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
            return;
        }
        if (TryAuthenticate(c, c.Request.Count == 3 ? 1 : -1, c.Request.Count - 1)) c.Reply.Ok();
        else c.Reply.Error(Errors.WrongPass);
    }

    /// <summary>Checks credentials and makes the client that user, authenticated; counts and logs failures.</summary>
    private static bool TryAuthenticate(ClientSession c, int userIndex, int passIndex)
    {
        string name = userIndex < 0 ? "default" : Acl.AccessControl.Latin1(c.Request.Arg(userIndex));
        if (c.Server.Acl.Authenticate(c, name, c.Request.Arg(passIndex)) is not { } user)
        {
            c.Server.Stats.AuthFailures++;
            return false;
        }
        c.User = user;
        c.Authenticated = true;
        return true;
    }

    /// <summary>HELLO [protover [AUTH username password] [SETNAME clientname]]</summary>
    public static void Hello(ClientSession c)
    {
        var req = c.Request;
        int proto = c.Reply.Protocol;
        if (req.Count >= 2)
        {
            if (!Resp.RespNumber.TryParseInt64(req.Arg(1), out long ver))
            {
                c.Reply.Error("ERR Protocol version is not an integer or out of range");
                return;
            }
            if (ver is < 2 or > 3)
            {
                c.Reply.Error("NOPROTO unsupported protocol version");
                return;
            }
            proto = (int)ver;
        }
        string? newName = null;
        for (int i = 2; i < req.Count; i++)
        {
            if (c.ArgIs(i, "AUTH"u8) && req.Count - i - 1 >= 2)
            {
                if (!TryAuthenticate(c, i + 1, i + 2))
                {
                    c.Reply.Error(Errors.WrongPass);
                    return;
                }
                i += 2;
            }
            else if (c.ArgIs(i, "SETNAME"u8) && req.Count - i - 1 >= 1)
            {
                newName = c.ArgString(++i);
                if (!ClientCommands.ValidName(newName))
                {
                    c.Reply.Error(ClientCommands.BadNameError);
                    return;
                }
            }
            else
            {
                c.Reply.Error($"ERR Syntax error in HELLO option '{c.ArgString(i)}'");
                return;
            }
        }
        if (!c.Authenticated)
        {
            c.Reply.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
            return;
        }
        if (newName != null) c.Name = newName.Length == 0 ? null : newName;
        c.Reply.Protocol = proto;
        c.Reply.MapHeader(7);
        c.Reply.Bulk("server"); c.Reply.Bulk("redis");
        c.Reply.Bulk("version"); c.Reply.Bulk(RedisServer.Version);
        c.Reply.Bulk("proto"); c.Reply.Integer(proto);
        c.Reply.Bulk("id"); c.Reply.Integer(c.Id);
        c.Reply.Bulk("mode"); c.Reply.Bulk("standalone");
        c.Reply.Bulk("role"); c.Reply.Bulk("master");
        c.Reply.Bulk("modules"); c.Reply.ArrayHeader(0);
    }

    /// <summary>RESET: back to a fresh connection's state (RESP2, db 0, no name, re-authenticate).</summary>
    public static void Reset(ClientSession c)
    {
        c.DiscardMulti();
        c.UnwatchAll();
        c.UnsubscribeAll(notify: false);
        c.Server.Tracking.Disable(c);
        c.Server.Monitors.Remove(c);
        c.Reply.Protocol = 2;
        c.Select(0);
        c.Name = null;
        c.LogOut();
        c.Reply.SimpleString("RESET"u8);
    }
}
