using PasteRedis.Resp;

namespace PasteRedis.Server.Keyspace;

/// <summary>A set: members in a <see cref="DenseTable{TValue}"/> (managed memory).</summary>
internal sealed class SetObject(byte[] key, EncodingLimits limits) : RedisObject(key)
{
    public readonly DenseTable<bool> Members = new();
    private bool _hashtable; // Redis 7.0: an intset until a member is not an integer or there are more than 512, then a hashtable for good
    private readonly EncodingLimits _limits = limits;
    private int IntsetMaxEntries => _limits.SetIntsetEntries; // set-max-intset-entries

    public override RedisType Type => RedisType.Set;
    public int Count => Members.Count;

    public bool Add(ReadOnlySpan<byte> member)
    {
        if (!Members.Set(member, true)) return false;
        if (!_hashtable && (Members.Count > IntsetMaxEntries || !RespNumber.TryParseInt64(member, out _))) _hashtable = true;
        return true;
    }

    public override string Encoding(PasteRedis.Paste.PacketBufferPool? pool) => _hashtable ? "hashtable" : "intset";

    /// <summary>Converted to a hashtable (it never goes back, even when it shrinks).</summary>
    public bool IsHashtable => _hashtable;

    /// <summary>Small integers only: rebuilt member by member, it would be an intset.</summary>
    public bool FitsIntset
    {
        get
        {
            if (Members.Count > IntsetMaxEntries) return false;
            for (int i = 0; i < Members.Count; i++)
                if (!RespNumber.TryParseInt64(Members.KeyAt(i), out _)) return false;
            return true;
        }
    }

    /// <summary>COPY: the same members and encoding under another key.</summary>
    public override RedisObject CloneAs(byte[] key, PasteRedis.Paste.PacketBufferPool? pool)
    {
        var copy = new SetObject(key, _limits) { _hashtable = _hashtable };
        for (int i = 0; i < Members.Count; i++) copy.Members.Set(Members.KeyAt(i), true);
        return copy;
    }
}
