namespace PasteRedis.Server.Scripting;

/// <summary>
/// The struct library Redis gives scripts (Roberto Ierusalimschy's struct, as Redis 7.0
/// ships it), written in Lua: pack, unpack and size with its format ('&lt;' '&gt;' '!n'
/// 'x' 'b' 'B' 'h' 'H' 'l' 'L' 'T' 'in' 'In' (up to 32 bytes) 'cn' 's' 'f' 'd' ' '),
/// native little-endian, 64-bit long and size_t, C casts for numbers (truncation, wrapping
/// to the field's width), numbers unpacked as Lua 5.1's doubles, and its error texts.
/// Loaded after cjson, whose error positioning it shares.
/// </summary>
internal static class StructLibrary
{
    public const string Source = """
        local type, select, error, tostring, tonumber, fmt = type, select, error, tostring, tonumber, string.format
        local spack, sunpack, char, byte, sub, find, concat = string.pack, string.unpack, string.char, string.byte, string.sub, string.find, table.concat
        local floor, tointeger = math.floor, math.tointeger
        local call = __pasteredis_library_call
        __pasteredis_library_call = nil
        -- A bad argument names the function as its caller did (luaL_argerror): '?' through
        -- pcall. Lua 5.4 loses the name in a tail call (return struct.pack(…)), where 5.1,
        -- calling C, kept it: there the library's own name stands in.
        local getinfo = debug.getinfo
        local function caller(default)
          local info = getinfo(2, 'nt') -- 1 caller, 2 the library function
          return info and (info.name or (info.istailcall and default)) or '?'
        end
        local function fail(message) error({ cjson = message }, 0) end
        local function argerror(n, name, message) fail(fmt("bad argument #%d to '%s' (%s)", n, name, message)) end
        local function typename(v, missing) if v == nil then return missing or 'no value' end return type(v) end

        local function isdigit(c) return c ~= nil and c >= '0' and c <= '9' end

        -- A number after an option, or the default; Redis's overflow guard.
        local function getnum(f, i, default)
          local c = sub(f, i, i)
          if not isdigit(c) then return default, i end
          local a = 0
          while isdigit(c) do
            local d = byte(c) - 48
            if a > 214748364 or a * 10 > 2147483647 - d then fail('integral size overflow') end
            a = a * 10 + d
            i = i + 1
            c = sub(f, i, i)
          end
          return a, i
        end

        -- The size of an option (0 for those without one) and the position after it.
        local function optsize(opt, f, i)
          if opt == 'b' or opt == 'B' or opt == 'x' then return 1, i
          elseif opt == 'h' or opt == 'H' then return 2, i
          elseif opt == 'l' or opt == 'L' or opt == 'T' or opt == 'd' then return 8, i
          elseif opt == 'f' then return 4, i
          elseif opt == 'c' then return getnum(f, i, 1)
          elseif opt == 'i' or opt == 'I' then
            local size
            size, i = getnum(f, i, 4)
            if size > 32 then fail(fmt('integral size %d is larger than limit of %d', size, 32)) end
            return size, i
          end
          return 0, i
        end

        -- The option at i, its size, and the position after both.
        local function option(f, i)
          local opt = sub(f, i, i)
          local size
          size, i = optsize(opt, f, i + 1)
          return opt, size, i
        end

        -- luaL_checkstring: a string, or a number as one.
        local function checkstring(v, n, name)
          if type(v) == 'number' then return tostring(v) end
          if type(v) ~= 'string' then argerror(n, name, 'string expected, got ' .. typename(v)) end
          return v
        end

        local function toalign(len, h, opt, size)
          if size == 0 or opt == 'c' then return 0 end
          if size > h.align then size = h.align end
          return (size - (len & (size - 1))) & (size - 1)
        end

        -- '>' '<' '!n' ' ', or Redis's error for anything else.
        local function control(opt, f, i, h, name)
          if opt == ' ' then return i
          elseif opt == '>' then h.little = false
          elseif opt == '<' then h.little = true
          elseif opt == '!' then
            local a
            a, i = getnum(f, i, 8)
            if a == 0 or (a & (a - 1)) ~= 0 then fail(fmt('alignment %d is not a power of 2', a)) end
            h.align = a
          else argerror(1, name, fmt("invalid format option '%s'", opt)) end
          return i
        end

        local function isinteger_option(opt) return find('bBhHlLTiI', opt, 1, true) ~= nil end

        -- luaL_checknumber: a number or a numeric string.
        local function checknumber(v, n, name)
          local x = type(v) == 'number' and v or (type(v) == 'string' and tonumber(v))
          if not x then argerror(n, name, 'number expected, got ' .. typename(v, 'nil')) end
          return x
        end

        -- putinteger: the C cast to an unsigned long, written in size bytes (zeros past 8).
        local function putinteger(x, size, little)
          local v
          if x >= 0 then
            if x >= 2^63 then v = (tointeger(floor(x - 2^63)) or 0) | math.mininteger
            else v = tointeger(floor(x)) or 0 end
          else v = tointeger(-floor(-x)) or math.mininteger end
          local bytes = {}
          for k = 1, size do
            bytes[k] = char(v & 0xff)
            v = v >> 8
          end
          if little then return concat(bytes) end
          return concat(bytes):reverse()
        end

        -- getinteger: the bytes as an unsigned long (the last 8 of a wider field), sign-extended for signed options; a double.
        local function getinteger(data, pos, size, little, signed)
          local l = 0
          if little then
            for k = size - 1, 0, -1 do l = (l << 8) | byte(data, pos + k) end
          else
            for k = 0, size - 1 do l = (l << 8) | byte(data, pos + k) end
          end
          if signed then
            if size < 8 then
              local mask = -1 << (size * 8 - 1)
              if l & mask ~= 0 then l = l | mask end
            end
            return l + 0.0
          end
          if l < 0 then return l + 18446744073709551616.0 end
          return l + 0.0
        end

        local function pack(name, f, ...)
          f = checkstring(f, 1, name)
          local args = table.pack(...)
          local h = { little = true, align = 1 }
          local out, total, arg, i = {}, 0, 1, 1
          while i <= #f do
            local opt, size
            opt, size, i = option(f, i)
            local pad = toalign(total, h, opt, size)
            total = total + pad
            if pad > 0 then out[#out + 1] = string.rep('\0', pad) end
            if isinteger_option(opt) then
              out[#out + 1] = putinteger(checknumber(args[arg], arg + 1, name), size, h.little)
              arg = arg + 1
            elseif opt == 'x' then out[#out + 1] = '\0'
            elseif opt == 'f' or opt == 'd' then
              local x = checknumber(args[arg], arg + 1, name)
              arg = arg + 1
              out[#out + 1] = spack((h.little and '<' or '>') .. opt, x)
            elseif opt == 'c' or opt == 's' then
              local s = args[arg]
              if s == nil then argerror(arg + 1, name, 'string expected, got nil') end -- the first missing argument is the buffer's nil mark there
              s = checkstring(s, arg + 1, name)
              arg = arg + 1
              if size == 0 then size = #s end
              if #s < size then argerror(arg + 1, name, 'string too short') end
              out[#out + 1] = sub(s, 1, size)
              if opt == 's' then
                out[#out + 1] = '\0'
                size = size + 1
              end
            else
              i = control(opt, f, i, h, name)
            end
            total = total + size
          end
          return concat(out)
        end

        local function unpack(name, f, data, init)
          f = checkstring(f, 1, name)
          data = checkstring(data, 2, name)
          local start = 1
          if init ~= nil then
            local x = tonumber(init)
            if x == nil then argerror(3, name, 'number expected, got ' .. typename(init)) end
            start = tointeger(x >= 0 and floor(x) or -floor(-x)) or 0
          end
          if start < 1 then argerror(3, name, 'offset must be 1 or greater') end
          local ld = #data
          local h = { little = true, align = 1 }
          local results, pos, i = {}, start - 1, 1
          while i <= #f do
            local opt, size
            opt, size, i = option(f, i)
            pos = pos + toalign(pos, h, opt, size)
            if pos + size > ld then argerror(2, name, 'data string too short') end
            if isinteger_option(opt) then
              results[#results + 1] = getinteger(data, pos + 1, size, h.little, opt:lower() == opt)
            elseif opt == 'x' then
            elseif opt == 'f' or opt == 'd' then
              results[#results + 1] = sunpack((h.little and '<' or '>') .. opt, data, pos + 1) + 0.0
            elseif opt == 'c' then
              if size == 0 then
                local previous = results[#results]
                local n = type(previous) == 'number' and previous or (type(previous) == 'string' and tonumber(previous))
                if not n then fail("format 'c0' needs a previous size") end
                size = tointeger(n >= 0 and floor(n) or -floor(-n)) or 0
                results[#results] = nil
                if pos + size > ld then argerror(2, name, 'data string too short') end
              end
              results[#results + 1] = sub(data, pos + 1, pos + size)
            elseif opt == 's' then
              local e = find(data, '\0', pos + 1, true)
              if not e then fail('unfinished string in data') end
              size = e - pos
              results[#results + 1] = sub(data, pos + 1, e - 1)
            else
              i = control(opt, f, i, h, name)
            end
            pos = pos + size
          end
          results[#results + 1] = pos + 1
          return table.unpack(results, 1, #results)
        end

        local function size(name, f)
          f = checkstring(f, 1, name)
          local h = { little = true, align = 1 }
          local pos, i = 0, 1
          while i <= #f do
            local opt, n
            opt, n, i = option(f, i)
            pos = pos + toalign(pos, h, opt, n)
            if opt == 's' then argerror(1, name, "option 's' has no fixed size")
            elseif opt == 'c' and n == 0 then argerror(1, name, "option 'c0' has no fixed size") end
            if not opt:match('%w') then i = control(opt, f, i, h, name) end
            pos = pos + n
          end
          return pos
        end

        struct = {
          pack = function(...)
            local args, name = table.pack(...), caller('pack')
            local r = call(function() return pack(name, table.unpack(args, 1, args.n)) end)
            return r
          end,
          unpack = function(...)
            local args, name = table.pack(...), caller('unpack')
            local r = table.pack(call(function() return unpack(name, args[1], args[2], args[3]) end))
            return table.unpack(r, 1, r.n)
          end,
          size = function(...)
            local f, name = ..., caller('size')
            local r = call(function() return size(name, f) end)
            return r
          end,
        }
        """;
}
