using System.Buffers.Text;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PasteRedis.Aof;
using PasteRedis.Paste;
using PasteRedis.Server.Keyspace;

namespace PasteRedis.Server.Persistence;

/// <summary>
/// Compaction (BGREWRITEAOF, automatic rewrite, memory pressure): a new log with one
/// record per live key. A record is `SET key value [PXAT t]`: the command text is written
/// fresh, the value bytes are referenced where they lie, so nothing is copied, except
/// values lying in mostly-dead packet buffers, which are moved into dense fresh ones so
/// those buffers can be freed. The new log is made durable, renamed over the old one
/// (and the rename made durable); only then does the old log drop its references.
/// </summary>
internal sealed partial class AofPersistence
{
    private readonly List<PbufExtent> _rewriteExtents = new(16);
    private readonly List<PbufExtent> _relocated = new(4);
    private byte[] _affix = new byte[128];

    public long RewritesDone { get; private set; }
    public long RelocatedBytes { get; private set; }
    public double LastRewriteSeconds { get; private set; } = -1;
    public string LastRewriteStatus { get; private set; } = "ok";

    // The rewrite in progress: the new log, and where the walk over the keyspace is.
    private AppendOnlyLog? _next;
    private int _epoch, _walkDb, _walkSlot;
    private readonly Stopwatch _rewriteClock = new();

    /// <summary>A rewrite walks, or the log it replaced is still giving its buffers back (INFO aof_rewrite_in_progress).</summary>
    public bool RewriteInProgress => _next != null || !_releasing.IsCompleted;

    // The replaced log's references given back off the execution lock (see FinishRewrite).
    private Task _releasing = Task.CompletedTask;

    /// <summary>Waits until the log a finished rewrite replaced has given back its buffers (a caller that needs them now).</summary>
    public void WaitForRelease() => _releasing.Wait();

    /// <summary>
    /// Starts a rewrite (BGREWRITEAOF, auto rewrite). From now on every record goes to both
    /// logs; the cron writes base records a few thousand keys at a time; a write first gets
    /// base records for the keys it touches. Returns false when the new log cannot be created.
    /// </summary>
    public bool StartRewrite(RedisServer server)
    {
        if (_next != null) return true;
        // The walk goes by slots and marks keys added meanwhile as logged: a deferred key built
        // during the walk could land behind it, unwritten. Every object exists before it starts.
        foreach (var db in server.Databases) db.MaterializeAll();
        var rewritePath = _path + ".rewrite";
        File.Delete(rewritePath);
        try { _next = AppendOnlyLog.Open(rewritePath, Log.Capacity, server.Pool!, Fresh, Log.Mode, _granularity, _allowLibPmem2); }
        catch (IOException e)
        {
            _logger.LogWarning("AOF rewrite could not create {Path}: {Error}", rewritePath, e.Message);
            LastRewriteStatus = "err";
            return false;
        }
        _epoch++;
        _baseFreshBytes = RelocatedBytes; // relocated values are not the records' own bytes
        _walkDb = 0;
        _walkSlot = 0;
        _rewriteClock.Restart();
        // Function libraries are data: the new log starts with them (the records of any
        // FUNCTION LOAD/DELETE from now on go to both logs, as every record does).
        foreach (var library in server.ScriptsIfStarted?.Libraries ?? [])
        {
            _composed.Clear();
            _composed.Add("FUNCTION"u8, "LOAD"u8, "REPLACE"u8, library.Code);
            if (!_next.TryAppendComposed(0, _composed[0], BaseRecordFlags)) return AbandonRewrite();
        }
        return true;
    }

    /// <summary>Rewrites the log now, to completion (memory pressure, a full log). False when it could not.</summary>
    public bool Rewrite(RedisServer server)
    {
        WaitForRelease();
        if (!StartRewrite(server)) return false;
        return RewriteStep(server, int.MaxValue, releaseInBackground: false);
    }

    private const int WalkPrefetchAhead = 8;

    /// <summary>
    /// Writes base records for up to <paramref name="budget"/> keys; switches logs when the
    /// walk is complete. Returns false when the rewrite failed (and was abandoned).
    /// </summary>
    public bool RewriteStep(RedisServer server, int budget, bool releaseInBackground = true)
    {
        if (_next == null) return true;
        var pool = server.Pool!;
        long now = RedisServer.NowMs();
        while (_walkDb < server.Databases.Length && budget > 0)
        {
            var db = server.Databases[_walkDb];
            if (_walkSlot >= db.ScanCapacity)
            {
                _walkDb++;
                _walkSlot = 0;
                continue;
            }
            // The values a few keys ahead are asked for now: a walk over keys long out of the
            // cache otherwise waits on each one's object, buffer text and counters in turn.
            if (db.AtSlot(_walkSlot + WalkPrefetchAhead) is StringObject ahead) ahead.Prefetch(pool);
            var obj = db.AtSlot(_walkSlot++);
            if (obj == null) continue;
            budget--;
            if (!WriteBase(db.Id, obj, pool, now)) return AbandonRewrite();
        }
        if (_walkDb < server.Databases.Length) return true;
        FinishRewrite(pool, releaseInBackground);
        return true;
    }

    /// <summary>
    /// Before a write during a rewrite: base records for the keys it touches or reads come
    /// first, so its record replays against complete values. The keys are where the
    /// command's key range (Redis's first/last/step, which names every key of a command
    /// without movable keys) says; for a command with movable keys or none declared, every
    /// argument that names a live key counts (one that is not a key only gets its base
    /// record early). Looking up a SET's value as a key was a hash and a dictionary miss
    /// wasted on every write while a rewrite ran (half the time under random overwrites of
    /// 100 K keys; the throughput gain was within the noise of this machine).
    /// </summary>
    public bool BeforeWrite(RedisServer server, Connections.ClientSession c, Commands.RedisCommand cmd)
    {
        if (_next == null) return true;
        long now = RedisServer.NowMs();
        int count = c.Request.Count, first = 1, last = count - 1, step = 1;
        if (cmd.FirstKey > 0 && (cmd.Flags & Commands.CommandFlags.MovableKeys) == 0)
        {
            first = cmd.FirstKey;
            last = cmd.LastKey < 0 ? count + cmd.LastKey : Math.Min(cmd.LastKey, count - 1);
            step = Math.Max(1, cmd.Step);
        }
        for (int i = first; i <= last; i += step)
        {
            var obj = c.Db.Lookup(c.Request.Arg(i), now, touch: false);
            if (obj != null && !WriteBase(c.Db.Id, obj, server.Pool!, now)) return AbandonRewrite();
        }
        return true;
    }

    /// <summary>
    /// A key added while a rewrite runs got there by a command whose record the new log has
    /// too (a renamed or moved key also has its base record from before that command), so
    /// the walk must not write it again: for a list, a base record after its RPUSH would
    /// replay every element twice.
    /// </summary>
    public void KeyAdded(RedisObject obj)
    {
        if (_next != null) obj.RewriteEpoch = _epoch;
    }

    /// <summary>
    /// SWAPDB during a rewrite: the walk goes by database number, so keys changing number
    /// could be written twice or never; every key of both gets its base record first.
    /// </summary>
    public void BeforeSwapDb(RedisServer server, Database a, Database b)
    {
        if (_next == null) return;
        long now = RedisServer.NowMs();
        foreach (var db in (ReadOnlySpan<Database>)[a, b])
            for (int slot = 0; slot < db.ScanCapacity; slot++)
                if (db.AtSlot(slot) is { } obj && !WriteBase(db.Id, obj, server.Pool!, now))
                {
                    AbandonRewrite();
                    return;
                }
    }

    private bool WriteBase(int db, RedisObject obj, PacketBufferPool pool, long now)
    {
        if (obj.RewriteEpoch == _epoch) return true;
        obj.RewriteEpoch = _epoch;
        if (obj.HasExpiry && obj.ExpireAt <= now) return true; // its expiry will be logged as DEL
        long written = Fresh.BytesWritten;
        try
        {
            if (obj is StringObject s) return AppendBase(_next!, db, s, pool);
            CollectionRecords.Compose(obj, _composed);
            for (int i = 0; i < _composed.Count; i++)
                if (!_next!.TryAppendComposed(db, _composed[i], BaseRecordFlags)) return false;
            return true;
        }
        finally { _baseFreshBytes += Fresh.BytesWritten - written; }
    }

    // Fresh bytes the base records of the rewrite in progress took (not relocated values).
    private long _baseFreshBytes;

    /// <summary>
    /// The buffers held back for the log (<see cref="FreshBuffers.StashTarget"/>): what the last
    /// compaction's own records took, and a quarter more, between 1/256 and 1/4 of the region.
    /// A compaction forced by a full region then has them (collections, TTLs, values that
    /// did not arrive as a plain SET are written fresh); so the region can always be compacted.
    /// </summary>
    private static int StashFor(PacketBufferPool pool, long freshBytes) =>
        (int)Math.Clamp(freshBytes * 5 / 4 / pool.BufferSize + 4, Math.Max(4, pool.Count / 256), Math.Max(4, pool.Count / 4));

    /// <summary>
    /// The switch: the new log made durable and renamed over the old one; then the old log's
    /// references are given back. That walk over every old record (12-16 ms for the ~500 K
    /// records of a rewrite under load, SET 1 KB over 100 K keys) runs on a thread of its own
    /// when <paramref name="inBackground"/>, so clients do not wait for it: the buffers' counts are
    /// atomic, a buffer freed later is only kept longer (invariant 4), and until it is done
    /// the rewrite still counts as in progress (no new one starts; the automatic rule gets
    /// its new base only then). A compaction for memory pressure releases at once: it is
    /// run for those buffers.
    /// </summary>
    private void FinishRewrite(PacketBufferPool pool, bool inBackground)
    {
        var next = _next!;
        WaitForCommitter();
        // What the old log has queued (a batch's records before a compaction forced in its
        // middle) is flushed under the new log's fence: base records skip the flush of values
        // where they were received, on the strength of their own records' flushes.
        Log.FlushPending();
        next.Commit();
        DurableFiles.ReplaceDurably(next.Path, _path);
        // The switch is durable: the old records, and the buffers only they kept, can go.
        var old = Log;
        Log = next;
        _next = null;
        _baseFreshBytes -= RelocatedBytes;
        Fresh.StashTarget = StashFor(pool, _baseFreshBytes);
        BaseSize = Log.Size;
        RewritesDone++;
        LastRewriteSeconds = _rewriteClock.Elapsed.TotalSeconds;
        LastRewriteStatus = "ok";
        (long records, long size, long fresh, int stash) = (Log.Records, Log.Size, _baseFreshBytes, Fresh.StashTarget);
        // The pool's counts are atomic; the stash (Fresh) is the execution lock's, so only a release under it settles it.
        void ReleaseOld(bool underLock)
        {
            old.ReleaseReferences();
            old.Dispose();
            if (underLock) Fresh.Settle();
            BasePinnedBytes = pool.PinnedBytes;
            _logger.LogInformation("AOF rewrite: {Records} records, {Bytes} bytes, {Seconds:F3} s; {Fresh} bytes of its records written fresh; {Free} packet buffers free, {Stash} held back for the log",
                records, size, LastRewriteSeconds, fresh, pool.FreeCount, stash);
        }
        if (!inBackground)
        {
            ReleaseOld(underLock: true);
            return;
        }
        // Its own thread, not the pool's: a compaction for memory pressure waits for it while
        // holding the execution lock, which pool threads running commands may be queued on.
        _releasing = Task.Factory.StartNew(() =>
        {
            try { ReleaseOld(underLock: false); }
            catch (Exception e) { _logger.LogCritical(e, "AOF rewrite: giving back the replaced log's buffers failed"); }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private bool AbandonRewrite(bool shuttingDown = false)
    {
        WaitForCommitter();
        var next = _next!;
        _next = null;
        // Values relocated by this rewrite now live in its copies: those must be durable,
        // though its log is dropped (a later compaction counts them as flushed).
        next.Commit();
        Fresh.Settle();
        next.ReleaseReferences();
        next.Dispose();
        File.Delete(next.Path);
        if (shuttingDown)
        {
            // Redis's words when it kills a rewriting child at shutdown; the log stays as it was.
            _logger.LogWarning("There is a child rewriting the AOF. Killing it!");
            return false;
        }
        LastRewriteStatus = "err";
        _logger.LogWarning("AOF rewrite failed: no room in the new log or no free packet buffer");
        return false;
    }

    private bool AppendBase(AppendOnlyLog log, int db, StringObject s, PacketBufferPool pool)
    {
        var value = _baseValue;
        s.CopyExtents(value);
        if (value.Count == 0 || value.Count > LogRecord.MaxExtents - 4) return AppendBaseInline(log, db, s, pool);
        // Moving a value out of a mostly-dead buffer is opportunistic: only with headroom
        // left for the records themselves; otherwise it stays referenced where it lies.
        bool relocated = false;
        if (pool.FreeCount > RelocationFloor && s.LiesSparsely(pool) && TryRelocate(s, value, pool))
        {
            value = _relocated;
            relocated = true;
        }
        _rewriteExtents.Clear();
        _rewriteDurable.Clear();
        // The record's text around the value: where the value arrived in a plain "SET key
        // value", the very bytes of that frame lie just before (and "\r\n" just after) it in
        // the same buffer, and the record references them too; only otherwise are they
        // written fresh. A compaction of a region full of such values needs no fresh buffer
        // for them, so it can complete however many keys there are (invariant 6).
        int n = Prefix(s, s.HasExpiry);
        var first = value[0];
        if (first.Offset >= n && pool.Read(new PbufExtent(first.Index, first.Offset - n, n)).SequenceEqual(_affix.AsSpan(0, n)))
        {
            value[0] = first with { Offset = first.Offset - n, Length = first.Length + n };
            ReceivedAffixes++;
        }
        else if (!Fresh.TryWrite(_affix.AsSpan(0, n), _rewriteExtents)) return AppendBaseInline(log, db, s, pool);
        MarkDurable(false);
        _rewriteExtents.AddRange(value);
        // A value where it was received is durable already (the record that logged it flushed
        // it, and the old log's last flushes precede the switch); a relocated copy is not.
        MarkDurable(!relocated && log.Mode == AofMode.Reference); // copy mode flushed its copies, not the received bytes
        n = Suffix(s);
        var last = _rewriteExtents[^1];
        int end = last.Offset + last.Length;
        if (end + n <= pool.BufferSize && pool.Read(new PbufExtent(last.Index, end, n)).SequenceEqual(_affix.AsSpan(0, n)))
            _rewriteExtents[^1] = last with { Length = last.Length + n };
        else if (!Fresh.TryWrite(_affix.AsSpan(0, n), _rewriteExtents)) return AppendBaseInline(log, db, s, pool);
        MarkDurable(false);
        return log.TryAppendExtents(db, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_rewriteExtents),
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_rewriteDurable), BaseRecordFlags);
    }

    // The value's extents of the base record being written (scratch: the walk allocates nothing per key).
    private readonly List<PbufExtent> _baseValue = new(4);

    // Whether each of _rewriteExtents' bytes are durable already; MarkDurable sets it for the extents added since its last call.
    private readonly List<bool> _rewriteDurable = new(16);

    private void MarkDurable(bool durable)
    {
        while (_rewriteDurable.Count < _rewriteExtents.Count) _rewriteDurable.Add(durable);
    }

    /// <summary>
    /// The whole `SET key value [PXAT t]` inline in the log: a value kept in managed memory, or
    /// no packet buffer free for the text around it (the compaction still completes).
    /// </summary>
    private bool AppendBaseInline(AppendOnlyLog log, int db, StringObject s, PacketBufferPool pool)
    {
        _composed.Clear();
        if (s.HasExpiry) _composed.Add("SET"u8, s.Key, s.Value(pool), "PXAT"u8, s.ExpireAt);
        else _composed.Add("SET"u8, s.Key, s.Value(pool));
        return log.TryAppendComposed(db, _composed[0], BaseRecordFlags);
    }

    /// <summary>Base records whose command text was found where the value arrived (not written fresh).</summary>
    public long ReceivedAffixes { get; private set; }

    /// <summary>
    /// Relocation stops while fewer buffers than this are free. The relocated copies are
    /// freed only once the new log is durable, so from a nearly full region they take the
    /// buffers the compaction's own records would use; those records then draw on the buffers
    /// held back for the log, and past them go inline in the log (<see cref="AppendBaseInline"/>):
    /// the compaction completes either way. Stopping relocation at a sixteenth of the region
    /// instead left a full region fragmented for good (SET … EX over 100 K random keys in
    /// 32 MB: -OOM with 15 MB live, after a compaction every 500 writes).
    /// </summary>
    private const int RelocationFloor = 16;

    private bool TryRelocate(StringObject s, List<PbufExtent> value, PacketBufferPool pool)
    {
        _relocated.Clear();
        foreach (var e in value)
        {
            if (Fresh.TryWrite(pool.Read(e), _relocated)) continue;
            Fresh.Settle();
            return false;
        }
        s.Relocate(pool, _relocated);
        Fresh.Settle(); // the value holds its references on the new place now
        RelocatedBytes += s.Length;
        return true;
    }

    // "*3\r\n$3\r\nSET\r\n$<klen>\r\n<key>\r\n$<vlen>\r\n" — the key is copied here (keys are small).
    private int Prefix(StringObject s, bool withTtl)
    {
        if (_affix.Length < 64 + s.Key.Length) _affix = new byte[64 + s.Key.Length];
        var buf = _affix;
        int n = 0;
        n += Write(buf.AsSpan(n), withTtl ? "*5\r\n$3\r\nSET\r\n$"u8 : "*3\r\n$3\r\nSET\r\n$"u8);
        n += Number(buf.AsSpan(n), s.Key.Length);
        n += Write(buf.AsSpan(n), "\r\n"u8);
        n += Write(buf.AsSpan(n), s.Key);
        n += Write(buf.AsSpan(n), "\r\n$"u8);
        n += Number(buf.AsSpan(n), s.Length);
        n += Write(buf.AsSpan(n), "\r\n"u8);
        return n;
    }

    // "\r\n" and, with a TTL, "$4\r\nPXAT\r\n$<n>\r\n<ms>\r\n".
    private int Suffix(StringObject s)
    {
        int n = Write(_affix, "\r\n"u8);
        if (!s.HasExpiry) return n;
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(s.ExpireAt, digits, out int d);
        n += Write(_affix.AsSpan(n), "$4\r\nPXAT\r\n$"u8);
        n += Number(_affix.AsSpan(n), d);
        n += Write(_affix.AsSpan(n), "\r\n"u8);
        n += Write(_affix.AsSpan(n), digits[..d]);
        n += Write(_affix.AsSpan(n), "\r\n"u8);
        return n;
    }

    private static int Write(Span<byte> dest, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(dest);
        return bytes.Length;
    }

    private static int Number(Span<byte> dest, long v)
    {
        Utf8Formatter.TryFormat(v, dest, out int n);
        return n;
    }

    /// <summary>
    /// Cron: a step of the rewrite in progress, or start one when the log has grown past
    /// auto-aof-rewrite-percentage of its base size (and auto-aof-rewrite-min-size), as
    /// Redis does. The log's own bytes are a few dozen per record, while what its records
    /// keep alive is in packet buffers, so the same rule also applies to the packet-buffer
    /// bytes pinned (against those pinned after the last rewrite): overwrites then compact
    /// every 64 MB or so of dead values, not when the region runs out, so the memory stays
    /// proportional to the live data (measured: no faster, the buffers cycled are still far
    /// beyond the cache; README "Performance"). When fewer than a quarter
    /// of the buffers are free, the minimum is waived, so compaction starts here, in steps,
    /// long before a write finds the region full and has to compact synchronously.
    /// </summary>
    public void Tick(RedisServer server)
    {
        if (_next != null)
        {
            RewriteStep(server, 5000);
            return;
        }
        if (!_releasing.IsCompleted) return; // the last one's buffers are still coming back: its base is not known yet
        long pct = long.Parse(server.Config.Get("auto-aof-rewrite-percentage"));
        long min = long.Parse(server.Config.Get("auto-aof-rewrite-min-size"));
        if (pct <= 0) return;
        var pool = server.Pool!;
        bool buffersScarce = pool.FreeCount < pool.Count / 4;
        bool logGrew = (Log.Size >= min || buffersScarce) && Log.Size * 100 >= BaseSize * (100 + pct);
        long pinned = pool.PinnedBytes;
        // The growth asked of the pinned bytes stops halfway between those of the last
        // rewrite and the whole region: with the base at 366 MB of 512 MB, doubling could
        // never happen, and the region filled up before anything compacted.
        long region = (long)pool.Count * pool.BufferSize;
        long pinnedTrigger = Math.Min(BasePinnedBytes * (100 + pct) / 100, BasePinnedBytes + (region - BasePinnedBytes) / 2);
        // …and asks at least 1/64 of the region, so a region full of live data does not rewrite at every tick.
        pinnedTrigger = Math.Max(pinnedTrigger, BasePinnedBytes + region / 64);
        bool pinnedGrew = (pinned >= min || buffersScarce) && pinned >= pinnedTrigger;
        // The walk starts at the next tick: opening the new log is a step of its own under the lock.
        if (logGrew || pinnedGrew) StartRewrite(server);
    }
}
