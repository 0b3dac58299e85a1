using PasteRedis.Resp;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>EVAL, EVALSHA, their _RO forms and SCRIPT (Redis's eval.c); the Lua side is <see cref="Scripting.ScriptEngine"/>.</summary>
internal static class ScriptingCommands
{
    public static void Eval(ClientSession c) => Eval(c, bySha: false, readOnly: false);
    public static void EvalRo(ClientSession c) => Eval(c, bySha: false, readOnly: true);
    public static void EvalSha(ClientSession c) => Eval(c, bySha: true, readOnly: false);
    public static void EvalShaRo(ClientSession c) => Eval(c, bySha: true, readOnly: true);

    private static void Eval(ClientSession c, bool bySha, bool readOnly)
    {
        var req = c.Request;
        if (!RespNumber.TryParseInt64(req.Arg(2), out long numkeys))
        {
            c.Reply.Error(Errors.NotInteger);
            return;
        }
        if (numkeys > req.Count - 3)
        {
            c.Reply.Error("ERR Number of keys can't be greater than number of args");
            return;
        }
        if (numkeys < 0)
        {
            c.Reply.Error("ERR Number of keys can't be negative");
            return;
        }
        var engine = c.Server.Scripts;
        string sha;
        if (bySha)
        {
            sha = System.Text.Encoding.ASCII.GetString(req.Arg(1)).ToLowerInvariant();
            if (req.Arg(1).Length != 40 || !engine.Exists(sha))
            {
                c.Reply.Error("NOSCRIPT No matching script. Please use EVAL.");
                return;
            }
        }
        else if (engine.Load(req.Arg(1), out var error) is { } loaded) sha = loaded;
        else
        {
            c.Reply.Error(error!);
            return;
        }
        // MONITOR shows the script before the commands it runs (Redis feeds EVAL here, not after it).
        if (c.Server.Monitors.Count > 0) c.Server.Monitors.Feed(c, c.Command!);
        engine.Run(c, sha, 3, (int)numkeys, readOnly);
    }

    /// <summary>SCRIPT LOAD body: compiles and caches it, replies its SHA1.</summary>
    public static void Load(ClientSession c)
    {
        if (c.Server.Scripts.Load(c.Request.Arg(2), out var error) is { } sha) c.Reply.Bulk(sha);
        else c.Reply.Error(error!);
    }

    public static void Exists(ClientSession c)
    {
        var engine = c.Server.ScriptsIfStarted;
        c.Reply.ArrayHeader(c.Request.Count - 2);
        for (int i = 2; i < c.Request.Count; i++)
            c.Reply.Integer(engine != null && engine.Exists(c.ArgString(i)) ? 1 : 0);
    }

    /// <summary>SCRIPT FLUSH [ASYNC|SYNC]: the cache emptied (either way at once).</summary>
    public static void Flush(ClientSession c)
    {
        if (c.Request.Count > 3 || (c.Request.Count == 3 && !c.ArgIs(2, "ASYNC"u8) && !c.ArgIs(2, "SYNC"u8)))
        {
            c.Reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
            return;
        }
        c.Server.ScriptsIfStarted?.Flush();
        c.Reply.Ok();
    }

    /// <summary>SCRIPT KILL: nothing runs beside this command here (a script holds the server until it ends).</summary>
    public static void Kill(ClientSession c) => c.Reply.Error("NOTBUSY No scripts in execution right now.");

    public static void Help(ClientSession c) => CommandHelp.Reply(c, "SCRIPT",
        "EXISTS <sha1> [<sha1> ...]", "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]", "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL", "    Kill the currently executing Lua script.",
        "LOAD <script>", "    Load a script into the scripts cache without executing it.");
}
