namespace PasteRedis.Server.Scripting;

/// <summary>
/// The cmsgpack library Redis gives scripts (lua-cmsgpack 0.4 as Redis 7.0 ships it),
/// written in Lua on string.pack: pack(…) encodes each argument in the smallest form
/// (integers by range, a float as float32 when that is exact, strings as str, a table as an
/// array when its keys are exactly 1..n, else a map; nil past 16 levels of nesting and for
/// values msgpack cannot hold); unpack(s), unpack_one(s, offset) and unpack_limit(s, limit,
/// offset) decode what it encodes (bin and ext types are refused, as there) with its
/// 0-based offsets, -1 at the end, and its error texts. Loaded after cjson, whose error
/// positioning it shares.
/// </summary>
internal static class MsgpackLibrary
{
    public const string Source = """
        local type, pairs, select, error, tostring, tonumber = type, pairs, select, error, tostring, tonumber
        local spack, sunpack, char, byte, concat, fmt = string.pack, string.unpack, string.char, string.byte, table.concat, string.format
        local floor, huge, mathtype = math.floor, math.huge, math.type
        local call = __pasteredis_library_call -- struct, loaded next, takes it too and clears it
        local null = cjson.null
        local function fail(message) error({ cjson = message }, 0) end
        -- A bad argument names the function as its caller did ('?' through pcall; in a tail
        -- call, which Lua 5.4 does not name, the library's own name).
        local getinfo = debug.getinfo
        local function caller(default)
          local info = getinfo(2, 'nt') -- 1 caller, 2 the library function
          return info and (info.name or (info.istailcall and default)) or '?'
        end

        local function is_int(n)
          if mathtype(n) == 'integer' then return true end
          return n == n and floor(n) == n and n >= -2^63 and n < 2^63
        end

        local function encode_int(n, out)
          if n >= 0 then
            if n <= 127 then out[#out + 1] = char(n)
            elseif n <= 0xff then out[#out + 1] = spack('>BB', 0xcc, n)
            elseif n <= 0xffff then out[#out + 1] = spack('>BI2', 0xcd, n)
            elseif n <= 0xffffffff then out[#out + 1] = spack('>BI4', 0xce, n)
            else out[#out + 1] = spack('>Bi8', 0xcf, n) end
          else
            if n >= -32 then out[#out + 1] = char(n & 0xff)
            elseif n >= -128 then out[#out + 1] = spack('>Bi1', 0xd0, n)
            elseif n >= -32768 then out[#out + 1] = spack('>Bi2', 0xd1, n)
            elseif n >= -2147483648 then out[#out + 1] = spack('>Bi4', 0xd2, n)
            else out[#out + 1] = spack('>Bi8', 0xd3, n) end
          end
        end

        local function encode_number(n, out)
          if is_int(n) then return encode_int(math.tointeger(n) or (n < 0 and math.mininteger or 0), out) end
          local single = spack('>f', n)
          if sunpack('>f', single) == n then out[#out + 1] = '\202' .. single
          else out[#out + 1] = '\203' .. spack('>d', n) end
        end

        local function encode_string(s, out)
          local len = #s
          if len < 32 then out[#out + 1] = char(0xa0 | len)
          elseif len <= 0xff then out[#out + 1] = spack('>BB', 0xd9, len)
          elseif len <= 0xffff then out[#out + 1] = spack('>BI2', 0xda, len)
          else out[#out + 1] = spack('>BI4', 0xdb, len) end
          out[#out + 1] = s
        end

        -- lua-cmsgpack's table_is_an_array: every key a positive integer and as many keys as the largest.
        local function is_array(t)
          local count, max = 0, 0
          for k in pairs(t) do
            if type(k) ~= 'number' or k <= 0 or not is_int(k) then return false end
            if k > max then max = k end
            count = count + 1
          end
          return max == count, count
        end

        local encode
        local function encode_table(t, level, out)
          local array, count = is_array(t)
          if array then
            if count < 16 then out[#out + 1] = char(0x90 | count)
            elseif count <= 0xffff then out[#out + 1] = spack('>BI2', 0xdc, count)
            else out[#out + 1] = spack('>BI4', 0xdd, count) end
            for i = 1, count do encode(t[i], level + 1, out) end
          else
            local n = 0
            for _ in pairs(t) do n = n + 1 end
            if n < 16 then out[#out + 1] = char(0x80 | n)
            elseif n <= 0xffff then out[#out + 1] = spack('>BI2', 0xde, n)
            else out[#out + 1] = spack('>BI4', 0xdf, n) end
            for k, v in pairs(t) do
              encode(k, level + 1, out)
              encode(v, level + 1, out)
            end
          end
        end

        encode = function(v, level, out)
          local kind = type(v)
          if v == null then kind = 'nil' end -- Redis's cjson.null is a light userdata: nil here too
          if kind == 'table' and level == 16 then kind = 'nil' end
          if kind == 'number' then encode_number(v, out)
          elseif kind == 'string' then encode_string(v, out)
          elseif kind == 'boolean' then out[#out + 1] = v and '\195' or '\194'
          elseif kind == 'table' then encode_table(v, level, out)
          else out[#out + 1] = '\192' end
        end

        local function need(s, pos, n)
          if pos + n - 1 > #s then fail('Missing bytes in input.') end
        end

        local decode
        local function decode_table(s, pos, count, map)
          local t = {}
          for i = 1, count do
            if map then
              local k, v
              k, pos = decode(s, pos)
              v, pos = decode(s, pos)
              t[k] = v
            else
              t[i], pos = decode(s, pos)
            end
          end
          return t, pos
        end

        local function decode_string(s, pos, len)
          need(s, pos, len)
          return s:sub(pos, pos + len - 1), pos + len
        end

        -- One value at 1-based position pos: the value and the position after it.
        decode = function(s, pos)
          need(s, pos, 1)
          local b = byte(s, pos)
          pos = pos + 1
          if b <= 0x7f then return b, pos
          elseif b >= 0xe0 then return b - 256, pos
          elseif b >= 0xa0 and b <= 0xbf then return decode_string(s, pos, b & 0x1f)
          elseif b >= 0x90 and b <= 0x9f then return decode_table(s, pos, b & 0x0f, false)
          elseif b >= 0x80 and b <= 0x8f then return decode_table(s, pos, b & 0x0f, true)
          elseif b == 0xc0 then return nil, pos
          elseif b == 0xc2 then return false, pos
          elseif b == 0xc3 then return true, pos
          elseif b == 0xcc then need(s, pos, 1); return sunpack('>B', s, pos)
          elseif b == 0xcd then need(s, pos, 2); return sunpack('>I2', s, pos)
          elseif b == 0xce then need(s, pos, 4); return sunpack('>I4', s, pos)
          elseif b == 0xcf then
            need(s, pos, 8)
            local v, after = sunpack('>i8', s, pos)
            if v < 0 then v = v + 18446744073709551616.0 end -- a uint64 past int64: a double, as lua-cmsgpack pushes it
            return v, after
          elseif b == 0xd0 then need(s, pos, 1); return sunpack('>i1', s, pos)
          elseif b == 0xd1 then need(s, pos, 2); return sunpack('>i2', s, pos)
          elseif b == 0xd2 then need(s, pos, 4); return sunpack('>i4', s, pos)
          elseif b == 0xd3 then need(s, pos, 8); return sunpack('>i8', s, pos)
          elseif b == 0xca then need(s, pos, 4); return sunpack('>f', s, pos)
          elseif b == 0xcb then need(s, pos, 8); return sunpack('>d', s, pos)
          elseif b == 0xd9 then need(s, pos, 1); return decode_string(s, pos + 1, byte(s, pos))
          elseif b == 0xda then need(s, pos, 2); return decode_string(s, pos + 2, (sunpack('>I2', s, pos)))
          elseif b == 0xdb then need(s, pos, 4); return decode_string(s, pos + 4, (sunpack('>I4', s, pos)))
          elseif b == 0xdc then need(s, pos, 2); return decode_table(s, pos + 2, (sunpack('>I2', s, pos)), false)
          elseif b == 0xdd then need(s, pos, 4); return decode_table(s, pos + 4, (sunpack('>I4', s, pos)), false)
          elseif b == 0xde then need(s, pos, 2); return decode_table(s, pos + 2, (sunpack('>I2', s, pos)), true)
          elseif b == 0xdf then need(s, pos, 4); return decode_table(s, pos + 4, (sunpack('>I4', s, pos)), true)
          end
          fail('Bad data format in input.')
        end

        local function typename(v) return v == nil and 'no value' or type(v) end

        local function check_string(name, n, v)
          if type(v) == 'number' then return tostring(v) end
          if type(v) ~= 'string' then fail(fmt("bad argument #%d to '%s' (string expected, got %s)", n, name, typename(v))) end
          return v
        end

        -- luaL_checkinteger / luaL_optinteger on Lua 5.1's doubles: truncated toward zero.
        local function check_integer(name, n, v, default)
          if v == nil and default ~= nil then return default end
          local x = tonumber(v)
          if x == nil then fail(fmt("bad argument #%d to '%s' (number expected, got %s)", n, name, typename(v))) end
          if x ~= x or x == huge or x == -huge then return 0 end
          return math.tointeger(x >= 0 and floor(x) or -floor(-x)) or 0
        end

        -- lua-cmsgpack's mp_unpack_full: up to limit values from the 0-based offset (all of them
        -- when both are 0); unless both are 0, the offset to continue from (-1 at the end) comes first.
        local function unpack_full(s, limit, offset)
          local len = #s
          if offset < 0 or limit < 0 then fail(fmt('Invalid request to unpack with offset of %d and limit of %d.', offset, len)) end
          if offset > len then fail(fmt('Start offset %d greater than input length %d.', offset, len)) end
          local all = limit == 0 and offset == 0
          if all then limit = huge end -- a limit of 0 with an offset decodes nothing, as there
          local values, n, pos = {}, 0, offset + 1
          while pos <= len and n < limit do
            n = n + 1
            values[n], pos = decode(s, pos)
          end
          if all then return table.unpack(values, 1, n) end
          return (pos > len and -1 or pos - 1), table.unpack(values, 1, n)
        end

        cmsgpack = {
          pack = function(...)
            local args, name = table.pack(...), caller('pack')
            local r = call(function()
              if args.n == 0 then fail(fmt("bad argument #0 to '%s' (MessagePack pack needs input.)", name)) end
              local out = {}
              for i = 1, args.n do encode(args[i], 0, out) end
              return concat(out)
            end)
            return r -- not a tail call: the script's frame stays for the error position
          end,
          unpack = function(...)
            local s, name = ..., caller('unpack')
            local r = table.pack(call(function() return unpack_full(check_string(name, 1, s), 0, 0) end))
            return table.unpack(r, 1, r.n)
          end,
          unpack_one = function(...)
            local s, offset = ...
            local name = caller('unpack_one')
            local r = table.pack(call(function()
              local text = check_string(name, 1, s)
              return unpack_full(text, 1, check_integer(name, 2, offset, 0))
            end))
            return table.unpack(r, 1, r.n)
          end,
          unpack_limit = function(...)
            local s, limit, offset = ...
            local name = caller('unpack_limit')
            local r = table.pack(call(function()
              local text = check_string(name, 1, s)
              local l = check_integer(name, 2, limit)
              return unpack_full(text, l, check_integer(name, 3, offset, 0))
            end))
            return table.unpack(r, 1, r.n)
          end,
          _NAME = 'cmsgpack',
          _VERSION = 'lua-cmsgpack 0.4.0',
          _COPYRIGHT = 'Copyright (C) 2012, Salvatore Sanfilippo',
          _DESCRIPTION = 'MessagePack C implementation for Lua',
        }
        """;
}
