namespace PasteRedis.Server.Scripting;

/// <summary>
/// The Lua side: Redis 5.1-era names scripts still use (unpack, loadstring, math.pow,
/// table.getn), the redis table, the error handler (Redis's __redis__err__handler: a
/// string error becomes {err='ERR …'}, and the script's own line is noted), a hook that
/// stops a read-only script past busy-reply-threshold, pcall handing over an error's text,
/// FUNCTION LOAD's library API (redis.register_function in an environment of the
/// library's own), and the globals and library tables made read-only (Redis 7 refuses to
/// create globals and names a missing one). The engine takes the functions it calls from
/// __pasteredis_exports and removes it.
/// </summary>
internal static class LuaPrelude
{
    public const string Source = """
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
          acl_check_cmd = function(...) return raise_if(call('acl', ...)) end,
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
}
