using PasteRedis.Resp;
using PasteRedis.Server.Connections;

namespace PasteRedis.Server.Commands;

/// <summary>EVAL, EVALSHA, their _RO forms and SCRIPT (Redis's eval.c), FCALL and FUNCTION (functions.c); the Lua side is <see cref="Scripting.ScriptEngine"/>.</summary>
internal static class ScriptingCommands
{
    public static void Eval(ClientSession c) => Eval(c, bySha: false, readOnly: false);
    public static void EvalRo(ClientSession c) => Eval(c, bySha: false, readOnly: true);
    public static void EvalSha(ClientSession c) => Eval(c, bySha: true, readOnly: false);
    public static void EvalShaRo(ClientSession c) => Eval(c, bySha: true, readOnly: true);

    /// <summary>The numkeys argument (after the script or function): false when refused, with Redis's error replied.</summary>
    private static bool NumKeys(ClientSession c, string notANumber, out int numkeys)
    {
        numkeys = 0;
        if (!RespNumber.TryParseInt64(c.Request.Arg(2), out long n)) c.Reply.Error(notANumber);
        else if (n > c.Request.Count - 3) c.Reply.Error("ERR Number of keys can't be greater than number of args");
        else if (n < 0) c.Reply.Error("ERR Number of keys can't be negative");
        else
        {
            numkeys = (int)n;
            return true;
        }
        return false;
    }

    private static void Eval(ClientSession c, bool bySha, bool readOnly)
    {
        var req = c.Request;
        if (!NumKeys(c, Errors.NotInteger, out int numkeys)) return;
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
        engine.Run(c, sha, 3, numkeys, readOnly);
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

    // ---- Functions ----

    public static void FCall(ClientSession c) => FCall(c, readOnly: false);
    public static void FCallRo(ClientSession c) => FCall(c, readOnly: true);

    private static void FCall(ClientSession c, bool readOnly)
    {
        var req = c.Request;
        var engine = c.Server.Scripts;
        if (!engine.TryGetFunction(req.Arg(1), out var function))
        {
            c.Reply.Error("ERR Function not found");
            return;
        }
        if (!NumKeys(c, "ERR Bad number of keys provided", out int numkeys)) return;
        if (readOnly && !function.NoWrites)
        {
            c.Reply.Error("ERR Can not execute a script with write flag using *_ro command.");
            return;
        }
        if (c.Server.Monitors.Count > 0) c.Server.Monitors.Feed(c, c.Command!);
        engine.CallFunction(c, function, 3, numkeys, readOnly);
    }

    /// <summary>FUNCTION LOAD [REPLACE] code: logged as received (a library is data), replayed at start-up.</summary>
    public static void FunctionLoad(ClientSession c)
    {
        bool replace = false;
        for (int i = 2; i < c.Request.Count - 1; i++)
        {
            if (c.ArgIs(i, "REPLACE"u8)) replace = true;
            else
            {
                c.Reply.Error($"ERR Unknown option given: {c.ArgString(i)}");
                return;
            }
        }
        if (c.Server.Scripts.LoadLibrary(c.Request.Arg(c.Request.Count - 1), replace, out var error) is { } name)
        {
            c.Server.Events.Dirty++;
            c.Reply.Bulk(name);
        }
        else c.Reply.Error(error!);
    }

    public static void FunctionDelete(ClientSession c)
    {
        if (c.Server.Scripts.DeleteLibrary(c.ArgString(2)))
        {
            c.Server.Events.Dirty++;
            c.Reply.Ok();
        }
        else c.Reply.Error("ERR Library not found");
    }

    public static void FunctionFlush(ClientSession c)
    {
        if (c.Request.Count > 3 || (c.Request.Count == 3 && !c.ArgIs(2, "ASYNC"u8) && !c.ArgIs(2, "SYNC"u8)))
        {
            c.Reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
            return;
        }
        c.Server.Scripts.FlushLibraries();
        c.Server.Events.Dirty++;
        c.Reply.Ok();
    }

    /// <summary>FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE].</summary>
    public static void FunctionList(ClientSession c)
    {
        bool withCode = false;
        byte[]? pattern = null;
        for (int i = 2; i < c.Request.Count; i++)
        {
            if (c.ArgIs(i, "WITHCODE"u8)) withCode = true;
            else if (c.ArgIs(i, "LIBRARYNAME"u8))
            {
                if (i + 1 >= c.Request.Count)
                {
                    c.Reply.Error("ERR library name argument was not given");
                    return;
                }
                pattern = c.Request.Arg(++i).ToArray();
            }
            else
            {
                c.Reply.Error($"ERR Unknown argument {c.ArgString(i)}");
                return;
            }
        }
        c.Server.Scripts.List(c.Reply, pattern, withCode);
    }

    /// <summary>FUNCTION STATS: nothing runs beside this command here, so no running script.</summary>
    public static void FunctionStats(ClientSession c)
    {
        var engine = c.Server.ScriptsIfStarted;
        c.Reply.MapHeader(2);
        c.Reply.Bulk("running_script");
        c.Reply.Null();
        c.Reply.Bulk("engines");
        c.Reply.MapHeader(1);
        c.Reply.Bulk("LUA");
        c.Reply.MapHeader(2);
        c.Reply.Bulk("libraries_count");
        c.Reply.Integer(engine?.Libraries.Count ?? 0);
        c.Reply.Bulk("functions_count");
        c.Reply.Integer(engine?.FunctionCount ?? 0);
    }

    public static void FunctionDump(ClientSession c) =>
        c.Reply.Bulk(Persistence.RdbValue.DumpFunctions((c.Server.ScriptsIfStarted?.Libraries ?? []).Select(l => l.Code), c.Server.Config.RdbCompression));

    /// <summary>FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: all the payload's libraries or none.</summary>
    public static void FunctionRestore(ClientSession c)
    {
        var payload = c.Request.Arg(2);
        if (!Persistence.RdbValue.Verify(payload))
        {
            c.Reply.Error("ERR DUMP payload version or checksum are wrong");
            return;
        }
        string policy = "APPEND";
        if (c.Request.Count == 4)
        {
            policy = c.ArgString(3).ToUpperInvariant();
            if (policy is not ("FLUSH" or "APPEND" or "REPLACE"))
            {
                c.Reply.Error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
                return;
            }
        }
        else if (c.Request.Count > 4)
        {
            c.Reply.Error(Errors.Syntax);
            return;
        }
        List<byte[]> codes;
        try { codes = Persistence.RdbValue.LoadFunctions(payload); }
        catch (Persistence.RdbValue.FormatException e)
        {
            c.Reply.Error("ERR " + e.Message);
            return;
        }
        if (c.Server.Scripts.RestoreLibraries(codes, policy) is { } error)
        {
            c.Reply.Error(error);
            return;
        }
        c.Server.Events.Dirty++;
        c.Reply.Ok();
    }

    public static void FunctionKill(ClientSession c) => c.Reply.Error("NOTBUSY No scripts in execution right now.");

    public static void FunctionHelp(ClientSession c) => CommandHelp.Reply(c, "FUNCTION",
        "LOAD [REPLACE] <FUNCTION CODE>", "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>", "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]", "    Return general information on all the libraries:",
        "    * Library name", "    * The engine used to run the Library", "    * Library description", "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS", "    Return information about the current function running:", "    * Function name",
        "    * Command used to run the function", "    * Duration in MS that the function is running",
        "    If no function is running, return nil", "    In addition, returns a list of available engines.",
        "KILL", "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]", "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.", "    * SYNC: Synchronously flush the libraries.",
        "DUMP", "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).");

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
