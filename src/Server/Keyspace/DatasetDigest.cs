using System.Buffers.Binary;
using System.Security.Cryptography;
using PasteRedis.Paste;
using PasteRedis.Resp;

namespace PasteRedis.Server.Keyspace;

/// <summary>
/// Redis's DEBUG DIGEST and DIGEST-VALUE (debug.c): SHA-1 digests of the data that do not
/// depend on how it is stored. "Mixing" bytes into a digest (xor their SHA-1 in, then take
/// the SHA-1 of the result) keeps order: a list's elements, a stream's entries, a key's
/// parts. "Xoring" them in does not: a set's members, a hash's or sorted set's pairs (each
/// pair mixed on its own first), and the keys of a database. Every value starts with its
/// type's number in Redis (string 0, list 1, set 2, zset 3, hash 4, stream 6), scores are
/// written as "%.17g", a stream entry's ID as "ms.seq", and a key with a TTL adds the
/// constant "!!expire!!". Equal digests here and in redis-server mean equal data.
/// </summary>
internal static class DatasetDigest
{
    public const int Size = 20;

    private static void Xor(Span<byte> digest, ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Size];
        SHA1.HashData(data, hash);
        for (int i = 0; i < Size; i++) digest[i] ^= hash[i];
    }

    private static void Mix(Span<byte> digest, ReadOnlySpan<byte> data)
    {
        Xor(digest, data);
        Span<byte> copy = stackalloc byte[Size];
        digest.CopyTo(copy);
        SHA1.HashData(copy, digest);
    }

    private static uint RedisTypeNumber(RedisType type) => type switch
    {
        RedisType.String => 0,
        RedisType.List => 1,
        RedisType.Set => 2,
        RedisType.ZSet => 3,
        RedisType.Hash => 4,
        RedisType.Stream => 6,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>A value's digest mixed into <paramref name="digest"/> (DIGEST-VALUE starts from zeros; DIGEST from the key).</summary>
    public static void AddValue(Span<byte> digest, RedisObject obj, PacketBufferPool? pool)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(number, RedisTypeNumber(obj.Type));
        Mix(digest, number);
        Span<byte> pair = stackalloc byte[Size];
        Span<byte> text = stackalloc byte[64];
        switch (obj)
        {
            case StringObject s:
                Mix(digest, s.Value(pool));
                break;
            case ListObject l:
                for (int i = 0; i < l.Count; i++) Mix(digest, l[i]);
                break;
            case SetObject set:
                for (int i = 0; i < set.Count; i++) Xor(digest, set.Members.KeyAt(i));
                break;
            case ZSetObject z:
                for (var node = z.List.First; node != null; node = node.Next)
                {
                    pair.Clear();
                    Mix(pair, node.Member);
                    Mix(pair, text[..RespNumber.FormatDoubleG17(node.Score, text)]);
                    Xor(digest, pair);
                }
                break;
            case HashObject h:
                for (int i = 0; i < h.Count; i++)
                {
                    pair.Clear();
                    Mix(pair, h.Fields.KeyAt(i));
                    Mix(pair, h.Fields.ValueAt(i));
                    Xor(digest, pair);
                }
                break;
            case StreamObject st:
                for (int i = 0; i < st.Length; i++)
                {
                    var entry = st[i];
                    Mix(digest, System.Text.Encoding.ASCII.GetBytes($"{entry.Id.Ms}.{entry.Id.Seq}"));
                    foreach (var part in entry.FieldsAndValues) Mix(digest, part);
                }
                break;
        }
        if (obj.HasExpiry) Xor(digest, "!!expire!!"u8);
    }

    /// <summary>
    /// The whole dataset's digest: per non-empty database its number (mixed), then every key
    /// there, logically expired ones not yet removed included (as Redis walks its dict),
    /// each as the key mixed with its value's digest, xored in. All zeros when empty.
    /// </summary>
    public static byte[] Dataset(IReadOnlyList<Database> databases, PacketBufferPool? pool)
    {
        var final = new byte[Size];
        Span<byte> number = stackalloc byte[4];
        Span<byte> digest = stackalloc byte[Size];
        for (int j = 0; j < databases.Count; j++)
        {
            var db = databases[j];
            if (db.Count == 0) continue;
            BinaryPrimitives.WriteUInt32BigEndian(number, (uint)j);
            Mix(final, number);
            foreach (var obj in db.Objects)
            {
                digest.Clear();
                Mix(digest, obj.Key);
                AddValue(digest, obj, pool);
                Xor(final, digest);
            }
        }
        return final;
    }
}
