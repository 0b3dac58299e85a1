using PasteRedis.Resp;
using PasteRedis.Server.Connections;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Commands;

/// <summary>Typed lookups for the collection commands (Redis's lookupKeyReadOrReply and friends).</summary>
internal static class TypedKeys
{
    /// <summary>
    /// The live <typeparamref name="T"/> under <paramref name="key"/> (null when missing);
    /// replies WRONGTYPE and returns false when the key holds another type.
    /// </summary>
    public static bool TryGet<T>(this ClientSession c, ReadOnlySpan<byte> key, out T? value) where T : RedisObject
    {
        var obj = c.Db.Lookup(key, c.NowMs);
        if (obj == null)
        {
            c.Server.Stats.KeyspaceMisses++;
            c.LookupMissed(key);
            value = null;
            return true;
        }
        c.Server.Stats.KeyspaceHits++;
        value = obj as T;
        if (value != null) return true;
        c.Reply.Error(Errors.WrongType);
        return false;
    }

    /// <summary>
    /// As <see cref="TryGet{T}"/>, for a key the command only reads (Redis's lookupKeyRead
    /// in a write command: STORE sources, XACK's stream…): a miss notifies "keymiss".
    /// </summary>
    public static bool TryGetRead<T>(this ClientSession c, ReadOnlySpan<byte> key, out T? value) where T : RedisObject
    {
        if (!c.TryGet(key, out value)) return false;
        if (value == null && c.CommandWrites) c.KeyMiss(key);
        return true;
    }

    /// <summary>The <typeparamref name="T"/> under <paramref name="key"/>, created (empty) when missing; WRONGTYPE as <see cref="TryGet{T}"/>.</summary>
    public static bool TryGetOrCreate<T>(this ClientSession c, ReadOnlySpan<byte> key, Func<ClientSession, byte[], T> create, out T value) where T : RedisObject
    {
        if (!c.TryGet(key, out T? existing))
        {
            value = null!;
            return false;
        }
        if (existing != null)
        {
            value = existing;
            return true;
        }
        value = create(c, key.ToArray());
        c.Db.Add(value, c.NowMs);
        return true;
    }

    /// <summary>
    /// After a collection changed: count the change (it is logged), notify it as Redis does
    /// (<paramref name="evt"/> for the key), and delete the key if it became empty (notified "del").
    /// </summary>
    public static void Changed(this ClientSession c, RedisObject obj, int remaining, NotifyClass type, string evt)
    {
        c.Server.Events.Dirty++;
        c.Notify(type, evt, obj.Key);
        if (remaining == 0 && obj.Slot >= 0)
        {
            c.Db.Remove(obj);
            c.Notify(NotifyClass.Generic, "del", obj.Key);
        }
    }

    /// <summary>
    /// The *STORE commands' end (Redis's setKey or dbDelete): <paramref name="result"/> takes
    /// <paramref name="dstKey"/> (overwriting what was there) and is notified as
    /// <paramref name="evt"/>; an empty result (null) deletes the destination, notified as
    /// "del" when there was one.
    /// </summary>
    public static void StoreResult(this ClientSession c, ReadOnlySpan<byte> dstKey, RedisObject? result, NotifyClass type, string evt)
    {
        var old = c.Db.Lookup(dstKey, c.NowMs);
        if (result != null)
        {
            if (old != null) c.Db.Overwrite(old, result, c.NowMs);
            else c.Db.Add(result, c.NowMs);
            c.Notify(type, evt, dstKey);
        }
        else if (old != null)
        {
            c.Db.Remove(old);
            c.Notify(NotifyClass.Generic, "del", dstKey);
        }
    }

    public static readonly Func<ClientSession, byte[], ListObject> NewList = (_, k) => new ListObject(k);
    public static readonly Func<ClientSession, byte[], HashObject> NewHash = (c, k) => new HashObject(k, c.Server.Config.Encoding);
    public static readonly Func<ClientSession, byte[], SetObject> NewSet = (c, k) => new SetObject(k, c.Server.Config.Encoding);

    /// <summary>
    /// Parses argument <paramref name="i"/> as a count that must not be negative, as Redis's
    /// getPositiveLongFromObjectOrReply: anything else, not a number included, is answered
    /// with <paramref name="error"/>.
    /// </summary>
    public static bool TryCount(this ClientSession c, int i, out long count, string error = "ERR value is out of range, must be positive")
    {
        if (RespNumber.TryParseInt64(c.Request.Arg(i), out count) && count >= 0) return true;
        c.Reply.Error(error);
        return false;
    }

    /// <summary>Redis's start/end normalization for LRANGE, LTRIM, ZRANGE, GETRANGE: false when the range is empty.</summary>
    public static bool Normalize(long length, ref long start, ref long end)
    {
        if (start < 0) start += length;
        if (end < 0) end += length;
        if (start < 0) start = 0;
        if (start > end || start >= length) return false;
        if (end >= length) end = length - 1;
        return true;
    }

    /// <summary>Writes an array of elements (the common reply of the collection commands).</summary>
    public static void BulkArray(this RespWriter reply, List<byte[]> items)
    {
        reply.ArrayHeader(items.Count);
        foreach (var item in items) reply.Bulk(item);
    }
}
