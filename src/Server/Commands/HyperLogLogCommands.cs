using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Commands;

/// <summary>
/// PFADD, PFCOUNT, PFMERGE (Redis's hyperloglog.c) over <see cref="HyperLogLog"/> strings.
/// All three are deterministic and logged as received; PFCOUNT of one key also stores the
/// cardinality it computed in the header (Redis propagates that too), so it is logged when
/// it did. Commands/DifferentialTests compares replies and the values' bytes with redis-server.
/// </summary>
internal static class HyperLogLogCommands
{
    /// <summary>The HLL string under <paramref name="key"/> or null; false (error replied) for another type or a string that is no HLL.</summary>
    private static bool TryGetHll(ClientSession c, ReadOnlySpan<byte> key, out StringObject? hll)
    {
        if (!StringCommands.TryGetString(c, key, out hll)) return false;
        if (hll == null || HyperLogLog.IsValid(hll.Value(c.Server.Pool))) return true;
        c.Reply.Error(HyperLogLog.NotHllError);
        return false;
    }

    /// <summary>PFADD key [element ...]: 1 when the key was created or a register changed.</summary>
    public static void PfAdd(ClientSession c)
    {
        var req = c.Request;
        var pool = c.Server.Pool;
        if (!TryGetHll(c, req.Arg(1), out var hll)) return;
        bool updated = false;
        if (hll == null)
        {
            hll = StringCommands.StoreBytes(c, req.Arg(1), HyperLogLog.Empty());
            hll.Raw = true;
            updated = true;
        }
        for (int i = 2; i < req.Count; i++)
        {
            int result = HyperLogLog.Add(hll, pool, req.Arg(i), c.Server.Config.HllSparseMaxBytes);
            if (result < 0)
            {
                c.Reply.Error(HyperLogLog.InvalidError);
                return;
            }
            updated |= result == 1;
        }
        if (updated)
        {
            HyperLogLog.InvalidateCache(hll, pool);
            c.Server.Events.Dirty++;
            c.Notify(NotifyClass.String, "pfadd", req.Arg(1));
        }
        c.Reply.Integer(updated ? 1 : 0);
    }

    /// <summary>PFCOUNT key [key ...]: one key's cardinality (cached in its header), or the union's of several.</summary>
    public static void PfCount(ClientSession c)
    {
        var req = c.Request;
        var pool = c.Server.Pool;
        if (req.Count > 2)
        {
            Span<byte> registers = stackalloc byte[HyperLogLog.Registers];
            registers.Clear();
            for (int i = 1; i < req.Count; i++)
            {
                if (!TryGetHll(c, req.Arg(i), out var each)) return;
                if (each != null && !HyperLogLog.Decode(each.Value(pool), registers))
                {
                    c.Reply.Error(HyperLogLog.InvalidError);
                    return;
                }
            }
            c.Reply.Integer(HyperLogLog.CountRegisters(registers));
            return;
        }
        if (!TryGetHll(c, req.Arg(1), out var hll)) return;
        if (hll == null)
        {
            c.Reply.Integer(0);
            return;
        }
        var value = hll.Value(pool);
        if (!HyperLogLog.TryCached(value, out long cardinality))
        {
            if (!HyperLogLog.TryCount(value, out cardinality))
            {
                c.Reply.Error(HyperLogLog.InvalidError);
                return;
            }
            HyperLogLog.WriteCache(hll, pool, cardinality);
            c.Server.Events.Dirty++;
        }
        c.Reply.Integer(cardinality);
    }

    /// <summary>PFMERGE destkey [sourcekey ...]: the destination (itself one of the inputs) becomes the union.</summary>
    public static void PfMerge(ClientSession c)
    {
        var req = c.Request;
        var pool = c.Server.Pool;
        var registers = new byte[HyperLogLog.Registers];
        bool dense = false;
        for (int i = 1; i < req.Count; i++)
        {
            if (!TryGetHll(c, req.Arg(i), out var each)) return;
            if (each == null)
            {
                c.KeyMiss(req.Arg(i)); // every key, the destination too, is read (lookupKeyRead)
                continue;
            }
            var value = each.Value(pool);
            dense |= HyperLogLog.IsDense(value);
            if (!HyperLogLog.Decode(value, registers))
            {
                c.Reply.Error(HyperLogLog.InvalidError);
                return;
            }
        }
        var key = req.Arg(1);
        var hll = (StringObject?)c.Db.Lookup(key, c.NowMs, touch: false);
        if (hll == null)
        {
            hll = StringCommands.StoreBytes(c, key, HyperLogLog.Empty());
            hll.Raw = true;
        }
        if (dense && !HyperLogLog.ToDense(hll, pool))
        {
            c.Reply.Error(HyperLogLog.InvalidError);
            return;
        }
        long sparseMax = c.Server.Config.HllSparseMaxBytes;
        for (int i = 0; i < registers.Length; i++)
            if (registers[i] != 0) HyperLogLog.Set(hll, pool, i, registers[i], sparseMax);
        HyperLogLog.InvalidateCache(hll, pool);
        c.Server.Events.Dirty++;
        c.Notify(NotifyClass.String, "pfadd", key);
        c.Reply.Ok();
    }
}
