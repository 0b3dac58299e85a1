using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using KeraLua;
using Microsoft.Extensions.Logging;
using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Persistence;

namespace PasteRedis.Server.Scripting;

/// <summary>
/// EVAL's and FCALL's Lua (Redis's script_lua.c, eval.c and function_lua.c) on one Lua 5.4
/// state, used under the execution lock. Scripts are cached by SHA1 (not persisted, as in
/// Redis; function libraries are: ScriptEngine.Functions.cs); scripts' and functions'
/// redis.call commands run on the server's script session, so each is executed, checked
/// and logged as a client's would be, and the writes of one script form one group in the
/// log (recovery applies a script's effects whole or not at all; the script itself is not
/// replayed, so TIME or SRANDMEMBER in it cannot replay differently).
/// No Lua error is ever raised from .NET code (a longjmp must not cross managed frames):
/// the .NET functions return an error marker and small Lua wrappers raise it.
/// </summary>
internal sealed partial class ScriptEngine : IDisposable
{
    private readonly RedisServer _server;
    private readonly Lua _lua;
    private readonly Dictionary<string, (byte[] Body, int Function, ScriptFlags? Flags)> _scripts = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _frame = new(256);
    private readonly RespWriter _frameWriter;
    private readonly List<byte[]> _args = [];
    // The delegates Lua holds must stay reachable as long as the state.
    private readonly LuaFunction _call, _sha1hex, _log, _setResp, _timedOut;
    private readonly int _errorHandler, _startHook, _stopHook, _cjsonHint;
    private ClientSession? _session;
    private bool _readOnly;
    private int _protocol = 2;
    private long _started;
    private bool _wrote;

    public ScriptEngine(RedisServer server)
    {
        _server = server;
        _frameWriter = new RespWriter(_frame);
        _lua = new Lua(openLibs: true);
        _call = Call;
        _sha1hex = Sha1Hex;
        _log = Log;
        _setResp = SetResp;
        _timedOut = TimedOut;
        _lua.PushCFunction(_call); _lua.SetGlobal("__pasteredis_call");
        _lua.PushCFunction(_sha1hex); _lua.SetGlobal("__pasteredis_sha1hex");
        _lua.PushCFunction(_log); _lua.SetGlobal("__pasteredis_log");
        _lua.PushCFunction(_setResp); _lua.SetGlobal("__pasteredis_setresp");
        _lua.PushCFunction(_timedOut); _lua.SetGlobal("__pasteredis_timedout");
        if (_lua.DoString(Prelude.Replace("%VERSION%", RedisServer.Version).Replace("%VERSIONNUM%", VersionNumber().ToString())))
            throw new InvalidOperationException("the scripting prelude failed: " + _lua.ToString(-1));
        if (_lua.DoString(CjsonLibrary.Source))
            throw new InvalidOperationException("the cjson library failed: " + _lua.ToString(-1));
        if (_lua.DoString(MsgpackLibrary.Source))
            throw new InvalidOperationException("the cmsgpack library failed: " + _lua.ToString(-1));
        if (_lua.DoString(StructLibrary.Source))
            throw new InvalidOperationException("the struct library failed: " + _lua.ToString(-1));
        _lua.GetGlobal("__pasteredis_cjson_hint");
        _cjsonHint = _lua.Ref(LuaRegistry.Index);
        _lua.PushNil();
        _lua.SetGlobal("__pasteredis_cjson_hint");
        _lua.GetGlobal("__pasteredis_exports");
        _errorHandler = Export("handler");
        _loadLibrary = Export("load_library");
        _startHook = Export("start");
        _stopHook = Export("stop");
        _lua.Pop(1);
        if (_lua.DoString("local protect = __pasteredis_exports.protect; __pasteredis_exports = nil; protect()"))
            throw new InvalidOperationException("the scripting prelude failed: " + _lua.ToString(-1));
    }

    private int Export(string name)
    {
        _lua.GetField(-1, name);
        return _lua.Ref(LuaRegistry.Index);
    }

    private static int VersionNumber()
    {
        var parts = RedisServer.Version.Split('.').Select(int.Parse).ToArray();
        return (parts[0] << 16) | (parts[1] << 8) | parts[2];
    }

    private static readonly string Prelude = LuaPrelude.Source;


    public int Count => _scripts.Count;

    /// <summary>The Lua state's memory (INFO's used_memory_lua).</summary>
    public long LuaMemory => _lua.GarbageCollector(LuaGC.Count, 0) * 1024L + _lua.GarbageCollector(LuaGC.Countb, 0);

    /// <summary>The cached scripts' bodies (INFO's used_memory_scripts_eval, roughly).</summary>
    public long ScriptBytes => _scripts.Values.Sum(v => (long)v.Body.Length);

    public static string Sha1(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA1.HashData(body));

    public bool Exists(string sha) => _scripts.ContainsKey(sha.ToLowerInvariant());

    /// <summary>SCRIPT LOAD / EVAL: compiles and caches the body; returns its SHA1, or null with Redis's compile error.</summary>
    public string? Load(ReadOnlySpan<byte> body, out string? error)
    {
        var sha = Sha1(body);
        error = null;
        if (_scripts.ContainsKey(sha)) return sha;
        var bytes = body.ToArray();
        ScriptFlags? flags = null;
        var code = bytes;
        if (body.StartsWith("#!"u8))
        {
            // Redis 7's shebang: "#!lua [flags=a,b]"; the line stays (blank) so that line numbers hold.
            int eol = body.IndexOf((byte)'\n');
            var line = Encoding.UTF8.GetString(eol < 0 ? body : body[..eol]).TrimEnd('\r');
            error = Shebang(line, out var declared);
            flags = declared;
            if (error != null) return null;
            code = new byte[bytes.Length];
            if (eol >= 0) bytes.AsSpan(eol).CopyTo(code.AsSpan(eol));
            code.AsSpan(0, eol < 0 ? bytes.Length : eol).Fill((byte)' ');
        }
        if (_lua.LoadBuffer(code, "@user_script") != LuaStatus.OK)
        {
            error = "ERR Error compiling script (new function): " + _lua.ToString(-1, false);
            _lua.Pop(1);
            return null;
        }
        _scripts[sha] = (bytes, _lua.Ref(LuaRegistry.Index), flags);
        return sha;
    }

    /// <summary>
    /// The flags EVAL's script declares in its shebang ("#!lua flags=…"): false when the
    /// shebang is not one Redis takes (the command then fails on its own); null flags when
    /// there is none (Redis's compatibility mode).
    /// </summary>
    public static bool TryDeclaredFlags(ReadOnlySpan<byte> body, out ScriptFlags? flags)
    {
        flags = null;
        if (!body.StartsWith("#!"u8)) return true;
        int end = body.IndexOf((byte)'\n');
        if (Shebang(Encoding.UTF8.GetString(end < 0 ? body : body[..end]).TrimEnd('\r'), out var declared) != null) return false;
        flags = declared;
        return true;
    }

    /// <summary>The same for a cached script (EVALSHA's SHA1); false when none has it (the command then fails on its own: NOSCRIPT).</summary>
    public bool TryCachedFlags(ReadOnlySpan<byte> sha, out ScriptFlags? flags)
    {
        flags = null;
        if (!_scripts.TryGetValue(Encoding.ASCII.GetString(sha).ToLowerInvariant(), out var s)) return false;
        flags = s.Flags;
        return true;
    }

    /// <summary>A shebang line's engine and flags (Redis 7.0's evalExtractShebangFlags); null, or Redis's error.</summary>
    private static string? Shebang(string line, out ScriptFlags flags)
    {
        flags = ScriptFlags.None;
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts[0] != "#!lua") return $"ERR Unexpected engine in script shebang: {(parts.Length > 0 ? parts[0] : line)}";
        foreach (var part in parts.Skip(1))
        {
            if (!part.StartsWith("flags=", StringComparison.Ordinal)) return $"ERR Unknown lua shebang option: {part}";
            foreach (var flag in part["flags=".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (ScriptFlagNames.Parse(flag) is not { } f) return $"ERR Unexpected flag in script shebang: {flag}";
                flags |= f;
            }
        }
        return null;
    }

    /// <summary>SCRIPT FLUSH: every cached script forgotten (a fresh Lua state is not needed: scripts cannot leave globals).</summary>
    public void Flush()
    {
        foreach (var (_, f, _) in _scripts.Values) _lua.Unref(LuaRegistry.Index, f);
        _scripts.Clear();
    }

    /// <summary>
    /// Runs a cached script for <paramref name="caller"/> with its KEYS and ARGV and writes its
    /// result (or error) as the caller's reply.
    /// </summary>
    public void Run(ClientSession caller, string sha, int firstKey, int keyCount, bool readOnly)
    {
        var (body, function, declared) = _scripts[sha];
        bool noWrites = declared is { } d && (d & ScriptFlags.NoWrites) != 0;
        Invoke(caller, readOnly || noWrites, sha, "@user_script", body.AsSpan().Contains((byte)'\n') ? 0 : 1, () =>
        {
            SetGlobalArray("KEYS", caller, firstKey, keyCount);
            SetGlobalArray("ARGV", caller, firstKey + keyCount, caller.Request.Count - firstKey - keyCount);
            _lua.RawGetInteger(LuaRegistry.Index, function);
            return 0;
        });
    }

    /// <summary>
    /// Runs a script or a function (<paramref name="push"/> pushes it and its arguments,
    /// returning how many arguments) for <paramref name="caller"/>, on the script session,
    /// its writes one group in the log, and writes its result or error as the caller's reply.
    /// </summary>
    private void Invoke(ClientSession caller, bool readOnly, string name, string source, int knownLine, Func<int> push)
    {
        _session ??= ClientSession.ForScripts(_server);
        var aof = _server.Aof;
        bool ownGroup = aof != null && !aof.InTransaction;
        if (ownGroup) aof!.BeginTransaction();
        _session.EnterScript(caller);
        _readOnly = readOnly;
        _protocol = 2;
        _wrote = false;
        _started = Stopwatch.GetTimestamp();
        int top = _lua.GetTop();
        try
        {
            _lua.RawGetInteger(LuaRegistry.Index, _cjsonHint);
            if (knownLine > 0) _lua.PushString($"{source[1..]}:{knownLine}: ");
            else _lua.PushBoolean(false);
            if (_lua.PCall(1, 0, 0) != LuaStatus.OK) _lua.Pop(1);
            CallRef(_startHook);
            _lua.RawGetInteger(LuaRegistry.Index, _errorHandler);
            int args = push();
            var status = _lua.PCall(args, 1, top + 1);
            CallRef(_stopHook);
            if (status == LuaStatus.OK) WriteResult(caller.Reply, _lua.GetTop(), 0);
            else WriteError(caller.Reply, name, knownLine, source);
        }
        finally
        {
            _lua.SetTop(top);
            _session.LeaveScript();
            if (ownGroup) aof!.EndTransaction(_session.Db.Id);
        }
    }

    private void CallRef(int function)
    {
        _lua.RawGetInteger(LuaRegistry.Index, function);
        if (_lua.PCall(0, 0, 0) != LuaStatus.OK) _lua.Pop(1);
    }

    private void SetGlobalArray(string name, ClientSession caller, int first, int count)
    {
        _lua.PushGlobalTable();
        _lua.PushString(name);
        _lua.CreateTable(count, 0);
        for (int i = 0; i < count; i++)
        {
            _lua.PushBuffer(caller.Request.Arg(first + i).ToArray());
            _lua.RawSetInteger(-2, i + 1);
        }
        _lua.RawSet(-3);
        _lua.Pop(1);
    }

    /// <summary>The error a script ended with (a table from the handler): "… script: sha, on @user_script:line."</summary>
    private void WriteError(RespWriter reply, string sha, int knownLine, string defaultSource)
    {
        string message;
        if (_lua.Type(-1) == LuaType.Table)
        {
            _lua.GetField(-1, "err");
            message = _lua.Type(-1) == LuaType.String ? _lua.ToString(-1, false) : "ERR unknown error";
            _lua.Pop(1);
            _lua.GetField(-1, "source");
            string? source = _lua.Type(-1) == LuaType.String ? _lua.ToString(-1, false) : null;
            _lua.Pop(1);
            _lua.GetField(-1, "line");
            long line = _lua.Type(-1) == LuaType.Number ? _lua.ToInteger(-1) : -1;
            _lua.Pop(1);
            // A tail call (return redis.call(…)) leaves no frame of the script in Lua 5.4, where
            // Redis's Lua 5.1 kept one: a one-line script's (or function's) line is still known.
            if (source == null && knownLine > 0) (source, line) = (defaultSource, knownLine);
            if (source != null) message += $" script: {sha}, on {source}:{line}.";
            WriteErrorReply(reply, _lua.GetTop(), message);
            return;
        }
        message = "ERR " + _lua.ToString(-1, false);
        reply.Error(message);
    }

    // ---- functions Lua calls (they never raise a Lua error themselves) ----

    /// <summary>
    /// call(raise, command, args…): runs the command; returns its reply as Lua values, and
    /// true as a second value when it is an error to raise (redis.call) rather than return.
    /// </summary>
    private int Call(IntPtr state)
    {
        var lua = Lua.FromIntPtr(state);
        bool aclCheck = lua.Type(1) == LuaType.String; // redis.acl_check_cmd: may the caller run it?
        bool raise = lua.ToBoolean(1);
        int argc = lua.GetTop() - 1;
        try
        {
            if (argc == 0) return PushError(lua, "ERR Please specify at least one argument for this redis lib call", raise: true);
            _args.Clear();
            Span<byte> tmp = stackalloc byte[40];
            for (int i = 2; i <= argc + 1; i++)
            {
                switch (lua.Type(i))
                {
                    case LuaType.String:
                        _args.Add(lua.ToBuffer(i, false));
                        break;
                    case LuaType.Number:
                        int n = lua.IsInteger(i) ? (System.Buffers.Text.Utf8Formatter.TryFormat(lua.ToInteger(i), tmp, out int w) ? w : 0)
                            : RespNumber.FormatDoubleG17(lua.ToNumber(i), tmp);
                        _args.Add(tmp[..n].ToArray());
                        break;
                    default:
                        return PushError(lua, "ERR Lua redis lib command arguments must be strings or integers", raise: true);
                }
            }
            _frame.ResetWrittenCount();
            var writer = _frameWriter;
            writer.ArrayHeader(_args.Count);
            foreach (var a in _args) writer.Bulk(a);
            if (aclCheck)
            {
                if (_session!.AclCheckForScript(_frame.WrittenMemory) is not { } allowed)
                    return PushError(lua, "ERR Invalid command passed to redis.acl_check_cmd()", raise: true);
                lua.PushBoolean(allowed);
                return 1;
            }
            long before = _server.Events.Dirty;
            var reply = _session!.RunForScript(_frame.WrittenMemory, _readOnly, _protocol);
            if (_server.Events.Dirty != before) _wrote = true;
            int pos = 0;
            if (reply.Length > 0 && reply[0] == (byte)'-')
            {
                int end = reply.IndexOf("\r\n"u8);
                return PushError(lua, Encoding.UTF8.GetString(reply[1..end]), raise, alreadyCounted: true);
            }
            PushReply(lua, reply, ref pos);
            return 1;
        }
        catch (Exception e)
        {
            _server.Logger.LogError(e, "A script's command failed unexpectedly");
            return PushError(lua, "ERR " + e.Message, raise: true);
        }
    }

    private int Sha1Hex(IntPtr state)
    {
        var lua = Lua.FromIntPtr(state);
        lua.PushString(Sha1(lua.ToBuffer(1, false) ?? []));
        return 1;
    }

    private int Log(IntPtr state)
    {
        var lua = Lua.FromIntPtr(state);
        long level = lua.ToInteger(1);
        var text = lua.ToString(2, false);
        var logLevel = level switch { 0 => LogLevel.Debug, 1 => LogLevel.Debug, 2 => LogLevel.Information, 3 => LogLevel.Warning, _ => LogLevel.None };
        if (logLevel != LogLevel.None) _server.Logger.Log(logLevel, "Script: {Text}", text);
        return 0;
    }

    /// <summary>setresp(2|3): the protocol redis.call's replies come in; an error message (and true) otherwise.</summary>
    private int SetResp(IntPtr state)
    {
        var lua = Lua.FromIntPtr(state);
        if (lua.GetTop() != 1 || !lua.IsInteger(1) || lua.ToInteger(1) is not (2 or 3))
        {
            lua.PushString("RESP version must be 2 or 3.");
            lua.PushBoolean(true);
            return 2;
        }
        _protocol = (int)lua.ToInteger(1);
        return 0;
    }

    /// <summary>
    /// The hook's question: past busy-reply-threshold, a script that has not written is
    /// stopped (with the reason); one that has written runs on, as Redis cannot kill it either.
    /// </summary>
    private int TimedOut(IntPtr state)
    {
        var lua = Lua.FromIntPtr(state);
        long limitMs = _server.Config.BusyReplyThresholdMs;
        if (limitMs <= 0 || _wrote || Stopwatch.GetElapsedTime(_started).TotalMilliseconds < limitMs)
        {
            lua.PushNil();
            return 1;
        }
        lua.PushString($"ERR Script killed after busy-reply-threshold ({limitMs} ms) without a write: nothing else runs meanwhile here, so SCRIPT KILL could not reach it");
        return 1;
    }

    public void Dispose()
    {
        _lua.Dispose();
    }
}
