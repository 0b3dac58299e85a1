namespace PasteRedis.Server.Scripting;

/// <summary>
/// The cjson library Redis gives scripts (lua-cjson 2.1 with Redis's settings), written in
/// Lua: encode and decode with lua-cjson's rules and error texts (numbers as %.14g, '/'
/// escaped, an empty table as {}, sparse arrays refused past a ratio of 2 and 10 elements,
/// depth limits of 1000, "Expected … but found … at character N"). cjson.null is a
/// sentinel table here (lua-cjson's is a light userdata).
/// </summary>
internal static class CjsonLibrary
{
    public const string Source = """
        local type, pairs, ipairs, tostring, tonumber, error, select = type, pairs, ipairs, tostring, tonumber, error, select
        local fmt, byte, char, sub, find, concat = string.format, string.byte, string.char, string.sub, string.find, table.concat
        local floor, huge, tointeger, mathtype = math.floor, math.huge, math.tointeger, math.type
        local lua_pcall = __pasteredis_raw_pcall
        __pasteredis_raw_pcall = nil
        local null = setmetatable({}, { __tostring = function() return 'null' end, __metatable = false })

        local escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['/'] = '\\/', ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
        for i = 0, 31 do local c = char(i); if not escapes[c] then escapes[c] = fmt('\\u%04x', i) end end
        escapes[char(127)] = '\\u007f'

        local function fail(message) error({ cjson = message }, 0) end

        local function number(n)
          if n ~= n or n == huge or n == -huge then fail('Cannot serialise number: must not be NaN or Inf') end
          return fmt('%.14g', n) -- Lua 5.1's doubles: 100000000000000 is 1e+14
        end

        local encode_value
        local function encode_table(t, depth, out)
          if depth > 1000 then fail(fmt('Cannot serialise, excessive nesting (%d)', depth)) end
          -- An array when every key is a positive integer; refused when too sparse.
          local max, items, array = 0, 0, true
          for k in pairs(t) do
            if type(k) == 'number' and k >= 1 and floor(k) == k then
              if k > max then max = k end
              items = items + 1
            else
              array = false
              break
            end
          end
          if array and max > 0 then
            if max > items * 2 and max > 10 then fail('Cannot serialise table: excessively sparse array') end
            out[#out + 1] = '['
            for i = 1, max do
              if i > 1 then out[#out + 1] = ',' end
              encode_value(t[i], depth + 1, out)
            end
            out[#out + 1] = ']'
            return
          end
          out[#out + 1] = '{'
          local first = true
          for k, v in pairs(t) do
            local key
            if type(k) == 'string' then key = k
            elseif type(k) == 'number' then key = number(k)
            else fail('Cannot serialise table: table key must be a number or string') end
            if not first then out[#out + 1] = ',' end
            first = false
            out[#out + 1] = '"' .. key:gsub('[%c"\\/\127]', escapes) .. '":'
            encode_value(v, depth + 1, out)
          end
          out[#out + 1] = '}'
        end

        encode_value = function(v, depth, out)
          local t = type(v)
          if v == nil or v == null then out[#out + 1] = 'null'
          elseif t == 'boolean' then out[#out + 1] = v and 'true' or 'false'
          elseif t == 'number' then out[#out + 1] = number(v)
          elseif t == 'string' then out[#out + 1] = '"' .. v:gsub('[%c"\\/\127]', escapes) .. '"'
          elseif t == 'table' then encode_table(v, depth, out)
          else fail('Cannot serialise ' .. t .. ': type not supported') end
        end

        -- Decoding: lua-cjson's tokens, names and messages.
        local function utf8char(cp)
          if cp < 0x80 then return char(cp) end
          if cp < 0x800 then return char(0xC0 | (cp >> 6), 0x80 | (cp & 0x3F)) end
          if cp < 0x10000 then return char(0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F)) end
          return char(0xF0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3F), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F))
        end

        local simple = { b = '\b', f = '\f', n = '\n', r = '\r', t = '\t', ['"'] = '"', ['\\'] = '\\', ['/'] = '/' }

        -- Returns kind, value, start; kind is a token name or 'T_ERROR' with the error text as value.
        local function token(s, i)
          local _, e = find(s, '^[ \t\n\r]*', i)
          i = e + 1
          local c = sub(s, i, i)
          if c == '' then return 'T_END', nil, i, i end
          if c == '{' then return 'T_OBJ_BEGIN', nil, i, i + 1 end
          if c == '}' then return 'T_OBJ_END', nil, i, i + 1 end
          if c == '[' then return 'T_ARR_BEGIN', nil, i, i + 1 end
          if c == ']' then return 'T_ARR_END', nil, i, i + 1 end
          if c == ':' then return 'T_COLON', nil, i, i + 1 end
          if c == ',' then return 'T_COMMA', nil, i, i + 1 end
          if c == '"' then
            local parts, j = {}, i + 1
            while true do
              local k = find(s, '["\\]', j)
              if not k then return 'T_ERROR', 'unexpected end of string', #s + 1, #s + 1 end
              parts[#parts + 1] = sub(s, j, k - 1)
              if sub(s, k, k) == '"' then return 'T_STRING', concat(parts), i, k + 1 end
              local esc = sub(s, k + 1, k + 1)
              if simple[esc] then
                parts[#parts + 1] = simple[esc]
                j = k + 2
              elseif esc == 'u' then
                local hex = sub(s, k + 2, k + 5)
                if not find(hex, '^%x%x%x%x$') then return 'T_ERROR', 'invalid unicode escape code', k, k end
                local cp = tonumber(hex, 16)
                j = k + 6
                if cp >= 0xD800 and cp <= 0xDBFF then
                  local low = sub(s, j, j + 5)
                  if not find(low, '^\\u%x%x%x%x$') then return 'T_ERROR', 'invalid unicode escape code', k, k end
                  local lo = tonumber(sub(low, 3), 16)
                  if lo < 0xDC00 or lo > 0xDFFF then return 'T_ERROR', 'invalid unicode escape code', k, k end
                  cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                  j = j + 6
                elseif cp >= 0xDC00 and cp <= 0xDFFF then
                  return 'T_ERROR', 'invalid unicode escape code', k, k
                end
                parts[#parts + 1] = utf8char(cp)
              else
                return 'T_ERROR', 'invalid escape code', k, k
              end
            end
          end
          if find(c, '^[-0-9]') then
            local num = s:match('^-?%d+%.?%d*[eE]?[-+]?%d*', i)
            local n = num and tonumber(num)
            if not n then return 'T_ERROR', 'invalid number', i, i end
            -- Lua 5.1 held every number as a double; an integral one within 2^53 is kept an
            -- integer here so that it prints as 5.1 printed it ("3", not "3.0").
            if mathtype(n) == 'float' and n == floor(n) and n > -2^53 and n < 2^53 then n = tointeger(n) end
            if n == 0 then n = 0 end
            return 'T_NUMBER', n, i, i + #num
          end
          if sub(s, i, i + 3) == 'true' then return 'T_BOOLEAN', true, i, i + 4 end
          if sub(s, i, i + 4) == 'false' then return 'T_BOOLEAN', false, i, i + 5 end
          if sub(s, i, i + 3) == 'null' then return 'T_NULL', null, i, i + 4 end
          return 'T_ERROR', 'invalid token', i, i
        end

        local function expected(what, kind, value, at)
          fail(fmt('Expected %s but found %s at character %d', what, kind == 'T_ERROR' and value or kind, at))
        end

        local decode_value
        decode_value = function(s, i, depth)
          local kind, value, at, after = token(s, i)
          if kind == 'T_OBJ_BEGIN' then
            if depth >= 1000 then fail(fmt('Found too many nested data structures (%d) at character %d', depth + 1, at)) end
            local t = {}
            kind, value, at, after = token(s, after)
            if kind == 'T_OBJ_END' then return t, after end
            while true do
              if kind ~= 'T_STRING' then expected('object key string', kind, value, at) end
              local key = value
              kind, value, at, after = token(s, after)
              if kind ~= 'T_COLON' then expected('colon', kind, value, at) end
              t[key], after = decode_value(s, after, depth + 1)
              kind, value, at, after = token(s, after)
              if kind == 'T_OBJ_END' then return t, after end
              if kind ~= 'T_COMMA' then expected('comma or object end', kind, value, at) end
              kind, value, at, after = token(s, after)
            end
          elseif kind == 'T_ARR_BEGIN' then
            if depth >= 1000 then fail(fmt('Found too many nested data structures (%d) at character %d', depth + 1, at)) end
            local t, n = {}, 0
            local peek, _, _, past = token(s, after)
            if peek == 'T_ARR_END' then return t, past end
            while true do
              n = n + 1
              t[n], after = decode_value(s, after, depth + 1)
              kind, value, at, after = token(s, after)
              if kind == 'T_ARR_END' then return t, after end
              if kind ~= 'T_COMMA' then expected('comma or array end', kind, value, at) end
            end
          elseif kind == 'T_STRING' or kind == 'T_NUMBER' or kind == 'T_BOOLEAN' or kind == 'T_NULL' then
            return value, after
          end
          expected('value', kind, value, at)
        end

        -- lua-cjson's errors carry the calling script's position (luaL_error). A tail call
        -- (return cjson.encode(…)) leaves no frame of the script in Lua 5.4: a one-line
        -- script's (or function's) position is still known.
        local getinfo, known_position = debug.getinfo, false
        __pasteredis_cjson_hint = function(v) known_position = v end
        local function where()
          -- 1 where, 2 call, 3 cjson.encode/decode, 4 whoever called it (pcall, a C function: no position)
          local callee = getinfo(3, 't')
          if callee and callee.istailcall then return known_position or '' end
          local info = getinfo(4, 'Sl')
          if info and (info.source == '@user_script' or info.source == '@user_function') then return info.source:sub(2) .. ':' .. info.currentline .. ': ' end
          return ''
        end

        local function call(f, ...)
          local r = table.pack(lua_pcall(f, ...))
          if r[1] then return table.unpack(r, 2, r.n) end
          if type(r[2]) == 'table' and r[2].cjson then error(where() .. r[2].cjson, 0) end
          error(r[2], 0)
        end

        cjson = {
          null = null,
          encode = function(...)
            if select('#', ...) ~= 1 then error('bad argument #1 to \'encode\' (expected 1 argument)', 2) end
            local v = ...
            local r = call(function() local out = {}; encode_value(v, 0, out); return concat(out) end)
            return r
          end,
          decode = function(...)
            if select('#', ...) ~= 1 then error('bad argument #1 to \'decode\' (expected 1 argument)', 2) end
            local s = ...
            if type(s) ~= 'string' then s = tostring(s) end
            local r = call(function()
              local v, after = decode_value(s, 1, 0)
              local kind, value, at = token(s, after)
              if kind ~= 'T_END' then expected('the end', kind, value, at) end
              return v
            end)
            return r
          end,
        }
        __pasteredis_library_call = call -- cmsgpack's errors are positioned the same way
        """;
}
