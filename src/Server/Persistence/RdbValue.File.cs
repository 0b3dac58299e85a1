using System.Buffers.Binary;
using System.Text;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Persistence;

/// <summary>
/// A whole RDB file (dump.rdb, a Redis 7 AOF's base file, or the RDB preamble of an AOF)
/// read as the commands that rebuild it, for --aof-import: SELECT, then SET/RPUSH/HSET/
/// SADD/ZADD/XADD… and PEXPIREAT per key, FUNCTION LOAD per library. Keys already expired
/// are left out, as Redis leaves them out when it loads an RDB.
/// </summary>
internal static partial class RdbValue
{
    private const byte OpcodeFunction1 = 246, OpcodeModuleAux = 247, OpcodeIdle = 248, OpcodeFreq = 249, OpcodeAux = 250,
        OpcodeResizeDb = 251, OpcodeExpireTimeMs = 252, OpcodeExpireTime = 253, OpcodeSelectDb = 254, OpcodeEof = 255;

    public static bool IsRdb(ReadOnlySpan<byte> file) => file.Length >= 9 && file.StartsWith("REDIS"u8);

    /// <summary>
    /// The commands (RESP) that rebuild an RDB file's data; <paramref name="length"/> is how
    /// many bytes the RDB took (an AOF's commands may follow its preamble). Throws
    /// <see cref="FormatException"/> with the reason when the file cannot be read.
    /// </summary>
    public static byte[] RdbToCommands(byte[] file, long nowMs, bool verifyChecksum, out int length, out long keys)
    {
        if (!IsRdb(file) || !int.TryParse(Encoding.ASCII.GetString(file, 5, 4), out int version))
            throw new FormatException("not an RDB file (no REDIS magic and version)");
        if (version < 1 || version > MaxVersion)
            throw new FormatException($"RDB version {version}: this server reads versions 1 to {MaxVersion} (Redis 7.2 writes 11)");
        var r = new Reader(file);
        r.Raw(9);
        var output = new MemoryStream();
        var composed = new ComposedCommand();
        var random = new Random();
        long expireAt = RedisObject.NoExpiry;
        keys = 0;
        while (true)
        {
            byte op = r.Byte();
            switch (op)
            {
                case OpcodeEof:
                    if (version >= 5)
                    {
                        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(r.Raw(8));
                        // As Redis: a stored 0 means the writer had rdbchecksum no; with rdbchecksum no here, none is checked.
                        if (verifyChecksum && stored != 0 && stored != Crc64(file.AsSpan(0, r.Position - 8)))
                            throw new FormatException("wrong RDB checksum");
                    }
                    length = r.Position;
                    return output.ToArray();
                case OpcodeAux:
                    r.String();
                    r.String();
                    continue;
                case OpcodeResizeDb:
                    r.Length();
                    r.Length();
                    continue;
                case OpcodeExpireTimeMs:
                    expireAt = BinaryPrimitives.ReadInt64LittleEndian(r.Raw(8));
                    continue;
                case OpcodeExpireTime:
                    expireAt = BinaryPrimitives.ReadInt32LittleEndian(r.Raw(4)) * 1000L;
                    continue;
                case OpcodeIdle:
                    r.Length();
                    continue;
                case OpcodeFreq:
                    r.Byte();
                    continue;
                case OpcodeSelectDb:
                    composed.Clear();
                    composed.Add("SELECT"u8, Encoding.ASCII.GetBytes(r.Length().ToString()));
                    output.Write(composed[0]);
                    continue;
                case OpcodeFunction2:
                    composed.Clear();
                    composed.Add("FUNCTION"u8, "LOAD"u8, "REPLACE"u8, r.String());
                    output.Write(composed[0]);
                    continue;
                case OpcodeFunction1:
                    throw new FormatException("functions in the format of Redis 7.0's release candidates");
                case OpcodeModuleAux:
                    throw new FormatException("module data (modules are not supported)");
            }
            var key = r.String();
            var obj = ReadValue(r, op, key, random, EncodingLimits.Defaults, pool: null);
            obj.ExpireAt = expireAt;
            bool expired = expireAt != RedisObject.NoExpiry && expireAt <= nowMs;
            expireAt = RedisObject.NoExpiry;
            if (expired) continue;
            if (obj is StringObject s)
            {
                composed.Clear();
                if (s.HasExpiry) composed.Add("SET"u8, s.Key, s.Value(null), "PXAT"u8, s.ExpireAt);
                else composed.Add("SET"u8, s.Key, s.Value(null));
            }
            else CollectionRecords.Compose(obj, composed);
            for (int i = 0; i < composed.Count; i++) output.Write(composed[i]);
            keys++;
        }
    }
}

internal static partial class RdbValue
{
    /// <summary>
    /// The keyspace as an RDB file of Redis 7.0's version (10): aux fields, function
    /// libraries, then each database's keys with their expiry times; the values in the plain
    /// encodings DUMP writes (any Redis since 2.x loads them); keys already expired left out.
    /// </summary>
    public static byte[] Snapshot(RedisServer server, long nowMs)
    {
        var w = new RdbOutput(server.Config.RdbCompression);
        w.Write("REDIS0010"u8);
        void Aux(string name, string value)
        {
            w.WriteByte(OpcodeAux);
            WriteString(w, Encoding.ASCII.GetBytes(name));
            WriteString(w, Encoding.UTF8.GetBytes(value));
        }
        Aux("redis-ver", RedisServer.Version);
        Aux("redis-bits", "64");
        Aux("ctime", (nowMs / 1000).ToString());
        Aux("used-mem", GC.GetTotalMemory(false).ToString());
        Aux("aof-base", "0");
        foreach (var library in server.ScriptsIfStarted?.Libraries ?? [])
        {
            w.WriteByte(OpcodeFunction2);
            WriteString(w, library.Code);
        }
        Span<byte> ms = stackalloc byte[8];
        foreach (var db in server.Databases)
        {
            if (db.Count == 0) continue;
            w.WriteByte(OpcodeSelectDb);
            WriteLength(w, db.Id);
            w.WriteByte(OpcodeResizeDb);
            WriteLength(w, db.Count);
            WriteLength(w, db.Objects.Count(o => o.HasExpiry));
            foreach (var obj in db.Objects)
            {
                if (obj.HasExpiry)
                {
                    if (obj.ExpireAt <= nowMs) continue;
                    w.WriteByte(OpcodeExpireTimeMs);
                    BinaryPrimitives.WriteInt64LittleEndian(ms, obj.ExpireAt);
                    w.Write(ms);
                }
                WriteObject(w, obj, server.Pool, obj.Key);
            }
        }
        w.WriteByte(OpcodeEof);
        // rdbchecksum no writes 0 there, as Redis does (its loaders then check nothing).
        ulong checksum = server.Config.RdbChecksum ? Crc64(w.GetBuffer().AsSpan(0, (int)w.Length)) : 0;
        BinaryPrimitives.WriteUInt64LittleEndian(ms, checksum);
        w.Write(ms);
        return w.ToArray();
    }
}
