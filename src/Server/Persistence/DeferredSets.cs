using System.Runtime.CompilerServices;
using System.Buffers;
using PasteRedis.Paste;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Persistence;

/// <summary>
/// Replay's short way for the commonest record, a plain `SET key value` (exactly three
/// arguments, as clients and the rewrite's base records of strings without a TTL send it):
/// recognised from its RESP text on the validating thread (<see cref="TryInspect"/>), its
/// key and value found where they lie in the packet buffers, and indexed by the loader in
/// the database (<see cref="Database.Defer"/>) instead of executed. Anything else, or a
/// SET whose key already has an object, is replayed as a command (after the SETs queued
/// before it), which builds the objects of the deferred keys it touches first, so the
/// order of the log is kept.
/// </summary>
internal sealed class DeferredSets(RedisServer server, PacketBufferPool pool, int capacity)
{
    // Recognised SETs wait here a few records before they are indexed: when one is queued its
    // table slot is asked for, halfway through the key of the entry in that slot, so that the
    // indexing finds both in the cache (two dependent misses per record were most of a load).
    private record struct Queued(int Db, Note Note);

    private const int Depth = 8, Halfway = 4;
    private readonly Queued[] _ring = new Queued[Depth];
    private int _oldest, _count;

    /// <summary>A SET the validating thread recognised: where its key and value lie, and its key's hash.</summary>
    public readonly record struct Note(int Hash, PbufExtent Key, DeferredStrings.Value Value);

    /// <summary>
    /// On the validating thread (<see cref="PasteRedis.Aof.AppendOnlyLog.RecordInspector{TNote}"/>),
    /// while the record's bytes are in its cache: is this a SET that can be deferred? Reads
    /// only (the packet buffers and the pool's layout), so it may run ahead of the loader.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryInspect(int db, in ReadOnlySequence<byte> command, out Note note)
    {
        note = default;
        if (!TryParse(command, out var key, out var value)) return false;
        note = new Note(DeferredStrings.Hash(pool.Read(key)), key, value);
        return true;
    }

    /// <summary>
    /// On the loader: takes a noted SET unless its key already has an object; false then, and
    /// the caller must <see cref="Flush"/> and replay it as a command.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryQueue(int db, in Note note)
    {
        var database = server.Databases[db];
        if (database.HoldsObject(pool.Read(note.Key))) return false;
        database.PrefetchDeferred(note.Hash);
        if (_count == Depth) IndexOldest();
        _ring[(_oldest + _count++) % Depth] = new Queued(db, note);
        if (_count > Halfway)
        {
            ref var mid = ref _ring[(_oldest + _count - 1 - Halfway) % Depth];
            server.Databases[mid.Db].PrefetchDeferredOccupant(mid.Note.Hash);
        }
        return true;
    }

    /// <summary>Indexes every queued SET, in order: before any other record is replayed, and at the end.</summary>
    public void Flush()
    {
        while (_count > 0) IndexOldest();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void IndexOldest()
    {
        ref var q = ref _ring[_oldest];
        server.Databases[q.Db].Defer(pool, q.Note.Key, q.Note.Hash, q.Note.Value, capacity);
        _oldest = (_oldest + 1) % Depth;
        _count--;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryParse(in ReadOnlySequence<byte> command, out PbufExtent key, out DeferredStrings.Value value)
    {
        key = default;
        value = default;
        var span = command.FirstSpan;
        // Matched on its text rather than parsed by RespReader as the replay session parses
        // every other command: handing the session's parsed request here instead cost 0.35 s
        // more per 1 M records (load 1.18-1.29 s against 0.82-0.87 s, alternated restarts).
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
        if (!pool.TryGetExtent(command.First.Slice(keyStart, keyLength), out key)) return false;
        PbufExtent first = default, second = default;
        int count = 0;
        foreach (var segment in command.Slice(valueStart, valueLength))
        {
            if (segment.Length == 0) continue;
            if (count == 2 || !pool.TryGetExtent(segment, out var e)) return false;
            if (count++ == 0) first = e;
            else second = e;
        }
        value = new DeferredStrings.Value(first, second);
        return true;
    }

    /// <summary>A RESP length (digits, then CRLF) at <paramref name="at"/>, within the span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
