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
    private readonly Dictionary<string, (byte[] Body, int Function, bool NoWrites)> _scripts = new(StringComparer.Ordinal);
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

    /// <summary>
    /// The Lua side: Redis 5.1-era names scripts still use (unpack, loadstring, math.pow,
    /// table.getn), the redis table, the error handler (Redis's __redis__err__handler: a
    /// string error becomes {err='ERR …'}, and the script's own line is noted), a hook that
    /// stops a read-only script past busy-reply-threshold, and globals made read-only
    /// (Redis 7 refuses to create globals and names a missing one).
    /// </summary>
    private const string Prelude = """
        local call, sha1hex, log, setresp, timedout = __pasteredis_call, __pasteredis_sha1hex, __pasteredis_log, __pasteredis_setresp, __pasteredis_timedout
        __pasteredis_call, __pasteredis_sha1hex, __pasteredis_log, __pasteredis_setresp, __pasteredis_timedout = nil, nil, nil, nil, nil
        local dbg, error, type, tostring, select, rawget = debug, error, type, tostring, select, rawget
        -- Redis's pcall hands a script an error's text, not the {err=…} table redis.call raised.
        local lua_pcall, pack = pcall, table.pack
        __pasteredis_raw_pcall = lua_pcall
        pcall = function(f, ...)
          local r = pack(lua_pcall(f, ...))
          if not r[1] and type(r[2]) == 'table' and type(rawget(r[2], 'err')) == 'string' then r[2] = rawget(r[2], 'err') end
          return table.unpack(r, 1, r.n)
        end
        unpack = table.unpack
        loadstring = load
        local gc, lua_tostring, fmt, mathtype = collectgarbage, tostring, string.format, math.type
        gcinfo = function() return gc('count') // 1 end
        -- Lua 5.1 had doubles only: 3.0 printed as 3 (%.14g).
        _G.tostring = function(v) if mathtype(v) == 'float' then return fmt('%.14g', v) end return lua_tostring(v) end
        -- Lua BitOp's bit library (32-bit results, as Redis ships it).
        local function tobit(x) x = x & 0xffffffff; if x >= 0x80000000 then x = x - 0x100000000 end return x end
        local function int(x) return math.tointeger(x) or (x // 1) end
        bit = {
          tobit = function(x) return tobit(int(x)) end,
          bnot = function(x) return tobit(~int(x)) end,
          band = function(x, ...) x = int(x); for _, y in ipairs({...}) do x = x & int(y) end return tobit(x) end,
          bor = function(x, ...) x = int(x); for _, y in ipairs({...}) do x = x | int(y) end return tobit(x) end,
          bxor = function(x, ...) x = int(x); for _, y in ipairs({...}) do x = x ~ int(y) end return tobit(x) end,
          lshift = function(x, n) return tobit(int(x) << (int(n) & 31)) end,
          rshift = function(x, n) return tobit((int(x) & 0xffffffff) >> (int(n) & 31)) end,
          arshift = function(x, n) return tobit(tobit(int(x)) >> (int(n) & 31) | (tobit(int(x)) < 0 and ~(0xffffffff >> (int(n) & 31)) or 0)) end,
          rol = function(x, n) x = int(x) & 0xffffffff; n = int(n) & 31; return tobit((x << n) | (x >> (32 - n))) end,
          ror = function(x, n) x = int(x) & 0xffffffff; n = int(n) & 31; return tobit((x >> n) | (x << (32 - n))) end,
          bswap = function(x) x = int(x) & 0xffffffff; return tobit(((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >> 8) & 0xff00) | (x >> 24)) end,
          tohex = function(x, n)
            n = n or 8
            local upper = n < 0
            if upper then n = -n end
            local s = fmt('%08x', int(x) & 0xffffffff):sub(-n)
            return upper and s:upper() or s
          end,
        }
        math.pow = function(x, y) return x ^ y end
        table.getn = function(t) return #t end
        local function raise_if(r, failed)
          if failed then error(r, 0) end
          return r
        end
        redis = {
          call = function(...) return raise_if(call(true, ...)) end,
          pcall = function(...) return (call(false, ...)) end,
          error_reply = function(e)
            if type(e) ~= 'string' then error('wrong number or type of arguments', 2) end
            if e:sub(1, 1) ~= '-' then e = '-' .. e end
            local space = e:find(' ', 1, true)
            if space then return {err = e:sub(2, space - 1) .. ' ' .. e:sub(space + 1)} end
            return {err = 'ERR ' .. e:sub(2)}
          end,
          status_reply = function(s)
            if type(s) ~= 'string' then error('wrong number or type of arguments', 2) end
            return {ok = s}
          end,
          sha1hex = function(s)
            if select('#', s) ~= 1 then error('wrong number of arguments', 2) end
            return sha1hex(tostring(s))
          end,
          log = function(level, ...)
            if select('#', ...) < 1 then error('redis.log() requires two arguments or more.', 2) end
            if type(level) ~= 'number' then error('First argument must be a number (log level).', 2) end
            local parts = {}
            for i = 1, select('#', ...) do parts[#parts + 1] = tostring((select(i, ...))) end
            log(level, table.concat(parts, ' '))
          end,
          setresp = function(v)
            local r, failed = setresp(v)
            if failed then error(r, 2) end
          end,
          set_repl = function(v)
            if type(v) ~= 'number' or v < 0 or v > 3 then error('Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.', 2) end
          end,
          replicate_commands = function() return true end,
          breakpoint = function() return false end,
          debug = function() end,
          LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
          REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
          REDIS_VERSION = '%VERSION%', REDIS_VERSION_NUM = %VERSIONNUM%,
        }
        local handler = function(err)
          local level, info = 2, nil
          repeat
            info = dbg.getinfo(level, 'Sl')
            level = level + 1
          until not info or info.source == '@user_script' or info.source == '@user_function'
          if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
          if info then err.source, err.line = info.source, info.currentline end
          return err
        end
        local hook = function()
          local stop = timedout()
          if stop then error({err = stop}, 0) end
        end
        -- Redis 7 makes the globals and every library table read-only, so that one script
        -- cannot change what the next one runs with: here each library is a read-only proxy,
        -- the string metatable is hidden, and rawset/setmetatable refuse the protected tables.
        local protect = function()
          for _, name in ipairs({'io', 'os', 'package', 'require', 'dofile', 'loadfile', 'print', 'debug', 'utf8', 'collectgarbage', 'warn'}) do _G[name] = nil end
          local real_rawset, real_setmetatable, next = rawset, setmetatable, next
          local readonly = {}
          local function refuse() error('Attempt to modify a readonly table', 2) end
          for _, name in ipairs({'string', 'table', 'math', 'coroutine', 'bit', 'cjson', 'redis'}) do
            local real = _G[name]
            local proxy = real_setmetatable({}, {
              __index = real, __newindex = refuse, __metatable = false,
              __pairs = function() return next, real, nil end, __len = function() return #real end,
            })
            readonly[proxy] = true
            _G[name] = proxy
          end
          local string_mt = getmetatable('')
          local string_proxy = _G.string
          string_mt.__metatable = real_setmetatable({}, {
            __index = function(_, k) if k == '__index' then return string_proxy end return string_mt[k] end,
            __newindex = refuse, __metatable = false,
          })
          readonly[string_mt.__metatable] = true
          rawset = function(t, k, v)
            if readonly[t] then error('Attempt to modify a readonly table', 0) end
            return real_rawset(t, k, v)
          end
          setmetatable = function(t, mt)
            if readonly[t] then error('Attempt to modify a readonly table', 0) end
            return real_setmetatable(t, mt)
          end
          readonly[_G] = true
          real_setmetatable(_G, {
            __index = function(_, k) error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2) end,
            __newindex = refuse,
            __metatable = false,
          })
        end
        -- Functions (FUNCTION LOAD): the library's code runs once with a redis table that only
        -- registers functions (Redis 7's library API), in an environment of its own whose
        -- redis is the full one afterwards, when the functions are called.
        local valid_flags = { ['no-writes'] = true, ['allow-oom'] = true, ['allow-stale'] = true, ['no-cluster'] = true, ['allow-cross-slot-keys'] = true }
        local pending
        local function reg_fail(message) error({ err = 'ERR ' .. message }, 0) end
        local function register_function(...)
          if not pending then reg_fail('redis.register_function can only be called on FUNCTION LOAD command') end
          local n = select('#', ...)
          local name, callback, flags, description
          if n == 1 then
            local t = ...
            if type(t) ~= 'table' then reg_fail('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).') end
            for k, v in pairs(t) do
              if type(k) ~= 'string' then reg_fail('named argument key given to redis.register_function is not a string') end
              if k == 'function_name' then
                if type(v) ~= 'string' then reg_fail('function_name argument given to redis.register_function must be a string') end
                name = v
              elseif k == 'description' then
                if type(v) ~= 'string' then reg_fail('description argument given to redis.register_function must be a string') end
                description = v
              elseif k == 'callback' then
                if type(v) ~= 'function' then reg_fail('callback argument given to redis.register_function must be a function') end
                callback = v
              elseif k == 'flags' then
                if type(v) ~= 'table' then reg_fail('flags argument to redis.register_function must be a table representing function flags') end
                flags = v
              else
                reg_fail('unknown argument given to redis.register_function')
              end
            end
            if not name then reg_fail('redis.register_function must get a function name argument') end
            if not callback then reg_fail('redis.register_function must get a callback argument') end
          elseif n == 2 then
            name, callback = ...
            if type(name) ~= 'string' then reg_fail('first argument to redis.register_function must be a string') end
            if type(callback) ~= 'function' then reg_fail('second argument to redis.register_function must be a function') end
          else
            reg_fail('wrong number of arguments to redis.register_function')
          end
          local list = {}
          for _, f in ipairs(flags or {}) do
            if type(f) ~= 'string' or not valid_flags[f] then reg_fail('unknown flag given') end
            list[#list + 1] = f
          end
          -- (Redis 7.0 words a bad function name as a bad library name)
          if not name:find('^[%w_]+$') then reg_fail('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long') end
          for _, p in ipairs(pending) do
            if p.name == name then reg_fail('Function already exists in the library') end
          end
          -- A callback written on one line has its line known even after a tail call drops its frame.
          local info = dbg.getinfo(callback, 'S')
          local line = info.linedefined == info.lastlinedefined and info.linedefined or 0
          pending[#pending + 1] = { name = name, callback = callback, flags = list, description = description, line = line }
        end
        local function missing(_, k) error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2) end
        local function load_library(chunk)
          local full_redis = _G.redis
          local load_redis = setmetatable({
            register_function = register_function, log = full_redis.log,
            LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
            REDIS_VERSION = full_redis.REDIS_VERSION, REDIS_VERSION_NUM = full_redis.REDIS_VERSION_NUM,
          }, { __index = missing, __newindex = function() error('Attempt to modify a readonly table', 2) end, __metatable = false })
          local loading = true
          local env = setmetatable({}, {
            __index = function(_, k)
              if k == 'redis' then return loading and load_redis or full_redis end
              local v = rawget(_G, k)
              if v == nil then error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2) end
              return v
            end,
            __newindex = function() error('Attempt to modify a readonly table', 2) end,
            __metatable = false,
          })
          dbg.setupvalue(chunk, 1, env)
          pending = {}
          local ok, err = xpcall(chunk, handler)
          local registered = pending
          pending = nil
          loading = false
          if not ok then error(err, 0) end
          return registered
        end
        __pasteredis_exports = {
          load_library = load_library,
          handler = handler,
          start = function() dbg.sethook(hook, '', 100000) end,
          stop = function() dbg.sethook() end,
          protect = protect,
        }
        """;

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
        bool noWrites = false;
        var code = bytes;
        if (body.StartsWith("#!"u8))
        {
            // Redis 7's shebang: "#!lua [flags=a,b]"; the line stays (blank) so that line numbers hold.
            int eol = body.IndexOf((byte)'\n');
            var line = Encoding.UTF8.GetString(eol < 0 ? body : body[..eol]).TrimEnd('\r');
            error = Shebang(line, out noWrites);
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
        _scripts[sha] = (bytes, _lua.Ref(LuaRegistry.Index), noWrites);
        return sha;
    }

    /// <summary>A shebang line's engine and flags (Redis 7.0's evalExtractShebangFlags); null, or Redis's error.</summary>
    private static string? Shebang(string line, out bool noWrites)
    {
        noWrites = false;
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts[0] != "#!lua") return $"ERR Unexpected engine in script shebang: {(parts.Length > 0 ? parts[0] : line)}";
        foreach (var part in parts.Skip(1))
        {
            if (!part.StartsWith("flags=", StringComparison.Ordinal)) return $"ERR Unknown lua shebang option: {part}";
            foreach (var flag in part["flags=".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (flag == "no-writes") noWrites = true;
                else if (flag is not ("allow-oom" or "allow-stale" or "no-cluster" or "allow-cross-slot-keys"))
                    return $"ERR Unexpected flag in script shebang: {flag}";
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
        var (body, function, noWrites) = _scripts[sha];
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
        }
        else message = "ERR " + _lua.ToString(-1, false);
        reply.Error(message);
    }

    /// <summary>A Lua value as a reply (Redis's luaReplyToRedisReply).</summary>
    private void WriteResult(RespWriter reply, int index, int depth)
    {
        switch (_lua.Type(index))
        {
            case LuaType.String:
                reply.Bulk(_lua.ToBuffer(index, false));
                break;
            case LuaType.Boolean:
                if (_protocol == 2)
                {
                    if (_lua.ToBoolean(index)) reply.Integer(1);
                    else reply.Null();
                }
                else reply.Boolean(_lua.ToBoolean(index));
                break;
            case LuaType.Number:
                reply.Integer(_lua.IsInteger(index) ? _lua.ToInteger(index) : DoubleToLong(_lua.ToNumber(index)));
                break;
            case LuaType.Table:
                if (depth > 64)
                {
                    reply.Error("ERR reached lua stack limit");
                    break;
                }
                WriteTable(reply, index < 0 ? _lua.GetTop() + index + 1 : index, depth);
                break;
            default:
                reply.Null();
                break;
        }
    }

    /// <summary>(long long) of a double as C converts it on x86-64: NaN and out of range give long.MinValue.</summary>
    private static long DoubleToLong(double d) => double.IsNaN(d) || d >= 9.2233720368547758e18 || d < -9.2233720368547758e18 ? long.MinValue : (long)d;

    private void WriteTable(RespWriter reply, int t, int depth)
    {
        if (FieldType(t, "err") == LuaType.String)
        {
            _lua.GetField(t, "err");
            reply.Error(_lua.ToString(-1, false));
            _lua.Pop(1);
            return;
        }
        if (FieldType(t, "ok") == LuaType.String)
        {
            _lua.GetField(t, "ok");
            reply.SimpleString(_lua.ToBuffer(-1, false));
            _lua.Pop(1);
            return;
        }
        if (_protocol == 3 && WriteResp3Table(reply, t, depth)) return;
        // An array: elements 1, 2, … up to the first nil.
        int n = 0;
        while (_lua.RawGetInteger(t, n + 1) != LuaType.Nil)
        {
            _lua.Pop(1);
            n++;
        }
        _lua.Pop(1);
        reply.ArrayHeader(n);
        for (int i = 1; i <= n; i++)
        {
            _lua.RawGetInteger(t, i);
            WriteResult(reply, -1, depth + 1);
            _lua.Pop(1);
        }
    }

    /// <summary>RESP3 tables (after redis.setresp(3)): {double=…}, {map={…}}, {set={…}}, {big_number=…}, {verbatim_string={…}}.</summary>
    private bool WriteResp3Table(RespWriter reply, int t, int depth)
    {
        if (FieldType(t, "double") == LuaType.Number)
        {
            _lua.GetField(t, "double");
            reply.Double(_lua.ToNumber(-1));
            _lua.Pop(1);
            return true;
        }
        if (FieldType(t, "big_number") == LuaType.String)
        {
            _lua.GetField(t, "big_number");
            var text = _lua.ToBuffer(-1, false);
            _lua.Pop(1);
            if (reply.IsResp3) reply.Raw([(byte)'(', .. text, (byte)'\r', (byte)'\n']);
            else reply.Bulk(text);
            return true;
        }
        if (FieldType(t, "verbatim_string") == LuaType.Table)
        {
            _lua.GetField(t, "verbatim_string");
            _lua.GetField(-1, "string");
            var text = _lua.ToBuffer(-1, false) ?? [];
            _lua.Pop(2);
            reply.Bulk(text);
            return true;
        }
        foreach (var (field, isMap) in new[] { ("map", true), ("set", false) })
        {
            if (FieldType(t, field) != LuaType.Table) continue;
            _lua.GetField(t, field);
            int m = _lua.GetTop();
            int count = 0;
            _lua.PushNil();
            while (_lua.Next(m)) { count++; _lua.Pop(1); }
            if (isMap) reply.MapHeader(count);
            else reply.SetHeader(count);
            _lua.PushNil();
            while (_lua.Next(m))
            {
                WriteResult(reply, -2, depth + 1);
                if (isMap) WriteResult(reply, -1, depth + 1);
                _lua.Pop(1);
            }
            _lua.Pop(1);
            return true;
        }
        return false;
    }

    private LuaType FieldType(int t, string name)
    {
        _lua.PushString(name);
        var type = _lua.RawGet(t);
        _lua.Pop(1);
        return type;
    }

    // ---- functions Lua calls (they never raise a Lua error themselves) ----

    /// <summary>
    /// call(raise, command, args…): runs the command; returns its reply as Lua values, and
    /// true as a second value when it is an error to raise (redis.call) rather than return.
    /// </summary>
    private int Call(IntPtr state)
    {
        var lua = Lua.FromIntPtr(state);
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
            long before = _server.Events.Dirty;
            var reply = _session!.RunForScript(_frame.WrittenMemory, _readOnly, _protocol);
            if (_server.Events.Dirty != before) _wrote = true;
            int pos = 0;
            if (reply.Length > 0 && reply[0] == (byte)'-')
            {
                int end = reply.IndexOf("\r\n"u8);
                return PushError(lua, Encoding.UTF8.GetString(reply[1..end]), raise);
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

    /// <summary>An error as Redis's luaPushError leaves it: {err = "CODE message"}; and whether to raise it.</summary>
    private static int PushError(Lua lua, string message, bool raise)
    {
        lua.CreateTable(0, 1);
        lua.PushString("err");
        lua.PushString(message.TrimEnd('\r', '\n'));
        lua.RawSet(-3);
        if (!raise) return 1;
        lua.PushBoolean(true);
        return 2;
    }

    /// <summary>One reply (RESP2 or RESP3) as Lua values (Redis's redisProtocolToLuaType).</summary>
    private static void PushReply(Lua lua, ReadOnlySpan<byte> r, ref int pos)
    {
        byte type = r[pos];
        int lineEnd = pos + r[pos..].IndexOf("\r\n"u8);
        var line = r[(pos + 1)..lineEnd];
        pos = lineEnd + 2;
        switch (type)
        {
            case (byte)':':
                // Redis's Lua 5.1 holds every number as a double: past 2^53 an integer reply is
                // rounded (and 2^63 - 1 comes back as -2^63). Within, the integer is the same
                // value and prints as Redis's does ("5", not 5.4's "5.0").
                RespNumber.TryParseInt64(line, out long n);
                if (n >= -(1L << 53) && n <= 1L << 53) lua.PushInteger(n);
                else lua.PushNumber(n);
                break;
            case (byte)'$':
            case (byte)'=':
                RespNumber.TryParseInt64(line, out long len);
                if (len < 0)
                {
                    lua.PushBoolean(false);
                    break;
                }
                var bytes = r.Slice(pos, (int)len);
                pos += (int)len + 2;
                if (type == (byte)'=')
                {
                    lua.CreateTable(0, 1);
                    lua.PushString("verbatim_string");
                    lua.CreateTable(0, 2);
                    lua.PushString("format"); lua.PushBuffer(bytes[..3].ToArray()); lua.RawSet(-3);
                    lua.PushString("string"); lua.PushBuffer(bytes[4..].ToArray()); lua.RawSet(-3);
                    lua.RawSet(-3);
                }
                else lua.PushBuffer(bytes.ToArray());
                break;
            case (byte)'+':
                lua.CreateTable(0, 1);
                lua.PushString("ok");
                lua.PushBuffer(line.ToArray());
                lua.RawSet(-3);
                break;
            case (byte)'-':
                lua.CreateTable(0, 1);
                lua.PushString("err");
                lua.PushBuffer(line.ToArray());
                lua.RawSet(-3);
                break;
            case (byte)'*':
            case (byte)'>':
            case (byte)'~':
            case (byte)'%':
                RespNumber.TryParseInt64(line, out long count);
                if (count < 0)
                {
                    lua.PushBoolean(false);
                    break;
                }
                if (type == (byte)'*' || type == (byte)'>')
                {
                    lua.CreateTable((int)count, 0);
                    for (int i = 1; i <= count; i++)
                    {
                        PushReply(lua, r, ref pos);
                        lua.RawSetInteger(-2, i);
                    }
                    break;
                }
                lua.CreateTable(0, 1);
                lua.PushString(type == (byte)'%' ? "map" : "set");
                lua.CreateTable(0, (int)count);
                for (int i = 0; i < count; i++)
                {
                    PushReply(lua, r, ref pos);
                    if (type == (byte)'%') PushReply(lua, r, ref pos);
                    else lua.PushBoolean(true);
                    lua.RawSet(-3);
                }
                lua.RawSet(-3);
                break;
            case (byte)'_':
                lua.PushNil();
                break;
            case (byte)'#':
                lua.PushBoolean(line.Length > 0 && line[0] == (byte)'t');
                break;
            case (byte)',':
                lua.CreateTable(0, 1);
                lua.PushString("double");
                lua.PushNumber(RespNumber.TryParseDouble(line, out double d) ? d : double.NaN);
                lua.RawSet(-3);
                break;
            case (byte)'(':
                lua.CreateTable(0, 1);
                lua.PushString("big_number");
                lua.PushBuffer(line.ToArray());
                lua.RawSet(-3);
                break;
            default:
                lua.PushNil();
                break;
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
