using System.Runtime.CompilerServices;
using System.Buffers;
using System.Buffers.Binary;
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
    /// Validation (headers, then a checksum over every referenced byte: most of the time
    /// on a large log) runs ahead on another core, in order, in chunks; this thread
    /// applies what it has validated. The pool must be in recovery mode.
    /// </summary>
    public RecoveryResult Recover(Action<int, ReadOnlySequence<byte>> apply, Action<long>? progress = null,
        bool allowTruncation = true) =>
        Recover<NoNote>(apply, null, null, progress, allowTruncation);

    /// <summary>What <see cref="Recover{TNote}"/> remembers of a record when it is given no inspector.</summary>
    public readonly struct NoNote;

    /// <summary>
    /// A look at a record on the validating thread, just after its bytes were checksummed
    /// there (so they are in that core's cache, not the applier's): true with a note the
    /// applier gets instead of the command, false to have the command applied as usual.
    /// Must only read: it runs ahead of the applier, on another thread.
    /// </summary>
    public delegate bool RecordInspector<TNote>(int database, in ReadOnlySequence<byte> command, out TNote note) where TNote : struct;

    /// <summary>Applies a noted record from its note; false to have its command applied after all.</summary>
    public delegate bool NotedApply<TNote>(int database, in TNote note) where TNote : struct;

    /// <summary>
    /// <see cref="Recover(Action{int, ReadOnlySequence{byte}}, Action{long}?, bool)"/>, with
    /// part of the applying moved onto the validating thread: <paramref name="inspect"/> looks
    /// at each referencing record there, and a record it noted is applied by
    /// <paramref name="applyNoted"/> from the note (its references taken all the same).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RecoveryResult Recover<TNote>(Action<int, ReadOnlySequence<byte>> apply, RecordInspector<TNote>? inspect,
        NotedApply<TNote>? applyNoted, Action<long>? progress = null, bool allowTruncation = true) where TNote : struct
    {
        if ((inspect == null) != (applyNoted == null)) throw new ArgumentException("An inspector needs a noted apply, and the other way round");
        var group = new List<(ValidChunk<TNote> Chunk, ValidRecord Record, int Index)>();
        long offset = SuperblockSize, groupStart = SuperblockSize;
        ulong sequence = 1, groupSequence = 1;
        long applied = 0, reported = 0;
        string? problem = null;
        using var stop = new CancellationTokenSource();
        using var validated = new System.Collections.Concurrent.BlockingCollection<ValidChunk<TNote>>(boundedCapacity: 4);
        // Applied chunks go back to the validator to be filled again: a large log's replay
        // allocates for the keyspace, not for its bookkeeping (fewer collections to promote it).
        var spent = new System.Collections.Concurrent.ConcurrentQueue<ValidChunk<TNote>>();
        var held = new List<ValidChunk<TNote>>(); // chunks an unfinished group still points into
        var validator = Task.Factory.StartNew(() => Validate(validated, spent, inspect, stop.Token), TaskCreationOptions.LongRunning);
        try
        {
            foreach (var chunk in validated.GetConsumingEnumerable())
            {
                if (chunk.Error != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(chunk.Error);
                var records = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(chunk.Records);
                for (int i = 0; i < records.Length; i++)
                {
                    var record = records[i];
                    // The bytes of a record a few ahead, on their way while this one is applied.
                    if (i + PrefetchAhead < records.Length && records[i + PrefetchAhead].ExtentCount > 0)
                        _pool.Prefetch(chunk.Extents[records[i + PrefetchAhead].FirstExtent]);
                    group.Add((chunk, record, i));
                    offset += record.Size;
                    sequence++;
                    if ((record.Flags & RecordFlags.GroupContinues) != 0) continue;
                    foreach (var (c, r, index) in group)
                    {
                        if (r.ExtentCount == 0)
                        {
                            // Inline: the command lies in the log itself (the replay copies what it keeps).
                            apply(r.Database, new ReadOnlySequence<byte>(_log.Memory(r.Offset + LogRecord.HeaderSize, r.Size - LogRecord.HeaderSize)));
                            applied++;
                            continue;
                        }
                        var extents = c.ExtentsOf(r);
                        foreach (var e in extents) _pool.AddRef(e.Index);
                        // A noted record is applied from its note, unless the noted apply declines it.
                        if (!r.Noted || !applyNoted!(r.Database, c.Notes[index])) apply(r.Database, Sequence(extents));
                        applied++;
                    }
                    group.Clear();
                    groupStart = offset;
                    groupSequence = sequence;
                    if (applied - reported >= ProgressRecords)
                    {
                        reported = applied;
                        progress?.Invoke(applied);
                    }
                }
                if (chunk.Problem != null) problem = chunk.Problem;
                held.Add(chunk);
                if (group.Count == 0)
                {
                    foreach (var c in held) spent.Enqueue(c);
                    held.Clear();
                }
            }
        }
        finally
        {
            stop.Cancel();
            try { validator.Wait(); } catch (AggregateException) { } // cancelled, or its error was rethrown above
        }
        problem ??= "end of file";
        var log = _log.Span(0, (int)Math.Min(int.MaxValue, _log.Length));

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

    /// <summary>
    /// How many records ahead of the one being applied the applier asks for the bytes: the
    /// validator read them on another core, so each record's first read here waits on
    /// memory; a few records' lead hides most of it (replay of 1 M 1 KB SETs: 6-7 % faster).
    /// </summary>
    private const int PrefetchAhead = 6;

    /// <summary>How often (in applied records, at a group boundary) <c>progress</c> is called.</summary>
    public const int ProgressRecords = 64;

    /// <summary>A validated record: its extents in the chunk's list, or (none) its command inline at <c>Offset</c> + header.</summary>
    private readonly record struct ValidRecord(int Database, RecordFlags Flags, int Size, int FirstExtent, int ExtentCount, long Offset, bool Noted);

    /// <summary>Validated records and, in one list for all of them, their extents (no array per record).</summary>
    private sealed class ValidChunk<TNote> where TNote : struct
    {
        public readonly List<ValidRecord> Records = new(ChunkRecords);
        public readonly List<TNote> Notes = new(); // beside Records when there is an inspector
        public readonly List<PbufExtent> Extents = new(ChunkRecords * 2);
        public ReadOnlySpan<PbufExtent> ExtentsOf(in ValidRecord r) =>
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(Extents).Slice(r.FirstExtent, r.ExtentCount);
        public string? Problem;        // set on the last chunk: why the valid prefix ends
        public Exception? Error;
    }

    private const int ChunkRecords = 4096;

    /// <summary>
    /// Recovery's validator: walks the records in order and hands on, a chunk at a time,
    /// every one that checks out; the last chunk says what ended the prefix.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Validate<TNote>(System.Collections.Concurrent.BlockingCollection<ValidChunk<TNote>> output,
        System.Collections.Concurrent.ConcurrentQueue<ValidChunk<TNote>> spent, RecordInspector<TNote>? inspect,
        CancellationToken stop) where TNote : struct
    {
        ValidChunk<TNote> Next()
        {
            if (!spent.TryDequeue(out var reused)) return new ValidChunk<TNote>();
            reused.Records.Clear();
            reused.Extents.Clear();
            reused.Notes.Clear();
            return reused;
        }
        var chunk = Next();
        try
        {
            var extents = new List<PbufExtent>();
            var log = _log.Span(0, (int)Math.Min(int.MaxValue, _log.Length));
            long offset = SuperblockSize;
            ulong sequence = 1;
            uint minGeneration = 0;
            while (true)
            {
                LogRecord.Header header = default;
                string? problem = "end of file";
                int size = 0;
                if (offset + LogRecord.HeaderSize <= _log.Length)
                    size = LogRecord.TryRead(log[(int)offset..], sequence, minGeneration, _generation, _pool, extents, out header, out problem);
                if (size == 0)
                {
                    chunk.Problem = problem;
                    break;
                }
                minGeneration = header.Generation;
                bool noted = false;
                if (inspect != null)
                {
                    TNote note = default;
                    noted = extents.Count > 0 &&
                        inspect(header.Database, Sequence(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(extents)), out note);
                    chunk.Notes.Add(note);
                }
                chunk.Records.Add(new ValidRecord(header.Database, header.Flags, size, chunk.Extents.Count, extents.Count, offset, noted));
                chunk.Extents.AddRange(extents);
                offset += size;
                sequence++;
                if (chunk.Records.Count == ChunkRecords)
                {
                    output.Add(chunk, stop);
                    chunk = Next();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return; // the applier stopped first (its own error)
        }
        catch (Exception e)
        {
            chunk.Error = e;
        }
        finally
        {
            if (!stop.IsCancellationRequested)
            {
                try { output.Add(chunk, stop); } catch (OperationCanceledException) { }
            }
            output.CompleteAdding();
        }
    }

    /// <summary>
    /// How many records the log appears to hold, from their headers alone (magic, extent
    /// count, consecutive sequence numbers), before recovery has validated anything: an
    /// upper bound on what <see cref="Recover"/> will apply, for sizing what the replay will
    /// build. A walk over the small records, not over the bytes they reference.
    /// </summary>
    public long CountRecordHeaders()
    {
        var log = _log.Span(0, (int)Math.Min(int.MaxValue, _log.Length));
        long offset = SuperblockSize, count = 0;
        ulong sequence = 1;
        while (offset + LogRecord.HeaderSize <= log.Length)
        {
            var header = log.Slice((int)offset, LogRecord.HeaderSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != LogRecord.Magic ||
                BinaryPrimitives.ReadUInt64LittleEndian(header[8..]) != sequence) break;
            int extents = BinaryPrimitives.ReadUInt16LittleEndian(header[20..]);
            long size = LogRecord.SizeFromHeader(header);
            if (extents > LogRecord.MaxExtents || size <= LogRecord.HeaderSize) break;
            offset += size;
            sequence++;
            count++;
        }
        return count;
    }

    private static bool MagicIsZero(ReadOnlySpan<byte> log, long offset) =>
        offset + 4 > log.Length || BinaryPrimitives.ReadUInt32LittleEndian(log[(int)offset..]) == 0;

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
        // Records in a row mostly reference the same buffer (the frames that arrived in it):
        // one atomic release per run of references, not one per reference (after a
        // compaction's switch, ~500 K records of a rewrite under load, SET 1 KB over 100 K
        // keys: 12-16 ms with a release per reference, 10.5-13.8 ms so; the reading of the
        // records is most of it, which is why the switch leaves this to a thread of its own).
        int run = -1, count = 0;
        while (offset < _tail)
        {
            int size = LogRecord.ReadTrustedExtents(log[(int)offset..], extents);
            if (size == 0) break;
            foreach (var e in extents)
            {
                if (e.Index == run)
                {
                    count++;
                    continue;
                }
                if (count > 0) _pool.Release(run, count);
                (run, count) = (e.Index, 1);
            }
            offset += size;
        }
        if (count > 0) _pool.Release(run, count);
    }

    /// <summary>A sequence over the extents' bytes in place (the packet buffers' own memory).</summary>
    private ReadOnlySequence<byte> Sequence(ReadOnlySpan<PbufExtent> extents)
    {
        if (extents.Length == 1) return new ReadOnlySequence<byte>(_pool.Memory(extents[0]));
        SegmentChain.Link? first = null, last = null;
        foreach (var e in extents) last = SegmentChain.Link.After(last, _pool.Memory(e), ref first);
        return SegmentChain.Sequence(first, last);
    }
}
