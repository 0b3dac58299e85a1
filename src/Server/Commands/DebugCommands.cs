using System.Globalization;
using Microsoft.Extensions.Logging;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>
/// The DEBUG subcommands this server has (OBJECT is with the key commands). Like Redis 7,
/// DEBUG runs only where enable-debug-command allows it (see <see cref="Allowed"/>).
/// </summary>
internal static class DebugCommands
{
    public const string NotAllowed = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
        + "you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";

    /// <summary>Redis's allowProtectedAction: "yes", or "local" and the client is on loopback.</summary>
    public static bool Allowed(ClientSession c) => c.Server.Config.Get("enable-debug-command") switch
    {
        "yes" => true,
        "local" => c.RemoteEndPoint is not System.Net.IPEndPoint ip || System.Net.IPAddress.IsLoopback(ip.Address),
        _ => false,
    };

    /// <summary>DEBUG SLEEP seconds: the whole server stops (the execution lock is held), decimals allowed; like strtod, what is not a number reads as 0.</summary>
    public static void Sleep(ClientSession c)
    {
        double seconds = LeadingDouble(c.ArgString(2));
        long us = (long)(seconds * 1_000_000);
        if (us > 0) Thread.Sleep(TimeSpan.FromTicks(us * 10));
        c.Reply.Ok();
    }

    /// <summary>strtod's reading: the longest leading decimal number, 0 when there is none.</summary>
    private static double LeadingDouble(string s)
    {
        s = s.TrimStart();
        for (int len = s.Length; len > 0; len--)
            if (double.TryParse(s.AsSpan(0, len), NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return v;
        return 0;
    }

    /// <summary>DEBUG SET-ACTIVE-EXPIRE 0|1: whether the cron expires keys nobody reads (atoi's reading: anything but a non-zero number is 0).</summary>
    public static void SetActiveExpire(ClientSession c)
    {
        var arg = c.ArgString(2).TrimStart();
        int digits = 0;
        if (digits < arg.Length && arg[digits] is '-' or '+') digits++;
        while (digits < arg.Length && char.IsAsciiDigit(arg[digits])) digits++;
        c.Server.ActiveExpireEnabled = long.TryParse(arg.AsSpan(0, digits), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) && v != 0;
        c.Reply.Ok();
    }

    /// <summary>DEBUG DIGEST: Redis's digest of the whole dataset, 40 hex digits (all zeros when it is empty).</summary>
    public static void Digest(ClientSession c) =>
        c.Reply.SimpleString(Convert.ToHexStringLower(Keyspace.DatasetDigest.Dataset(c.Server.Databases, c.Server.Pool)));

    /// <summary>DEBUG DIGEST-VALUE [key ...]: each key's value digest (zeros for a missing key), the key's name left out.</summary>
    public static void DigestValue(ClientSession c)
    {
        c.Reply.ArrayHeader(c.Request.Count - 2);
        Span<byte> digest = stackalloc byte[Keyspace.DatasetDigest.Size];
        for (int i = 2; i < c.Request.Count; i++)
        {
            digest.Clear();
            if (c.Db.Lookup(c.Request.Arg(i), c.NowMs, touch: false) is { } obj) Keyspace.DatasetDigest.AddValue(digest, obj, c.Server.Pool);
            c.Reply.SimpleString(Convert.ToHexStringLower(digest));
        }
    }

    /// <summary>DEBUG LOG message: written to the server log at warning level, as Redis does.</summary>
    public static void Log(ClientSession c)
    {
        c.Server.Logger.LogWarning("DEBUG LOG: {Message}", c.ArgString(2));
        c.Reply.Ok();
    }

    /// <summary>DEBUG PROTOCOL type: Redis's test value of each reply type, in the connection's protocol.</summary>
    public static void Protocol(ClientSession c)
    {
        var r = c.Reply;
        switch (c.ArgString(2).ToLowerInvariant())
        {
            case "string": r.Bulk("Hello World"); break;
            case "integer": r.Integer(12345); break;
            case "double": r.Double(3.141); break;
            case "bignum": r.BigNumber("1234567999999999999999999999999999999"); break;
            case "null": r.Null(); break;
            case "array":
                r.ArrayHeader(3);
                for (int i = 0; i < 3; i++) r.Integer(i);
                break;
            case "set":
                r.SetHeader(3);
                for (int i = 0; i < 3; i++) r.Integer(i);
                break;
            case "map":
                r.MapHeader(3);
                for (int i = 0; i < 3; i++)
                {
                    r.Integer(i);
                    r.Boolean(i == 1);
                }
                break;
            case "attrib":
                if (r.IsResp3)
                {
                    r.AttributeHeader(1);
                    r.Bulk("key-popularity");
                    r.ArrayHeader(2);
                    r.Bulk("key:123");
                    r.Integer(90);
                }
                r.Bulk("Some real reply following the attribute");
                break;
            case "push":
                if (!r.IsResp3)
                {
                    r.Error("ERR RESP2 is not supported by this command");
                    break;
                }
                r.PushHeader(2);
                r.Bulk("server-cpu-usage");
                r.Integer(42);
                r.Bulk("Some real reply following the push reply");
                break;
            case "verbatim": r.Verbatim("This is a verbatim\nstring"); break;
            case "true": r.Boolean(true); break;
            case "false": r.Boolean(false); break;
            default:
                r.Error("ERR Wrong protocol type name. Please use one of the following: "
                    + "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
                break;
        }
    }

    public static void Help(ClientSession c) => CommandHelp.Reply(c, "DEBUG",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "OBJECT <key>",
        "    Show low level info about `key` and associated value.",
        "PROTOCOL <type>",
        "    Reply with a test value of the specified type. <type> can be: string,",
        "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
        "    true, false.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
        "    default.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.");
}
