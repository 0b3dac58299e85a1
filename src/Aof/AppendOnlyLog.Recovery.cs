using System.Buffers;
using PasteRedis.Paste;

namespace PasteRedis.Aof;

/// <summary>What recovery found: how much it applied and why it stopped.</summary>
public sealed record RecoveryResult(long Records, long ValidBytes, long DroppedBytesAtLeast, string? StoppedBecause)
{
    public bool Truncated => StoppedBecause != null;
}

public sealed partial class AppendOnlyLog
{
    /// <summary>
    /// Replays the longest valid prefix of the log: every record whose header, references
    /// and referenced bytes check out, in sequence, whole groups only. Each applied record
    /// takes its references again; <paramref name="apply"/> gets the command bytes where
    /// they lie in the packet buffers (no copy). Afterwards the log continues after the
    /// prefix with a new generation, so nothing beyond it can ever be read as valid.
    /// The pool must be in recovery mode.
    /// </summary>
    public RecoveryResult Recover(Action<int, ReadOnlySequence<byte>> apply, Action<long>? progress = null,
        bool allowTruncation = true)
    {
        var group = new List<(int Db, PbufExtent[] Extents)>();
        var extents = new List<PbufExtent>();
        long offset = SuperblockSize, groupStart = SuperblockSize;
        ulong sequence = 1, groupSequence = 1;
        long applied = 0;
        uint minGeneration = 0;
        string? problem;
        var log = _log.Span(0, (int)Math.Min(int.MaxValue, _log.Length));
        while (true)
        {
            LogRecord.Header header = default;
            problem = "end of file";
            int size = 0;
            if (offset + LogRecord.HeaderSize <= _log.Length)
                size = LogRecord.TryRead(log[(int)offset..], sequence, minGeneration, _generation, _pool, extents, out header, out problem);
            if (size == 0) break;
            minGeneration = header.Generation;
            group.Add((header.Database, extents.ToArray()));
            offset += size;
            sequence++;
            if ((header.Flags & RecordFlags.GroupContinues) != 0) continue;
            foreach (var (db, refs) in group)
            {
                foreach (var e in refs) _pool.AddRef(e.Index);
                apply(db, Sequence(refs));
                applied++;
            }
            group.Clear();
            groupStart = offset;
            groupSequence = sequence;
            if (applied % 100_000 == 0) progress?.Invoke(applied);
        }

        // A clean end is a zero magic: every append clears the next slot's, and a record's own
        // magic is written last. Anything else there (torn, corrupt, stale) is a truncation.
        bool clean = group.Count == 0 && (problem == "end of file" || (problem == "no record" && MagicIsZero(log, offset)));
        long dropped = offset - groupStart;
        string? why = clean ? null : group.Count > 0 ? $"an incomplete group of {group.Count} record(s) at offset {groupStart}" : $"{problem} at offset {offset}";
        if (why != null && !allowTruncation)
            throw new AofFormatException($"{Path}: the log is damaged after {applied} records ({why}) and aof-load-truncated is no; refusing to start.");
        _tail = groupStart;
        _nextSequence = groupSequence;
        if (why != null && _tail + LogRecord.HeaderSize <= _log.Length)
        {
            _log.Span(_tail, LogRecord.HeaderSize).Clear();
            _log.Persist(_tail, LogRecord.HeaderSize);
        }
        WriteSuperblock(_generation + 1);
        return new RecoveryResult(applied, groupStart, dropped, why);
    }

    private static bool MagicIsZero(ReadOnlySpan<byte> log, long offset) =>
        offset + 4 > log.Length || System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(log[(int)offset..]) == 0;

    /// <summary>
    /// Drops the reference every record from the start to the tail holds (this run's records,
    /// validated at recovery or written here): headers only, no checksums over the values,
    /// so releasing a replaced log costs a walk over its small records, not a read of every
    /// byte they point at.
    /// </summary>
    public void ReleaseReferences()
    {
        var extents = new List<PbufExtent>(4);
        long offset = SuperblockSize;
        var log = _log.Span(0, (int)Math.Min(int.MaxValue, _log.Length));
        while (offset < _tail)
        {
            int size = LogRecord.ReadTrustedExtents(log[(int)offset..], extents);
            if (size == 0) break;
            foreach (var e in extents) _pool.Release(e.Index);
            offset += size;
        }
    }

    /// <summary>A sequence over the extents' bytes in place (the packet buffers' own memory).</summary>
    private ReadOnlySequence<byte> Sequence(PbufExtent[] extents)
    {
        if (extents.Length == 1) return new ReadOnlySequence<byte>(_pool.Memory(extents[0]));
        Segment? first = null, last = null;
        foreach (var e in extents)
        {
            last = new Segment(_pool.Memory(e), last);
            first ??= last;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous == null) return;
            RunningIndex = previous.RunningIndex + previous.Memory.Length;
            previous.Next = this;
        }
    }
}
