using System.Buffers.Binary;
using System.Globalization;
using PasteRedis.Paste;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Persistence;

/// <summary>
/// DUMP/RESTORE payloads in Redis's RDB value format (rdb.c): a type byte, the value, the
/// RDB version (2 bytes) and a CRC-64 (Jones) over both. Writing uses the plain encodings
/// every Redis since 2.x loads (string, list, set, sorted set with binary scores, hash);
/// reading also takes what Redis 6 and 7 write: integer and LZF strings, intsets,
/// ziplists, listpacks and quicklists. Streams travel as Redis 7.0 writes them
/// (RDB_TYPE_STREAM_LISTPACKS_2: listpack nodes, counters, consumer groups with their
/// pending entries and consumers); Redis 5–6.2's form is read too.
/// </summary>
internal static partial class RdbValue
{
    public const int Version = 10; // Redis 7.0's; 7.0 refuses newer payloads, 7.2 takes it
    private const int MaxVersion = 11;

    private const byte TypeString = 0, TypeList = 1, TypeSet = 2, TypeZSet = 3, TypeHash = 4, TypeZSet2 = 5;
    private const byte TypeHashZipmap = 9, TypeListZiplist = 10, TypeSetIntset = 11, TypeZSetZiplist = 12, TypeHashZiplist = 13;
    private const byte TypeListQuicklist = 14, TypeStreamListpacks = 15, TypeHashListpack = 16, TypeZSetListpack = 17, TypeListQuicklist2 = 18,
        TypeStreamListpacks2 = 19, TypeSetListpack = 20;

    public sealed class FormatException(string message) : Exception(message);

    // ---- DUMP ----

    /// <summary>The DUMP payload of <paramref name="obj"/>.</summary>
    public static byte[] Dump(RedisObject obj, PacketBufferPool? pool, bool compress)
    {
        var w = new RdbOutput(compress);
        WriteObject(w, obj, pool, key: null);
        return WithFooter(w);
    }

    /// <summary>A payload's end (DUMP, FUNCTION DUMP): the RDB version, then the CRC-64 of all before it.</summary>
    private static byte[] WithFooter(MemoryStream w)
    {
        Span<byte> footer = stackalloc byte[10];
        BinaryPrimitives.WriteUInt16LittleEndian(footer, Version);
        w.Write(footer[..2]);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[2..], Crc64(w.GetBuffer().AsSpan(0, (int)w.Length)));
        w.Write(footer[2..]);
        return w.ToArray();
    }

    /// <summary>The type byte, the key when given (an RDB file's entry), then the value.</summary>
    private static void WriteObject(Stream w, RedisObject obj, PacketBufferPool? pool, byte[]? key)
    {
        void Type(byte type)
        {
            w.WriteByte(type);
            if (key != null) WriteString(w, key);
        }
        switch (obj)
        {
            case StringObject s:
                Type(TypeString);
                WriteString(w, s.Value(pool));
                break;
            case ListObject l:
                Type(TypeList);
                WriteLength(w, l.Count);
                for (int i = 0; i < l.Count; i++) WriteString(w, l[i]);
                break;
            case SetObject set:
                Type(TypeSet);
                WriteLength(w, set.Count);
                for (int i = 0; i < set.Count; i++) WriteString(w, set.Members.KeyAt(i));
                break;
            case ZSetObject z:
                Type(TypeZSet2);
                WriteLength(w, z.Count);
                Span<byte> score = stackalloc byte[8];
                for (var node = z.List.Last; node != null; node = node.Backward) // as Redis: highest first
                {
                    WriteString(w, node.Member);
                    BinaryPrimitives.WriteDoubleLittleEndian(score, node.Score);
                    w.Write(score);
                }
                break;
            case HashObject h:
                Type(TypeHash);
                WriteLength(w, h.Count);
                for (int i = 0; i < h.Count; i++)
                {
                    WriteString(w, h.Fields.KeyAt(i));
                    WriteString(w, h.Fields.ValueAt(i));
                }
                break;
            case StreamObject st:
                Type(TypeStreamListpacks2);
                WriteStream(w, st);
                break;
            default:
                throw new ArgumentException("no RDB form for " + obj.Type, nameof(obj));
        }
    }

    private static void WriteLength(Stream w, long len) => WriteLength(w, (ulong)len);

    /// <summary>An RDB length: 6, 14, 32 or 64 bits (a stream ID's half, or a read counter of -1 as Redis's uint64).</summary>
    private static void WriteLength(Stream w, ulong len)
    {
        if (len < 1 << 6) w.WriteByte((byte)len);
        else if (len < 1 << 14)
        {
            w.WriteByte((byte)(0x40 | (len >> 8)));
            w.WriteByte((byte)len);
        }
        else if (len <= uint.MaxValue)
        {
            w.WriteByte(0x80);
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, (uint)len);
            w.Write(b);
        }
        else
        {
            w.WriteByte(0x81);
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(b, len);
            w.Write(b);
        }
    }

    private static void WriteString(Stream w, ReadOnlySpan<byte> s)
    {
        if (TryWriteCompressed(w, s)) return;
        WriteLength(w, s.Length);
        w.Write(s);
    }

    // ---- RESTORE ----

    /// <summary>Redis's verifyDumpPayload: at least a footer, a known RDB version, a matching CRC-64.</summary>
    public static bool Verify(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 10) return false;
        int version = BinaryPrimitives.ReadUInt16LittleEndian(payload[^10..]);
        if (version > MaxVersion) return false;
        return Crc64(payload[..^8]) == BinaryPrimitives.ReadUInt64LittleEndian(payload[^8..]);
    }

    /// <summary>The value in a verified payload, under <paramref name="key"/>. Throws <see cref="FormatException"/> on bad data.</summary>
    public static RedisObject Load(ReadOnlySpan<byte> payload, byte[] key, Random random, EncodingLimits limits, PacketBufferPool? pool)
    {
        var r = new Reader(payload[..^10].ToArray());
        var result = ReadValue(r, r.Byte(), key, random, limits, pool);
        if (!r.AtEnd) throw new FormatException("trailing bytes");
        return result;
    }

    /// <summary>One value of RDB type <paramref name="type"/> (a DUMP payload's, or an RDB file's after its key).</summary>
    private static RedisObject ReadValue(Reader r, byte type, byte[] key, Random random, EncodingLimits limits, PacketBufferPool? pool)
    {
        RedisObject result;
        switch (type)
        {
            case TypeString:
            {
                var s = new StringObject(key);
                s.SetBytes(pool, r.String());
                result = s;
                break;
            }
            case TypeList:
            {
                var l = new ListObject(key);
                for (long n = r.Length(); n > 0; n--) l.PushRight(r.String());
                result = l;
                break;
            }
            case TypeListZiplist:
            {
                var l = new ListObject(key);
                foreach (var e in Ziplist(r.String())) l.PushRight(e);
                result = l;
                break;
            }
            case TypeListQuicklist:
            case TypeListQuicklist2:
            {
                var l = new ListObject(key);
                for (long nodes = r.Length(); nodes > 0; nodes--)
                {
                    long container = type == TypeListQuicklist2 ? r.Length() : 2;
                    var blob = r.String();
                    if (container == 1) l.PushRight(blob); // a plain node: one large element
                    else if (container == 2)
                        foreach (var e in type == TypeListQuicklist ? Ziplist(blob) : Listpack(blob)) l.PushRight(e);
                    else throw new FormatException("quicklist container");
                }
                result = l;
                break;
            }
            case TypeSet:
            {
                var set = new SetObject(key, limits);
                for (long n = r.Length(); n > 0; n--) set.Add(r.String());
                result = set;
                break;
            }
            case TypeSetIntset:
            {
                var set = new SetObject(key, limits);
                foreach (var e in Intset(r.String())) set.Add(e);
                result = set;
                break;
            }
            case TypeSetListpack:
            {
                var set = new SetObject(key, limits);
                foreach (var e in Listpack(r.String())) set.Add(e);
                result = set;
                break;
            }
            case TypeZSet:
            case TypeZSet2:
            {
                var z = new ZSetObject(key, random, limits);
                for (long n = r.Length(); n > 0; n--)
                {
                    var member = r.String();
                    double score = type == TypeZSet2 ? r.BinaryDouble() : r.TextDouble();
                    if (double.IsNaN(score)) throw new FormatException("NaN score");
                    z.Set(member, score);
                }
                result = z;
                break;
            }
            case TypeZSetZiplist:
            case TypeZSetListpack:
            {
                var z = new ZSetObject(key, random, limits);
                var items = type == TypeZSetZiplist ? Ziplist(r.String()) : Listpack(r.String());
                if (items.Count % 2 != 0) throw new FormatException("sorted set pairs");
                for (int i = 0; i < items.Count; i += 2)
                {
                    if (!PasteRedis.Resp.RespNumber.TryParseDouble(items[i + 1], out double score) || double.IsNaN(score))
                        throw new FormatException("sorted set score");
                    z.Set(items[i], score);
                }
                result = z;
                break;
            }
            case TypeHash:
            {
                var h = new HashObject(key, limits);
                for (long n = r.Length(); n > 0; n--)
                {
                    var field = r.String();
                    h.Set(field, r.String());
                }
                result = h;
                break;
            }
            case TypeHashZiplist:
            case TypeHashListpack:
            {
                var h = new HashObject(key, limits);
                var items = type == TypeHashZiplist ? Ziplist(r.String()) : Listpack(r.String());
                if (items.Count % 2 != 0) throw new FormatException("hash pairs");
                for (int i = 0; i < items.Count; i += 2) h.Set(items[i], items[i + 1]);
                result = h;
                break;
            }
            case TypeStreamListpacks:
            case TypeStreamListpacks2:
                result = ReadStream(r, key, type == TypeStreamListpacks2);
                break;
            case TypeHashZipmap:
                throw new FormatException("zipmap");
            default:
                throw new FormatException("type " + type);
        }
        if (result is ListObject { Count: 0 } or SetObject { Count: 0 } or ZSetObject { Count: 0 } or HashObject { Count: 0 })
            throw new FormatException("empty collection");
        return result;
    }

    private sealed class Reader(byte[] data)
    {
        /// <summary>Bytes as they lie (stream IDs, millisecond times).</summary>
        public ReadOnlySpan<byte> Raw(int n) => Take(n);

        /// <summary>A full 64-bit length (stream IDs and counters).</summary>
        public ulong ULength()
        {
            byte b = Byte();
            switch (b >> 6)
            {
                case 0: return (ulong)(b & 0x3F);
                case 1: return (ulong)((b & 0x3F) << 8 | Byte());
                default:
                    if (b == 0x80) return BinaryPrimitives.ReadUInt32BigEndian(Take(4));
                    if (b == 0x81) return BinaryPrimitives.ReadUInt64BigEndian(Take(8));
                    throw new FormatException("length encoding");
            }
        }

        private int _at;
        public bool AtEnd => _at == data.Length;
        public int Position => _at;

        public byte Byte() => _at < data.Length ? data[_at++] : throw new FormatException("truncated");

        private ReadOnlySpan<byte> Take(long n)
        {
            if (n < 0 || n > data.Length - _at) throw new FormatException("truncated");
            var s = data.AsSpan(_at, (int)n);
            _at += (int)n;
            return s;
        }

        /// <summary>A length, or (encoded) the special-encoding id with <paramref name="encoded"/> set.</summary>
        public long Length(out bool encoded)
        {
            encoded = false;
            byte b = Byte();
            switch (b >> 6)
            {
                case 0: return b & 0x3F;
                case 1: return (b & 0x3F) << 8 | Byte();
                case 2:
                    if (b == 0x80) return BinaryPrimitives.ReadUInt32BigEndian(Take(4));
                    if (b == 0x81)
                    {
                        ulong v = BinaryPrimitives.ReadUInt64BigEndian(Take(8));
                        return v > int.MaxValue ? throw new FormatException("length") : (long)v;
                    }
                    throw new FormatException("length encoding");
                default:
                    encoded = true;
                    return b & 0x3F;
            }
        }

        public long Length()
        {
            long n = Length(out bool encoded);
            return encoded ? throw new FormatException("length expected") : n;
        }

        public byte[] String()
        {
            long n = Length(out bool encoded);
            if (!encoded) return Take(n).ToArray();
            switch (n)
            {
                case 0: return Ascii((sbyte)Byte());
                case 1: return Ascii(BinaryPrimitives.ReadInt16LittleEndian(Take(2)));
                case 2: return Ascii(BinaryPrimitives.ReadInt32LittleEndian(Take(4)));
                case 3:
                {
                    long compressed = Length(), length = Length();
                    if (length > 512L * 1024 * 1024) throw new FormatException("LZF length");
                    return Lzf(Take(compressed), (int)length);
                }
                default: throw new FormatException("string encoding");
            }
        }

        public double BinaryDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

        public double TextDouble()
        {
            byte len = Byte();
            return len switch
            {
                253 => double.NaN,
                254 => double.PositiveInfinity,
                255 => double.NegativeInfinity,
                _ => PasteRedis.Resp.RespNumber.TryParseDouble(Take(len), out double d) ? d : throw new FormatException("score"),
            };
        }
    }

    private static byte[] Ascii(long v) => System.Text.Encoding.ASCII.GetBytes(v.ToString(CultureInfo.InvariantCulture));

    /// <summary>LZF decompression (liblzf's lzf_decompress): literal runs and back references.</summary>
    private static byte[] Lzf(ReadOnlySpan<byte> input, int length)
    {
        var output = new byte[length];
        int ip = 0, op = 0;
        while (ip < input.Length)
        {
            int ctrl = input[ip++];
            if (ctrl < 32)
            {
                int run = ctrl + 1;
                if (op + run > length || ip + run > input.Length) throw new FormatException("LZF literal");
                input.Slice(ip, run).CopyTo(output.AsSpan(op));
                ip += run;
                op += run;
                continue;
            }
            int len = ctrl >> 5;
            if (len == 7)
            {
                if (ip >= input.Length) throw new FormatException("LZF length");
                len += input[ip++];
            }
            if (ip >= input.Length) throw new FormatException("LZF reference");
            int reference = op - ((ctrl & 0x1F) << 8) - 1 - input[ip++];
            len += 2;
            if (reference < 0 || op + len > length) throw new FormatException("LZF reference");
            for (int i = 0; i < len; i++) output[op++] = output[reference++]; // may overlap: byte by byte
        }
        if (op != length) throw new FormatException("LZF length");
        return output;
    }

    private static List<byte[]> Intset(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 8) throw new FormatException("intset");
        int width = (int)BinaryPrimitives.ReadUInt32LittleEndian(blob);
        long count = BinaryPrimitives.ReadUInt32LittleEndian(blob[4..]);
        if (width is not (2 or 4 or 8) || 8 + count * width != blob.Length) throw new FormatException("intset");
        var result = new List<byte[]>((int)count);
        for (int i = 0; i < count; i++)
        {
            var e = blob.Slice(8 + i * width, width);
            long v = width == 2 ? BinaryPrimitives.ReadInt16LittleEndian(e) : width == 4 ? BinaryPrimitives.ReadInt32LittleEndian(e) : BinaryPrimitives.ReadInt64LittleEndian(e);
            result.Add(Ascii(v));
        }
        return result;
    }

    /// <summary>The entries of a listpack (Redis 7's compact encoding).</summary>
    private static List<byte[]> Listpack(ReadOnlySpan<byte> lp)
    {
        if (lp.Length < 7 || BinaryPrimitives.ReadUInt32LittleEndian(lp) != lp.Length) throw new FormatException("listpack header");
        var result = new List<byte[]>();
        int p = 6;
        while (true)
        {
            if (p >= lp.Length) throw new FormatException("listpack end");
            byte b = lp[p];
            if (b == 0xFF) break;
            int start = p;
            byte[] value;
            if ((b & 0x80) == 0) { value = Ascii(b & 0x7F); p += 1; }
            else if ((b & 0xC0) == 0x80) { int n = b & 0x3F; value = Slice(lp, p + 1, n); p += 1 + n; }
            else if ((b & 0xE0) == 0xC0) { value = Ascii(SignExtend(((b & 0x1F) << 8) | At(lp, p + 1), 13)); p += 2; }
            else if ((b & 0xF0) == 0xE0) { int n = ((b & 0x0F) << 8) | At(lp, p + 1); value = Slice(lp, p + 2, n); p += 2 + n; }
            else if (b == 0xF0) { int n = (int)BinaryPrimitives.ReadUInt32LittleEndian(Slice(lp, p + 1, 4)); value = Slice(lp, p + 5, n); p += 5 + n; }
            else if (b == 0xF1) { value = Ascii(BinaryPrimitives.ReadInt16LittleEndian(Slice(lp, p + 1, 2))); p += 3; }
            else if (b == 0xF2) { var t = Slice(lp, p + 1, 3); value = Ascii(SignExtend(t[0] | t[1] << 8 | t[2] << 16, 24)); p += 4; }
            else if (b == 0xF3) { value = Ascii(BinaryPrimitives.ReadInt32LittleEndian(Slice(lp, p + 1, 4))); p += 5; }
            else if (b == 0xF4) { value = Ascii(BinaryPrimitives.ReadInt64LittleEndian(Slice(lp, p + 1, 8))); p += 9; }
            else throw new FormatException("listpack encoding");
            int entry = p - start;
            p += entry < 128 ? 1 : entry < 16384 ? 2 : entry < 2097152 ? 3 : entry < 268435456 ? 4 : 5; // the back-length
            result.Add(value);
        }
        if (BinaryPrimitives.ReadUInt16LittleEndian(lp[4..]) is var count && count != 65535 && count != result.Count) throw new FormatException("listpack count");
        return result;
    }

    /// <summary>The entries of a ziplist (Redis up to 6.2).</summary>
    private static List<byte[]> Ziplist(ReadOnlySpan<byte> zl)
    {
        if (zl.Length < 11 || BinaryPrimitives.ReadUInt32LittleEndian(zl) != zl.Length) throw new FormatException("ziplist header");
        var result = new List<byte[]>();
        int p = 10;
        while (true)
        {
            if (p >= zl.Length) throw new FormatException("ziplist end");
            if (zl[p] == 0xFF) break;
            p += zl[p] == 0xFE ? 5 : 1; // previous entry's length
            byte b = At(zl, p);
            byte[] value;
            switch (b >> 6)
            {
                case 0: { int n = b & 0x3F; value = Slice(zl, p + 1, n); p += 1 + n; break; }
                case 1: { int n = (b & 0x3F) << 8 | At(zl, p + 1); value = Slice(zl, p + 2, n); p += 2 + n; break; }
                case 2: { int n = (int)BinaryPrimitives.ReadUInt32BigEndian(Slice(zl, p + 1, 4)); value = Slice(zl, p + 5, n); p += 5 + n; break; }
                default:
                    switch (b)
                    {
                        case 0xC0: value = Ascii(BinaryPrimitives.ReadInt16LittleEndian(Slice(zl, p + 1, 2))); p += 3; break;
                        case 0xD0: value = Ascii(BinaryPrimitives.ReadInt32LittleEndian(Slice(zl, p + 1, 4))); p += 5; break;
                        case 0xE0: value = Ascii(BinaryPrimitives.ReadInt64LittleEndian(Slice(zl, p + 1, 8))); p += 9; break;
                        case 0xF0: { var t = Slice(zl, p + 1, 3); value = Ascii(SignExtend(t[0] | t[1] << 8 | t[2] << 16, 24)); p += 4; break; }
                        case 0xFE: value = Ascii((sbyte)At(zl, p + 1)); p += 2; break;
                        default:
                            if (b >= 0xF1 && b <= 0xFD) { value = Ascii((b & 0x0F) - 1); p += 1; break; }
                            throw new FormatException("ziplist encoding");
                    }
                    break;
            }
            result.Add(value);
        }
        return result;
    }

    private static byte At(ReadOnlySpan<byte> s, int i) => i < s.Length ? s[i] : throw new FormatException("truncated");

    private static byte[] Slice(ReadOnlySpan<byte> s, int at, int n) =>
        n >= 0 && at >= 0 && at <= s.Length - n ? s.Slice(at, n).ToArray() : throw new FormatException("truncated");

    private static long SignExtend(long v, int bits) => (v & (1L << (bits - 1))) != 0 ? v - (1L << bits) : v;

    // ---- CRC-64 (Jones, reflected, as Redis's crc64.c) ----

    private static readonly ulong[] CrcTable = BuildCrcTable();

    private static ulong[] BuildCrcTable()
    {
        const ulong poly = 0x95AC9329AC4BC9B5UL; // 0xad93d23594c935a9 reflected
        var table = new ulong[256];
        for (ulong i = 0; i < 256; i++)
        {
            ulong crc = i;
            for (int j = 0; j < 8; j++) crc = (crc & 1) != 0 ? (crc >> 1) ^ poly : crc >> 1;
            table[i] = crc;
        }
        return table;
    }

    public static ulong Crc64(ReadOnlySpan<byte> data)
    {
        ulong crc = 0;
        foreach (byte b in data) crc = CrcTable[(byte)(crc ^ b)] ^ (crc >> 8);
        return crc;
    }
}
