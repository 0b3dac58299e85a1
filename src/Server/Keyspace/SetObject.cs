using PasteRedis.Resp;

namespace PasteRedis.Server.Keyspace;

/// <summary>A set: members in a <see cref="DenseTable{TValue}"/> (managed memory).</summary>
internal sealed class SetObject(byte[] key) : RedisObject(key)
{
    public readonly DenseTable<bool> Members = new();
    private int _encoding; // 0 intset, 1 listpack, 2 hashtable: Redis converts one way only

    public override RedisType Type => RedisType.Set;
    public int Count => Members.Count;

    public bool Add(ReadOnlySpan<byte> member)
    {
        if (!Members.Set(member, true)) return false;
        if (_encoding == 0 && (Members.Count > 512 || !RespNumber.TryParseInt64(member, out _)))
            _encoding = Members.Count > 128 || member.Length > 64 ? 2 : 1;
        else if (_encoding == 1 && (Members.Count > 128 || member.Length > 64)) _encoding = 2;
        return true;
    }

    public override string Encoding(PasteRedis.Paste.PacketBufferPool? pool) => _encoding switch { 0 => "intset", 1 => "listpack", _ => "hashtable" };

    /// <summary>COPY: the same members and encoding under another key.</summary>
    public override RedisObject CloneAs(byte[] key, PasteRedis.Paste.PacketBufferPool? pool)
    {
        var copy = new SetObject(key) { _encoding = _encoding };
        for (int i = 0; i < Members.Count; i++) copy.Members.Set(Members.KeyAt(i), true);
        return copy;
    }
}
