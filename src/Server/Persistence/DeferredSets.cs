using System.Buffers;
using PasteRedis.Paste;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Persistence;

/// <summary>
/// Replay's short way for the commonest record, a plain `SET key value` (exactly three
/// arguments, as clients and the rewrite's base records of strings without a TTL send it):
/// recognised from its RESP text, its key and value found where they lie in the packet
/// buffers, and indexed in the database (<see cref="Database.TryDefer"/>) instead of
/// executed. Anything else, or a SET whose key already has an object, is replayed as a
/// command, which builds the objects of the deferred keys it touches first, so the order
/// of the log is kept.
/// </summary>
internal static class DeferredSets
{
    public static bool TryDefer(RedisServer server, PacketBufferPool pool, int db, in ReadOnlySequence<byte> command, int capacity)
    {
        var span = command.FirstSpan;
        // *3\r\n$3\r\nSET\r\n$<key length>\r\n<key>\r\n$<value length>\r\n<value>\r\n
        if (span.Length < 18 || !span.StartsWith("*3\r\n$3\r\n"u8) || (span[8] | 0x20) != 's' || (span[9] | 0x20) != 'e' ||
            (span[10] | 0x20) != 't' || !span[11..].StartsWith("\r\n$"u8)) return false;
        int at = 14;
        if (!TryLength(span, ref at, out int keyLength) || keyLength == 0) return false;
        int keyStart = at;
        at += keyLength;
        if (at + 3 > span.Length || span[at] != '\r' || span[at + 1] != '\n' || span[at + 2] != '$') return false;
        at += 3;
        if (!TryLength(span, ref at, out int valueLength) || valueLength == 0) return false;
        int valueStart = at;
        if (command.Length != (long)valueStart + valueLength + 2) return false;
        if (!pool.TryGetExtent(command.First.Slice(keyStart, keyLength), out var key)) return false;
        PbufExtent first = default, second = default;
        int count = 0;
        foreach (var segment in command.Slice(valueStart, valueLength))
        {
            if (segment.Length == 0) continue;
            if (count == 2 || !pool.TryGetExtent(segment, out var e)) return false;
            if (count++ == 0) first = e;
            else second = e;
        }
        return server.Databases[db].TryDefer(pool, key, new DeferredStrings.Value(first, second, valueLength), capacity);
    }

    /// <summary>A RESP length (digits, then CRLF) at <paramref name="at"/>, within the span.</summary>
    private static bool TryLength(ReadOnlySpan<byte> span, ref int at, out int length)
    {
        length = 0;
        int digits = 0;
        while (at < span.Length && span[at] is >= (byte)'0' and <= (byte)'9')
        {
            if (++digits > 9) return false;
            length = length * 10 + (span[at++] - '0');
        }
        if (digits == 0 || at + 2 > span.Length || span[at] != '\r' || span[at + 1] != '\n') return false;
        at += 2;
        return true;
    }
}
