using System.Buffers;
using System.Buffers.Binary;
using PasteRedis.Paste;

namespace PasteRedis.Aof;

public enum AofMode
{
    /// <summary>Records reference the command bytes where they arrived (PASTE).</summary>
    Reference,
    /// <summary>The baseline: command bytes are copied into log-owned buffers first.</summary>
    Copy,
}

/// <summary>Raised when a log file cannot be used; the message names the file and the problem.</summary>
public sealed class AofFormatException(string message) : Exception(message);

/// <summary>
/// The append-only file: a file of small records (mapped like the packet-buffer region)
/// that reference command bytes in the packet buffers. Appending writes the record and
/// queues the cache lines to flush (record and referenced bytes); <see cref="Commit"/>
/// flushes them and issues the one fence of the batch, or <see cref="DetachPending"/> hands
/// them to one committer outside the lock (group commit across connections). Each record
/// holds a reference on every packet buffer it points into, so those bytes stay until the
/// log lets go of them. Not thread-safe: the server appends under its execution lock, and
/// only the detached queue is touched outside it, by one committer at a time.
/// </summary>
public sealed partial class AppendOnlyLog : IDisposable
{
    public const int SuperblockSize = 64;
    private const ulong SuperMagic = 0x464F415445534150; // "PASTEAOF"
    private const uint Version = 1;

    private readonly NvmmRegion _log;
    private readonly PacketBufferPool _pool;
    private readonly FreshBuffers _fresh;
    private readonly List<PbufExtent> _extents = new(8);
    private PendingFlushes _pending = new(), _detached = new();
    private long _tail = SuperblockSize;
    private ulong _nextSequence = 1;
    private uint _generation;

    private AppendOnlyLog(NvmmRegion log, PacketBufferPool pool, FreshBuffers fresh, AofMode mode)
    {
        _log = log;
        _pool = pool;
        _fresh = fresh;
        Mode = mode;
    }

    public string Path => _log.Path;
    public AofMode Mode { get; }
    public NvmmRegion Region => _log;

    /// <summary>Bytes of records in the log (aof_current_size).</summary>
    public long Size => _tail;
    public long Records => (long)(_nextSequence - 1);
    public long Capacity => _log.Length;
    public bool HasPending => _pending.Count > 0;

    /// <summary>
    /// Opens the log at <paramref name="path"/>, creating it (with a fresh superblock) when
    /// missing or empty. A superblock that is not ours, or that describes a different
    /// packet-buffer layout, is refused with <see cref="AofFormatException"/>.
    /// </summary>
    public static AppendOnlyLog Open(string path, long size, PacketBufferPool pool, FreshBuffers fresh, AofMode mode,
        GranularityRequest granularity, bool allowLibPmem2)
    {
        bool existed = File.Exists(path) && new FileInfo(path).Length > 0;
        var region = NvmmRegion.Open(path, Math.Max(size, existed ? new FileInfo(path).Length : 0), granularity, allowLibPmem2, out _);
        var log = new AppendOnlyLog(region, pool, fresh, mode);
        try
        {
            var super = region.Span(0, SuperblockSize);
            if (!existed || BinaryPrimitives.ReadUInt64LittleEndian(super) == 0) log.WriteSuperblock(generation: 0);
            else log.ValidateSuperblock(super);
        }
        catch
        {
            region.Dispose();
            throw;
        }
        return log;
    }

    private void WriteSuperblock(uint generation)
    {
        var super = _log.Span(0, SuperblockSize);
        super.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(super, SuperMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(super[8..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(super[12..], (uint)_pool.BufferSize);
        BinaryPrimitives.WriteUInt64LittleEndian(super[16..], (ulong)_pool.Region.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(super[24..], generation);
        BinaryPrimitives.WriteUInt32LittleEndian(super[28..], Crc32C.Finish(Crc32C.Append(Crc32C.Seed, super[..28])));
        _log.Persist(0, SuperblockSize);
        _generation = generation;
    }

    private void ValidateSuperblock(ReadOnlySpan<byte> super)
    {
        if (BinaryPrimitives.ReadUInt64LittleEndian(super) != SuperMagic)
            throw new AofFormatException($"{Path}: not a PasteRedis append-only file (bad magic); refusing to start. Move it away to start empty.");
        if (BinaryPrimitives.ReadUInt32LittleEndian(super[28..]) != Crc32C.Finish(Crc32C.Append(Crc32C.Seed, super[..28])))
            throw new AofFormatException($"{Path}: the header checksum does not match (damaged header); refusing to start.");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(super[8..]);
        if (version != Version)
            throw new AofFormatException($"{Path}: written by log format version {version}, this server reads version {Version}; refusing to start.");
        uint pbufSize = BinaryPrimitives.ReadUInt32LittleEndian(super[12..]);
        ulong regionLength = BinaryPrimitives.ReadUInt64LittleEndian(super[16..]);
        if (pbufSize != _pool.BufferSize || regionLength != (ulong)_pool.Region.Length)
            throw new AofFormatException($"{Path}: written for {regionLength} bytes of {pbufSize}-byte packet buffers, but the server is " +
                $"configured for {_pool.Region.Length} bytes of {_pool.BufferSize}-byte buffers (pbuf-memory, pbuf-size); refusing to start.");
        _generation = BinaryPrimitives.ReadUInt32LittleEndian(super[24..]);
    }

    /// <summary>
    /// Appends the command as received. In reference mode the record points at the
    /// received bytes; bytes that are not in packet buffers (and copy mode) are copied into
    /// log-owned buffers first. Returns false, having changed nothing, when there is no room.
    /// </summary>
    public bool TryAppend(int db, in ReadOnlySequence<byte> command, RecordFlags flags = RecordFlags.None)
    {
        _extents.Clear();
        if (Mode == AofMode.Reference && TryReference(command)) return TryWriteRecord(db, flags);
        _extents.Clear();
        // Reference mode copies only a frame not wholly in packet buffers; what of it is in
        // them is flushed too, so that every received byte a stored value may point at is
        // durable once its write is (a compaction's records rely on it).
        if (Mode == AofMode.Reference)
            foreach (var segment in command)
                if (segment.Length > 0 && _pool.TryGetExtent(segment, out var e))
                    _pending.Add(inLog: false, _pool.OffsetOf(e.Index, e.Offset), e.Length);
        foreach (var segment in command)
            if (!_fresh.TryWrite(segment.Span, _extents))
            {
                // No packet buffer free (the frame itself arrived in ordinary memory, the
                // region being full): the command goes inline. A write the server executed
                // is logged whenever the log has room, never dropped for want of a buffer.
                _fresh.Settle();
                return TryAppendInline(db, command, flags);
            }
        return TryWriteRecord(db, flags);
    }

    private bool TryAppendInline(int db, in ReadOnlySequence<byte> command, RecordFlags flags)
    {
        if (command.IsEmpty || command.Length > int.MaxValue - LogRecord.HeaderSize || !TryInlineSlot((int)command.Length, out var slot)) return false;
        command.CopyTo(slot);
        EndInline(db, flags, slot.Length);
        return true;
    }

    /// <summary>Room at the tail for a record of <paramref name="length"/> command bytes inline: where those bytes go.</summary>
    private bool TryInlineSlot(int length, out Span<byte> slot)
    {
        int size = LogRecord.InlineSize(length);
        slot = default;
        if (_tail + size > _log.Length) return false;
        if (_tail + size + 4 > _faultedTo) FaultAhead();
        slot = _log.Span(_tail + LogRecord.HeaderSize, length);
        return true;
    }

    /// <summary>The header of the inline record whose command is in its slot; the record is appended.</summary>
    private void EndInline(int db, RecordFlags flags, int length)
    {
        int size = LogRecord.InlineSize(length);
        LogRecord.WriteInline(_log.Span(_tail, size), _nextSequence, _generation, db, flags, length);
        Terminate(size);
        InlineRecords++;
        InlineBytes += length;
    }

    /// <summary>
    /// Appends a command the server composed (absolute forms, a compaction's collections),
    /// inline in the log: no packet buffer is taken. False, having changed nothing, when the
    /// log has no room.
    /// </summary>
    public bool TryAppendComposed(int db, ReadOnlySpan<byte> command, RecordFlags flags = RecordFlags.None)
    {
        if (command.IsEmpty) throw new ArgumentException("an empty command", nameof(command));
        if (!TryInlineSlot(command.Length, out var slot)) return false;
        command.CopyTo(slot);
        EndInline(db, flags, command.Length);
        return true;
    }

    /// <summary>Records written with their command inline (composed by the server).</summary>
    public long InlineRecords { get; private set; }

    /// <summary>Command bytes those records hold (data the log keeps, like the buffers it pins).</summary>
    public long InlineBytes { get; private set; }

    /// <summary>Appends a record for bytes already in packet buffers (rewrite: values where they lie).</summary>
    public bool TryAppendExtents(int db, ReadOnlySpan<PbufExtent> extents, RecordFlags flags = RecordFlags.None) =>
        TryAppendExtents(db, extents, default, flags);

    /// <summary>
    /// A compaction's record: <paramref name="durable"/>[i] says extent i's bytes are durable
    /// already (received, and flushed by the record that logged them), so only the record
    /// and the others (written fresh: relocated values, command text) are queued for flushing.
    /// Re-flushing every live value at each compaction was most of its time with msync.
    /// </summary>
    public bool TryAppendExtents(int db, ReadOnlySpan<PbufExtent> extents, ReadOnlySpan<bool> durable, RecordFlags flags)
    {
        _extents.Clear();
        foreach (var e in extents) _extents.Add(e);
        _useDurable = durable.Length == extents.Length;
        if (_useDurable)
        {
            if (_durable.Length < durable.Length) _durable = new bool[durable.Length * 2];
            durable.CopyTo(_durable);
        }
        try { return TryWriteRecord(db, flags); }
        finally { _useDurable = false; }
    }

    private bool[] _durable = new bool[8];
    private bool _useDurable;

    private bool TryReference(in ReadOnlySequence<byte> command)
    {
        foreach (var segment in command)
        {
            if (segment.Length == 0) continue;
            if (!_pool.TryGetExtent(segment, out var e)) return false;
            _extents.Add(e);
        }
        return _extents.Count > 0;
    }

    private bool TryWriteRecord(int db, RecordFlags flags)
    {
        try { return TryWriteRecordCore(db, flags); }
        finally { _fresh.Settle(); } // the record holds its references now (or was not written)
    }

    private bool TryWriteRecordCore(int db, RecordFlags flags)
    {
        int size = LogRecord.Size(_extents.Count);
        if (_extents.Count > LogRecord.MaxExtents || _tail + size > _log.Length) return false;
        if (_tail + size + 4 > _faultedTo) FaultAhead();
        var extents = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_extents);
        LogRecord.Write(_log.Span(_tail, size), _nextSequence, _generation, db, flags, extents, _pool);
        for (int i = 0; i < extents.Length; i++)
        {
            var e = extents[i];
            _pool.AddRef(e.Index);
            if (!_useDurable || !_durable[i]) _pending.Add(inLog: false, _pool.OffsetOf(e.Index, e.Offset), e.Length);
        }
        Terminate(size);
        return true;
    }

    /// <summary>After a record of <paramref name="size"/> bytes at the tail: queue its flush and move on.</summary>
    private void Terminate(int size)
    {
        // Clear the next slot's magic: a valid log always ends in a zero magic, so whatever
        // else recovery finds at its end (torn, corrupt, stale) is reported as truncation.
        int terminator = _tail + size + 4 <= _log.Length ? 4 : 0;
        if (terminator > 0) _log.Span(_tail + size, 4).Clear();
        _pending.Add(inLog: true, _tail, size + terminator);
        _tail += size;
        _nextSequence++;
    }

    // The log's pages are faulted in ahead of the tail, a megabyte per call: appending 40-byte
    // records took a page fault every hundred SETs otherwise, about 12 µs each on a tmpfs file
    // in a VM (SET 1 KB -P16: 116 ns of the log's ~850 ns per SET).
    private long _faultedTo;
    private bool _faultAheadFailed;
    private const long FaultAheadBytes = 1 << 20;

    private void FaultAhead()
    {
        long from = Math.Max(_faultedTo, _tail);
        _faultedTo = Math.Min(_log.Length, from + FaultAheadBytes);
        if (!_faultAheadFailed && !_log.Prefault(from, _faultedTo - from)) _faultAheadFailed = true;
    }

    /// <summary>
    /// Flushes every queued cache line (records and the bytes they reference), then one
    /// fence: after it returns, everything appended so far is durable.
    /// </summary>
    public void Commit()
    {
        if (_pending.Count == 0) return;
        FlushPending();
        _log.Drain();
    }

    /// <summary>Issues the queued flushes without the fence (appendfsync everysec drains later).</summary>
    public void FlushPending() => Flush(_pending);

    private void Flush(PendingFlushes pending)
    {
        for (int i = 0; i < pending.Count; i++)
        {
            ref readonly var r = ref pending[i];
            if (r.InLog) _log.Flush(r.Offset, r.Length);
            else _pool.Region.Flush(r.Offset, r.Length);
        }
        pending.Clear();
    }

    /// <summary>
    /// Group commit: sets the queued flushes aside so that a thread outside the server's
    /// lock can issue them (<see cref="FlushDetached"/>) while appends go on into a fresh
    /// queue. The caller issues the detached flushes before it detaches again.
    /// </summary>
    public void DetachPending()
    {
        if (_detached.Count != 0) throw new InvalidOperationException("the previous detached flushes were not issued");
        (_pending, _detached) = (_detached, _pending);
    }

    /// <summary>Issues the flushes set aside by <see cref="DetachPending"/> (no fence; the committer fences once).</summary>
    public void FlushDetached() => Flush(_detached);

    /// <summary>appendfsync no: forget the queue and let the OS write back in its own time.</summary>
    public void DropPending() => _pending.Clear();

    public void Dispose() => _log.Dispose();

    /// <summary>The flushes a batch has queued, merged where they touch the same or adjacent cache lines.</summary>
    private sealed class PendingFlushes
    {
        public struct Range
        {
            public bool InLog;
            public long Offset;
            public long Length;
        }

        private Range[] _ranges = new Range[64];
        public int Count { get; private set; }
        public ref readonly Range this[int i] => ref _ranges[i];

        public void Add(bool inLog, long offset, long length)
        {
            // Pipelined commands arrive back to back: extend the previous range when contiguous.
            for (int i = Count - 1; i >= 0 && i >= Count - 4; i--)
            {
                ref var r = ref _ranges[i];
                if (r.InLog == inLog && offset >= r.Offset && offset <= r.Offset + r.Length + NvmmRegion.CacheLineSize)
                {
                    r.Length = Math.Max(r.Length, offset + length - r.Offset);
                    return;
                }
            }
            if (Count == _ranges.Length) Array.Resize(ref _ranges, Count * 2);
            _ranges[Count++] = new Range { InLog = inLog, Offset = offset, Length = length };
        }

        public void Clear() => Count = 0;
    }
}
