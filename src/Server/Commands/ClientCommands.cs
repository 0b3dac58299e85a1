using System.Net;
using System.Text;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>CLIENT subcommands (Redis's networking.c clientCommand).</summary>
internal static class ClientCommands
{
    public const string BadNameError = "ERR Client names cannot contain spaces, newlines or special characters.";

    public static bool ValidName(string name)
    {
        foreach (var ch in name) if (ch < '!' || ch > '~') return false;
        return true;
    }

    public static void Id(ClientSession c) => c.Reply.Integer(c.Id);

    public static void SetName(ClientSession c)
    {
        var name = c.ArgString(2);
        if (!ValidName(name))
        {
            c.Reply.Error(BadNameError);
            return;
        }
        c.Name = name.Length == 0 ? null : name;
        c.Reply.Ok();
    }

    public static void GetName(ClientSession c)
    {
        if (c.Name == null) c.Reply.Null();
        else c.Reply.Bulk(c.Name);
    }

    /// <summary>CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2, sent by current client libraries).</summary>
    public static void SetInfo(ClientSession c)
    {
        var value = c.ArgString(3);
        foreach (var ch in value)
            if (ch < '!' || ch > '~')
            {
                c.Reply.Error($"ERR {c.ArgString(2)} cannot contain spaces, newlines or special characters.");
                return;
            }
        if (c.ArgIs(2, "LIB-NAME"u8)) c.LibName = value;
        else if (c.ArgIs(2, "LIB-VER"u8)) c.LibVersion = value;
        else
        {
            c.Reply.Error($"ERR Unrecognized option '{c.ArgString(2)}'");
            return;
        }
        c.Reply.Ok();
    }

    public static void Info(ClientSession c) => c.Reply.Verbatim(Describe(c) + "\n");

    /// <summary>CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id …]</summary>
    public static void List(ClientSession c)
    {
        var req = c.Request;
        HashSet<long>? ids = null;
        string? onlyType = null;
        for (int i = 2; i < req.Count; i++)
        {
            if (c.ArgIs(i, "TYPE"u8) && i + 1 < req.Count)
            {
                var type = c.ArgString(++i).ToLowerInvariant();
                if (type is not ("normal" or "master" or "replica" or "slave" or "pubsub"))
                {
                    c.Reply.Error($"ERR Unknown client type '{type}'");
                    return;
                }
                onlyType = type == "replica" ? "slave" : type;
            }
            else if (c.ArgIs(i, "ID"u8) && i + 1 < req.Count)
            {
                ids = [];
                while (++i < req.Count)
                {
                    if (!Resp.RespNumber.TryParseInt64(req.Arg(i), out long id) || id <= 0)
                    {
                        c.Reply.Error("ERR Invalid client ID");
                        return;
                    }
                    ids.Add(id);
                }
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        var sb = new StringBuilder();
        foreach (var client in c.Server.Clients.OrderBy(x => x.Id))
            if ((ids == null || ids.Contains(client.Id)) && (onlyType == null || TypeOf(client) == onlyType)) sb.Append(Describe(client)).Append('\n');
        c.Reply.Verbatim(sb.ToString());
    }

    /// <summary>
    /// CLIENT KILL addr:port (old form: OK or error) or CLIENT KILL filter value … (new
    /// form: the number killed). Filters: ID, ADDR, LADDR, TYPE, USER, SKIPME, MAXAGE.
    /// </summary>
    public static void Kill(ClientSession c)
    {
        var req = c.Request;
        if (req.Count == 3)
        {
            var addr = c.ArgString(2);
            var victim = c.Server.Clients.FirstOrDefault(x => Addr(x.RemoteEndPoint) == addr);
            if (victim == null)
            {
                c.Reply.Error("ERR No such client");
                return;
            }
            KillOne(c, victim);
            c.Reply.Ok();
            return;
        }
        long? id = null;
        string? address = null, laddr = null, user = null;
        long maxAge = 0;
        bool skipMe = true;
        string? type = null;
        if (req.Count % 2 != 0)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        for (int i = 2; i < req.Count; i += 2)
        {
            var value = c.ArgString(i + 1);
            if (c.ArgIs(i, "ID"u8))
            {
                if (!long.TryParse(value, out long v) || v <= 0)
                {
                    c.Reply.Error("ERR client-id should be greater than 0");
                    return;
                }
                id = v;
            }
            else if (c.ArgIs(i, "ADDR"u8)) address = value;
            else if (c.ArgIs(i, "LADDR"u8)) laddr = value;
            else if (c.ArgIs(i, "USER"u8)) user = value;
            else if (c.ArgIs(i, "MAXAGE"u8) && long.TryParse(value, out long age)) maxAge = age;
            else if (c.ArgIs(i, "TYPE"u8))
            {
                var t = value.ToLowerInvariant();
                if (t is not ("normal" or "master" or "replica" or "slave" or "pubsub"))
                {
                    c.Reply.Error($"ERR Unknown client type '{value}'");
                    return;
                }
                type = t == "replica" ? "slave" : t;
            }
            else if (c.ArgIs(i, "SKIPME"u8))
            {
                if (value.Equals("yes", StringComparison.OrdinalIgnoreCase)) skipMe = true;
                else if (value.Equals("no", StringComparison.OrdinalIgnoreCase)) skipMe = false;
                else
                {
                    c.Reply.Error(Errors.Syntax);
                    return;
                }
            }
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        if (user != null && c.Server.Acl.Find(user) == null)
        {
            c.Reply.Error($"ERR No such user '{user}'");
            return;
        }
        long killed = 0, now = RedisServer.NowMs();
        foreach (var victim in c.Server.Clients.ToList())
        {
            if (type != null && TypeOf(victim) != type) continue;
            if (id != null && victim.Id != id) continue;
            if (address != null && Addr(victim.RemoteEndPoint) != address) continue;
            if (laddr != null && Addr(victim.LocalEndPoint) != laddr) continue;
            if (user != null && victim.User.Name != user) continue;
            if (maxAge > 0 && (now - victim.CreatedMs) / 1000 < maxAge) continue;
            if (skipMe && victim == c) continue;
            KillOne(c, victim);
            killed++;
        }
        c.Reply.Integer(killed);
    }

    /// <summary>Redis's client types: a replica ("slave"), a subscriber ("pubsub"), or "normal" (a master link is no client here).</summary>
    private static string TypeOf(ClientSession c) => c.IsReplica ? "slave" : c.SubscriptionCount > 0 ? "pubsub" : "normal";

    private static void KillOne(ClientSession self, ClientSession victim)
    {
        if (victim == self) self.CloseAfterReply();
        else victim.Kill();
    }

    /// <summary>CLIENT REPLY ON|OFF|SKIP.</summary>
    public static void ReplyMode(ClientSession c)
    {
        if (c.ArgIs(2, "ON"u8))
        {
            c.RepliesOn();
            c.Reply.Ok();
        }
        else if (c.ArgIs(2, "OFF"u8)) c.RepliesOff();
        else if (c.ArgIs(2, "SKIP"u8)) c.SkipNextReply();
        else c.Reply.Error(Errors.Syntax);
    }

    /// <summary>Redis 7.0's CLIENT HELP, with SETINFO (7.2) after SETNAME.</summary>
    public static void Help(ClientSession c) => CommandHelp.Reply(c, "CLIENT",
        "CACHING (YES|NO)", "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR", "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME", "    Return the name of the current connection.",
        "ID", "    Return the ID of the current connection.",
        "INFO", "    Return information about the current client connection.",
        "KILL <ip:port>", "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]", "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Kill connections by type.",
        "    * USER <username>", "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)", "      Skip killing current connection (default: yes).",
        "LIST [options ...]", "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Return clients of specified type.",
        "UNPAUSE", "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]", "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
        "SETNAME <name>", "    Assign the name <name> to the current connection.",
        "SETINFO <LIB-NAME|LIB-VER> <value>", "    Set client library name or version.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]", "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO", "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.");

    /// <summary>CLIENT PAUSE timeout [WRITE|ALL] (Redis 7.0's checks, in its order).</summary>
    public static void Pause(ClientSession c)
    {
        if (c.Request.Count > 4)
        {
            c.Reply.Error($"ERR unknown subcommand or wrong number of arguments for '{c.ArgString(1)}'. Try CLIENT HELP.");
            return;
        }
        var kind = PauseKind.All;
        if (c.Request.Count == 4)
        {
            if (c.ArgIs(3, "WRITE"u8)) kind = PauseKind.Write;
            else if (!c.ArgIs(3, "ALL"u8))
            {
                c.Reply.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
                return;
            }
        }
        if (!PasteRedis.Resp.RespNumber.TryParseInt64(c.Request.Arg(2), out long timeout))
        {
            c.Reply.Error("ERR timeout is not an integer or out of range");
            return;
        }
        if (timeout < 0)
        {
            c.Reply.Error("ERR timeout is negative");
            return;
        }
        c.Server.Pause.Pause(timeout > 0 ? RedisServer.NowMs() + timeout : 0, kind);
        c.Reply.Ok();
    }

    public static void Unpause(ClientSession c)
    {
        c.Server.Pause.Unpause();
        c.Reply.Ok();
    }

    internal static string Addr(EndPoint? ep) => ep switch
    {
        IPEndPoint ip => $"{(ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address)}:{ip.Port}",
        System.Net.Sockets.UnixDomainSocketEndPoint unix => $"{unix}:0",
        null => "",
        _ => ep.ToString() ?? "",
    };

    private static string Flags(ClientSession c)
    {
        var t = c.Tracking;
        var f = (c.IsReplica ? "S" : "") + (c.IsBlocked ? "b" : "") + (c.SubscriptionCount > 0 ? "P" : "") + (c.InMulti ? "x" : "") +
                ((t & TrackingMode.On) != 0 ? "t" : "") + ((t & TrackingMode.BrokenRedirect) != 0 ? "R" : "") + ((t & TrackingMode.Bcast) != 0 ? "B" : "") +
                (c.RemoteEndPoint is System.Net.Sockets.UnixDomainSocketEndPoint ? "U" : "") + (c.NoEvict ? "e" : "");
        return f.Length == 0 ? "N" : f;
    }

    /// <summary>
    /// CLIENT TRACKING ON|OFF [REDIRECT client-id] [PREFIX prefix ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
    /// (Redis's checks and messages, in Redis's order).
    /// </summary>
    public static void Tracking(ClientSession c)
    {
        var req = c.Request;
        long redirect = 0;
        var mode = TrackingMode.None;
        var prefixes = new List<byte[]>();
        for (int j = 3; j < req.Count; j++)
        {
            bool more = j + 1 < req.Count;
            if (c.ArgIs(j, "REDIRECT"u8) && more)
            {
                j++;
                if (redirect != 0)
                {
                    c.Reply.Error("ERR A client can only redirect to a single other client");
                    return;
                }
                if (!c.TryLong(j, out redirect)) return;
                if (c.Server.FindClient(redirect) == null)
                {
                    c.Reply.Error("ERR The client ID you want redirect to does not exist");
                    return;
                }
            }
            else if (c.ArgIs(j, "BCAST"u8)) mode |= TrackingMode.Bcast;
            else if (c.ArgIs(j, "OPTIN"u8)) mode |= TrackingMode.OptIn;
            else if (c.ArgIs(j, "OPTOUT"u8)) mode |= TrackingMode.OptOut;
            else if (c.ArgIs(j, "NOLOOP"u8)) mode |= TrackingMode.NoLoop;
            else if (c.ArgIs(j, "PREFIX"u8) && more) prefixes.Add(req.Arg(++j).ToArray());
            else
            {
                c.Reply.Error(Errors.Syntax);
                return;
            }
        }
        if (c.ArgIs(2, "OFF"u8))
        {
            c.Server.Tracking.Disable(c);
            c.Reply.Ok();
            return;
        }
        if (!c.ArgIs(2, "ON"u8))
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        var current = c.Tracking;
        string? error = null;
        if ((mode & TrackingMode.Bcast) == 0 && prefixes.Count > 0) error = "ERR PREFIX option requires BCAST mode to be enabled";
        else if ((current & TrackingMode.On) != 0 && (current & TrackingMode.Bcast) != (mode & TrackingMode.Bcast))
            error = "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.";
        else if ((mode & TrackingMode.Bcast) != 0 && (mode & (TrackingMode.OptIn | TrackingMode.OptOut)) != 0)
            error = "ERR OPTIN and OPTOUT are not compatible with BCAST";
        else if ((mode & TrackingMode.OptIn) != 0 && (mode & TrackingMode.OptOut) != 0) error = "ERR You can't specify both OPTIN mode and OPTOUT mode";
        else if (((mode & TrackingMode.OptIn) != 0 && (current & TrackingMode.OptOut) != 0) || ((mode & TrackingMode.OptOut) != 0 && (current & TrackingMode.OptIn) != 0))
            error = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.";
        else if ((mode & TrackingMode.Bcast) != 0) error = Connections.Tracking.Overlap(c, prefixes);
        if (error != null)
        {
            c.Reply.Error(error);
            return;
        }
        c.Server.Tracking.Enable(c, mode, redirect, prefixes);
        c.Reply.Ok();
    }

    /// <summary>CLIENT UNBLOCK client-id [TIMEOUT | ERROR]: ends another connection's blocking command.</summary>
    public static void Unblock(ClientSession c)
    {
        var req = c.Request;
        if (req.Count > 4)
        {
            c.Reply.Error($"ERR unknown subcommand or wrong number of arguments for '{c.ArgString(1)}'. Try CLIENT HELP.");
            return;
        }
        bool error = false;
        if (req.Count == 4)
        {
            if (c.ArgIs(3, "ERROR"u8)) error = true;
            else if (!c.ArgIs(3, "TIMEOUT"u8))
            {
                c.Reply.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
                return;
            }
        }
        if (!c.TryLong(2, out long id)) return;
        var target = c.Server.FindClient(id);
        c.Reply.Integer(target != null && target != c && target.UnblockByRequest(error) ? 1 : 0);
    }

    /// <summary>CLIENT CACHING YES|NO: whether the next command's keys are remembered (OPTIN / OPTOUT).</summary>
    public static void Caching(ClientSession c)
    {
        var t = c.Tracking;
        if ((t & TrackingMode.On) == 0)
        {
            c.Reply.Error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
            return;
        }
        if (c.ArgIs(2, "YES"u8))
        {
            if ((t & TrackingMode.OptIn) == 0)
            {
                c.Reply.Error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
                return;
            }
        }
        else if (c.ArgIs(2, "NO"u8))
        {
            if ((t & TrackingMode.OptOut) == 0)
            {
                c.Reply.Error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
                return;
            }
        }
        else
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        c.Tracking |= TrackingMode.Caching;
        c.Reply.Ok();
    }

    public static void GetRedir(ClientSession c) =>
        c.Reply.Integer((c.Tracking & TrackingMode.On) != 0 ? c.TrackingRedirect : -1);

    public static void TrackingInfo(ClientSession c)
    {
        var t = c.Tracking;
        var flags = new List<string> { (t & TrackingMode.On) != 0 ? "on" : "off" };
        if ((t & TrackingMode.Bcast) != 0) flags.Add("bcast");
        if ((t & TrackingMode.OptIn) != 0)
        {
            flags.Add("optin");
            if ((t & TrackingMode.Caching) != 0) flags.Add("caching-yes");
        }
        if ((t & TrackingMode.OptOut) != 0)
        {
            flags.Add("optout");
            if ((t & TrackingMode.Caching) != 0) flags.Add("caching-no");
        }
        if ((t & TrackingMode.NoLoop) != 0) flags.Add("noloop");
        if ((t & TrackingMode.BrokenRedirect) != 0) flags.Add("broken_redirect");
        c.Reply.MapHeader(3);
        c.Reply.Bulk("flags");
        c.Reply.SetHeader(flags.Count);
        foreach (var f in flags) c.Reply.Bulk(f);
        c.Reply.Bulk("redirect");
        c.Reply.Integer((t & TrackingMode.On) != 0 ? c.TrackingRedirect : -1);
        c.Reply.Bulk("prefixes");
        c.Reply.ArrayHeader(c.TrackingPrefixes.Count);
        foreach (var p in c.TrackingPrefixes) c.Reply.Bulk(p);
    }

    /// <summary>CLIENT NO-EVICT ON|OFF: whether maxmemory-clients may evict this connection.</summary>
    public static void NoEvict(ClientSession c)
    {
        if (c.ArgIs(2, "ON"u8)) c.NoEvict = true;
        else if (c.ArgIs(2, "OFF"u8)) c.NoEvict = false;
        else
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        c.Reply.Ok();
    }

    /// <summary>One CLIENT LIST line: the fields this server really tracks, in Redis's order and names.</summary>
    public static string Describe(ClientSession c, string? command = null)
    {
        long now = RedisServer.NowMs();
        return $"id={c.Id} addr={Addr(c.RemoteEndPoint)} laddr={Addr(c.LocalEndPoint)} name={c.Name} " +
               $"age={(now - c.CreatedMs) / 1000} idle={(now - c.LastInteractionMs) / 1000} flags={Flags(c)} db={c.Db.Id} " +
               $"sub={c.ChannelCount} psub={c.PatternCount} ssub={c.ShardChannelCount} multi={(c.InMulti ? c.QueuedCount : -1)} watch={c.WatchedCount} " +
               $"qbuf={c.InputBufferBytes} omem={c.OutputBufferBytes} tot-mem={c.MemoryUsage} cmd={command ?? c.LastCommand} user={c.User.Name} redir=-1 resp={c.Reply.Protocol} " +
               $"lib-name={c.LibName} lib-ver={c.LibVersion}";
    }
}
