using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Commands;

/// <summary>TTL commands (Redis's expire.c).</summary>
internal static class ExpireCommands
{
    [Flags]
    private enum Condition { None = 0, Nx = 1, Xx = 2, Gt = 4, Lt = 8 }

    public static void Expire(ClientSession c) => ExpireGeneric(c, relative: true, seconds: true, "expire");
    public static void PExpire(ClientSession c) => ExpireGeneric(c, relative: true, seconds: false, "pexpire");
    public static void ExpireAt(ClientSession c) => ExpireGeneric(c, relative: false, seconds: true, "expireat");
    public static void PExpireAt(ClientSession c) => ExpireGeneric(c, relative: false, seconds: false, "pexpireat");

    /// <summary>
    /// EXPIRE key time [NX | XX | GT | LT] and its three siblings (expireGenericCommand).
    /// A time already in the past deletes the key.
    /// </summary>
    private static void ExpireGeneric(ClientSession c, bool relative, bool seconds, string name)
    {
        var cond = Condition.None;
        for (int i = 3; i < c.Request.Count; i++)
        {
            if (c.ArgIs(i, "NX"u8)) cond |= Condition.Nx;
            else if (c.ArgIs(i, "XX"u8)) cond |= Condition.Xx;
            else if (c.ArgIs(i, "GT"u8)) cond |= Condition.Gt;
            else if (c.ArgIs(i, "LT"u8)) cond |= Condition.Lt;
            else
            {
                c.Reply.Error($"ERR Unsupported option {c.ArgString(i)}");
                return;
            }
        }
        if ((cond & Condition.Nx) != 0 && (cond & (Condition.Xx | Condition.Gt | Condition.Lt)) != 0)
        {
            c.Reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
            return;
        }
        if ((cond & Condition.Gt) != 0 && (cond & Condition.Lt) != 0)
        {
            c.Reply.Error("ERR GT and LT options at the same time are not compatible");
            return;
        }
        if (!c.TryLong(2, out long when)) return;
        if (seconds)
        {
            if (when > long.MaxValue / 1000 || when < long.MinValue / 1000)
            {
                c.Reply.Error(Errors.InvalidExpire(name));
                return;
            }
            when *= 1000;
        }
        if (relative)
        {
            if (when > long.MaxValue - c.NowMs)
            {
                c.Reply.Error(Errors.InvalidExpire(name));
                return;
            }
            when += c.NowMs;
        }

        var obj = c.Db.Lookup(c.Request.Arg(1), c.NowMs);
        if (obj == null)
        {
            c.Reply.Integer(0);
            return;
        }
        if (!ConditionHolds(cond, obj, when))
        {
            c.Reply.Integer(0);
            return;
        }
        // Logged absolute and unconditional: replay must not depend on its own clock.
        var log = c.LogAbsolute(replace: true);
        if (c.IsPast(when))
        {
            c.Db.Remove(obj);
            c.Server.Events.ExpiredKeys++;
            log.Add("DEL"u8, c.Request.Arg(1));
            c.Notify(NotifyClass.Generic, "del", c.Request.Arg(1));
        }
        else
        {
            c.Db.SetExpire(obj, when);
            log.Add("PEXPIREAT"u8, c.Request.Arg(1), when);
            c.Notify(NotifyClass.Generic, "expire", c.Request.Arg(1));
        }
        c.Reply.Integer(1);
    }

    /// <summary>A key without a TTL counts as infinitely far away for GT and LT, as in Redis.</summary>
    private static bool ConditionHolds(Condition cond, RedisObject obj, long when)
    {
        if ((cond & Condition.Nx) != 0 && obj.HasExpiry) return false;
        if ((cond & Condition.Xx) != 0 && !obj.HasExpiry) return false;
        if ((cond & Condition.Gt) != 0 && (!obj.HasExpiry || when <= obj.ExpireAt)) return false;
        if ((cond & Condition.Lt) != 0 && obj.HasExpiry && when >= obj.ExpireAt) return false;
        return true;
    }

    public static void Ttl(ClientSession c) => TtlGeneric(c, milliseconds: false, absolute: false);
    public static void PTtl(ClientSession c) => TtlGeneric(c, milliseconds: true, absolute: false);
    public static void ExpireTime(ClientSession c) => TtlGeneric(c, milliseconds: false, absolute: true);
    public static void PExpireTime(ClientSession c) => TtlGeneric(c, milliseconds: true, absolute: true);

    /// <summary>-2 for a missing key, -1 for a key without TTL, else the remaining time or the absolute time.</summary>
    private static void TtlGeneric(ClientSession c, bool milliseconds, bool absolute)
    {
        var obj = c.Db.Lookup(c.Request.Arg(1), c.NowMs, touch: false);
        if (obj == null)
        {
            c.KeyMiss(c.Request.Arg(1));
            c.Reply.Integer(-2);
            return;
        }
        if (!obj.HasExpiry)
        {
            c.Reply.Integer(-1);
            return;
        }
        long value = absolute ? obj.ExpireAt : Math.Max(0, obj.ExpireAt - c.NowMs);
        if (!milliseconds) value = absolute ? value / 1000 : (value + 500) / 1000;
        c.Reply.Integer(value);
    }

    public static void Persist(ClientSession c)
    {
        var obj = c.Db.Lookup(c.Request.Arg(1), c.NowMs);
        bool removed = obj != null && c.Db.Persist(obj);
        if (removed) c.Notify(NotifyClass.Generic, "persist", c.Request.Arg(1));
        c.Reply.Integer(removed ? 1 : 0);
    }
}
