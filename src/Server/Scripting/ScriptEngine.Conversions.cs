using KeraLua;
using PasteRedis.Resp;

namespace PasteRedis.Server.Scripting;

/// <summary>Values between Lua and RESP, both ways, as Redis's script_lua.c converts them.</summary>
internal sealed partial class ScriptEngine
{
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
            string message = _lua.ToString(-1, false);
            _lua.Pop(1);
            WriteErrorReply(reply, t, message);
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

    private const string IgnoreErrorStats = "ignore_error_stats_update";

    /// <summary>An error table's reply: counted in the error stats unless it was where it arose.</summary>
    private void WriteErrorReply(RespWriter reply, int t, string message)
    {
        if (FieldType(t, IgnoreErrorStats) == LuaType.Boolean) reply.ErrorAlreadyCounted(message);
        else reply.Error(message);
    }

    /// <summary>An error as Redis's luaPushError leaves it: {err = "CODE message"}; and whether to raise it.</summary>
    private static int PushError(Lua lua, string message, bool raise, bool alreadyCounted = false)
    {
        lua.CreateTable(0, 2);
        lua.PushString("err");
        lua.PushString(message.TrimEnd('\r', '\n'));
        lua.RawSet(-3);
        if (alreadyCounted)
        {
            // A command's error, counted in the error stats when the command replied it: the
            // script passing it on does not count it again (Redis's ignore_error_stats_update).
            lua.PushString(IgnoreErrorStats);
            lua.PushBoolean(true);
            lua.RawSet(-3);
        }
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
}
